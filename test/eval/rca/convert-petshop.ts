/* eslint-disable no-console */
// node --import tsx test/eval/rca/convert-petshop.ts --data ../shared/datasets/rca_petshop --out DIR
//   [--baseline-hours 6]
// Converts the PetShop RCA dataset (Hardt et al., CLeaR 2024; 68 injected issues) into RCA cases
// (README.md): catalog from graph.csv, metric signals from metrics.csv, preceded by a normal baseline.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { TruthKind } from './cases';

const INTERVAL_S = 300;
const SCENARIOS = [
  'low_traffic',
  'high_traffic',
  'temporal_traffic1',
  'temporal_traffic2',
];
const SYSTEM = 'petshop';
const OWNER = 'petshop-team';
const NODE_ANNOTATION = 'copilot.dev/petshop-node';

// ---- CSV --------------------------------------------------------------------------------------------

/** Splits one CSV line (RFC 4180 quoting). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter(l => l !== '');
}

/** graph.csv: adjacency matrix, 1 = an edge row -> column (the row node calls the column node). */
function readGraph(path: string): {
  nodes: string[];
  edges: Array<[string, string]>;
} {
  const lines = readLines(path).map(splitCsv);
  const nodes = lines[0].slice(1);
  const edges: Array<[string, string]> = [];
  for (const row of lines.slice(1)) {
    row.slice(1).forEach((v, j) => {
      if (Number(v) > 0) edges.push([row[0], nodes[j]]);
    });
  }
  return { nodes, edges };
}

interface MetricColumn {
  node: string;
  metric: string;
  statistic: string;
}

interface Metrics {
  columns: MetricColumn[];
  /** epoch seconds of each interval (start of the 5-minute period). */
  ts: number[];
  /** rows[i][j]: value of column j at ts[i], undefined when empty. */
  rows: Array<Array<number | undefined>>;
}

/** metrics.csv: 3 header rows (node, metric, statistic), a `unix_timestamp` row, then one row per interval. */
function readMetrics(path: string): Metrics {
  const lines = readLines(path).map(splitCsv);
  const [nodes, metrics, stats, indexRow] = lines;
  if (
    nodes[0] !== 'microservice' ||
    metrics[0] !== 'metric' ||
    stats[0] !== 'statistic' ||
    indexRow[0] !== 'unix_timestamp'
  )
    throw new Error(`${path}: unexpected header`);
  const columns = nodes.slice(1).map((node, j) => ({
    node,
    metric: metrics[j + 1],
    statistic: stats[j + 1],
  }));
  const ts: number[] = [];
  const rows: Array<Array<number | undefined>> = [];
  for (const line of lines.slice(4)) {
    ts.push(Number(line[0]));
    rows.push(line.slice(1).map(v => (v === '' ? undefined : Number(v))));
  }
  for (let i = 1; i < ts.length; i++)
    if (ts[i] - ts[i - 1] !== INTERVAL_S)
      throw new Error(
        `${path}: interval ${i} is not ${INTERVAL_S} s after the previous one`,
      );
  return { columns, ts, rows };
}

// ---- entities ---------------------------------------------------------------------------------------

/** Lower-case [a-z0-9] words joined by '-', at most 63 characters (a valid Backstage name). */
function baseName(node: string): string {
  return node
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const shortHash = (s: string) =>
  createHash('sha1').update(s).digest('hex').slice(0, 6);

/**
 * Entity names for every node of every scenario: the same node gets the same name in every case. Names that
 * collide case-insensitively (`Servi-searc...` and `servi-searc...`) or exceed 63 characters get a hash suffix.
 */
function entityNames(allNodes: Set<string>): Map<string, string> {
  const byBase = new Map<string, string[]>();
  for (const n of allNodes) {
    const b = baseName(n);
    byBase.set(b, [...(byBase.get(b) ?? []), n]);
  }
  const out = new Map<string, string>();
  for (const [b, nodes] of byBase) {
    for (const n of nodes) {
      let name = b;
      if (nodes.length > 1 || name.length > 63)
        name = `${b.slice(0, 56).replace(/-+$/, '')}-${shortHash(n)}`;
      out.set(n, name);
    }
  }
  return out;
}

/** Storage and messaging nodes are Resources; everything else is a Component. */
function classify(node: string): {
  kind: 'Component' | 'Resource';
  type: string;
} {
  if (/::DynamoDB::Table$/.test(node))
    return { kind: 'Resource', type: 'dynamodb-table' };
  if (/DynamoDB/.test(node)) return { kind: 'Resource', type: 'dynamodb' };
  if (/::SQS::/.test(node)) return { kind: 'Resource', type: 'queue' };
  if (/Database::SQL|rds\.amazonaws\.com|^PGSQL/.test(node))
    return { kind: 'Resource', type: 'database' };
  if (/^S3_AWS::S3$/.test(node)) return { kind: 'Resource', type: 's3-bucket' };
  if (node === 'PetSite') return { kind: 'Component', type: 'website' };
  if (/::ECS::/.test(node)) return { kind: 'Component', type: 'service' };
  if (/::Lambda/.test(node) || /^lambda/.test(node))
    return { kind: 'Component', type: 'function' };
  if (/_remote$/.test(node)) return { kind: 'Component', type: 'external' };
  if (/_client$/.test(node)) return { kind: 'Component', type: 'client' };
  return { kind: 'Component', type: 'aws-service' };
}

function refOf(node: string, names: Map<string, string>): string {
  return `${classify(node).kind.toLocaleLowerCase('en-US')}:default/${names.get(
    node,
  )}`;
}

function catalogYaml(
  graph: { nodes: string[]; edges: Array<[string, string]> },
  names: Map<string, string>,
  scenario: string,
): string {
  const docs: object[] = [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: {
        name: OWNER,
        description: 'Owners of the PetShop application',
      },
      spec: { type: 'team', children: [] },
    },
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: {
        name: SYSTEM,
        description: `AWS PetAdoptions (one-observability demo), PetShop dataset scenario ${scenario}`,
      },
      spec: { owner: `group:default/${OWNER}` },
    },
  ];
  for (const node of [...graph.nodes].sort((a, b) =>
    names.get(a)!.localeCompare(names.get(b)!),
  )) {
    const { kind, type } = classify(node);
    const dependsOn = [
      ...new Set(
        graph.edges
          .filter(([from]) => from === node)
          .map(([, to]) => refOf(to, names)),
      ),
    ].sort();
    docs.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind,
      metadata: {
        name: names.get(node),
        title: node,
        annotations: { [NODE_ANNOTATION]: node },
      },
      spec: {
        type,
        ...(kind === 'Component' ? { lifecycle: 'production' } : {}),
        owner: `group:default/${OWNER}`,
        system: SYSTEM,
        ...(dependsOn.length ? { dependsOn } : {}),
      },
    });
  }
  return docs.map(d => stringify(d, { lineWidth: 0 })).join('---\n');
}

// ---- signals ----------------------------------------------------------------------------------------

/** metric/statistic -> signal key and the factor from the dataset's unit to the key's unit. */
const METRIC_KEYS: Record<
  string,
  { key: string; factor: number; digits: number }
> = {
  'latency/Average': { key: 'latency_avg_ms', factor: 1000, digits: 3 },
  'latency/p50': { key: 'latency_p50_ms', factor: 1000, digits: 3 },
  'latency/p90': { key: 'latency_p90_ms', factor: 1000, digits: 3 },
  'latency/p95': { key: 'latency_p95_ms', factor: 1000, digits: 3 },
  'latency/p99': { key: 'latency_p99_ms', factor: 1000, digits: 3 },
  'requests/Sum': { key: 'http_requests_total', factor: 1, digits: 0 },
  'availability/Average': { key: 'availability', factor: 1, digits: 4 },
};

function signalLines(
  m: Metrics,
  rowIndexes: number[],
  shiftS: number,
  names: Map<string, string>,
  out: string[],
) {
  for (const i of rowIndexes) {
    const ts = new Date((m.ts[i] + shiftS) * 1000).toISOString();
    m.columns.forEach((c, j) => {
      const v = m.rows[i][j];
      if (v === undefined || !Number.isFinite(v)) return;
      const spec = METRIC_KEYS[`${c.metric}/${c.statistic}`];
      if (!spec) throw new Error(`unknown metric ${c.metric}/${c.statistic}`);
      const name = names.get(c.node);
      if (!name) throw new Error(`node ${c.node} is not in graph.csv`);
      out.push(
        JSON.stringify({
          source: 'petshop',
          kind: 'metric',
          ts,
          key: spec.key,
          value: Number((v * spec.factor).toFixed(spec.digits)),
          labels: { service: name, window: '5m' },
        }),
      );
    });
  }
}

// ---- truth ------------------------------------------------------------------------------------------

/** The root-cause kind of an inject command (README.md explains each choice). */
export function truthKindOf(command: string): TruthKind {
  if (/aws ssm put-parameter/.test(command)) {
    const value = /--value\s+'([^']*)'/.exec(command)?.[1] ?? '';
    return /^(true|false)$/i.test(value) ? 'flag_flip' : 'config_change';
  }
  if (/cdk deploy/.test(command)) return 'bad_deploy';
  if (/issue_dynamo_db_requests/.test(command)) return 'resource_saturation';
  throw new Error(`no truth kind for inject command: ${command}`);
}

function describeInjection(command: string, rootNode: string): string {
  const ssm = /--name\s+'([^']+)'\s+--value\s+'([^']*)'/.exec(command);
  if (ssm)
    return `SSM parameter ${ssm[1]} set to ${ssm[2]} at runtime (read by ${rootNode})`;
  if (/inject = true/.test(command))
    return `${rootNode} redeployed (cdk deploy) with its error injection switched on in code`;
  const sleep = /sleep\((\d+)/.exec(command);
  if (sleep)
    return `${rootNode} redeployed (cdk deploy) with its code's sleep set to ${sleep[1]} ms`;
  if (/issue_dynamo_db_requests/.test(command))
    return `a load generator floods ${rootNode} with requests (${command})`;
  return command;
}

// ---- main -------------------------------------------------------------------------------------------

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) {
    console.error(
      'usage: convert-petshop.ts --data ../shared/datasets/rca_petshop --out DIR [--baseline-hours 6]',
    );
    process.exit(2);
  }
  return fallback;
}

interface Target {
  target: { node: string; metric: string; agg: string; timestamp: number };
  root_cause: { node: string; metric: string | null };
  metadata: { reproducibility: { command: string } };
}

function main() {
  const data = resolve(arg('data'));
  const out = resolve(arg('out'));
  const baselineHours = Number(arg('baseline-hours', '6'));
  const baselineIntervals = Math.round((baselineHours * 3600) / INTERVAL_S);
  const root = join(data, 'dataset');
  if (!existsSync(root)) throw new Error(`${root} does not exist`);

  const graphs = new Map(
    SCENARIOS.map(s => [s, readGraph(join(root, s, 'graph.csv'))]),
  );
  const allNodes = new Set<string>();
  for (const g of graphs.values()) g.nodes.forEach(n => allNodes.add(n));

  type Issue = {
    scenario: string;
    split: string;
    issue: string;
    dir: string;
    target: Target;
    metrics: Metrics;
  };
  const issues: Issue[] = [];
  for (const scenario of SCENARIOS) {
    for (const split of ['train', 'test']) {
      const splitDir = join(root, scenario, split);
      for (const issue of readdirSync(splitDir).filter(d =>
        d.startsWith('issue_'),
      )) {
        const dir = join(splitDir, issue);
        const metrics = readMetrics(join(dir, 'metrics.csv'));
        metrics.columns.forEach(c => allNodes.add(c.node));
        issues.push({
          scenario,
          split,
          issue,
          dir,
          target: JSON.parse(readFileSync(join(dir, 'target.json'), 'utf8')),
          metrics,
        });
      }
    }
  }
  const names = entityNames(allNodes);
  issues.sort((a, b) =>
    `${a.scenario}/${a.split}/${a.issue.padStart(12)}`.localeCompare(
      `${b.scenario}/${b.split}/${b.issue.padStart(12)}`,
    ),
  );

  mkdirSync(out, { recursive: true });
  const index: object[] = [];
  const noissue = new Map<string, Metrics>();
  for (const it of issues) {
    const id = `petshop-${it.scenario}-${it.split}-${it.issue}`;
    const caseDir = join(out, id);
    rmSync(caseDir, { recursive: true, force: true });
    mkdirSync(caseDir, { recursive: true });
    const graph = graphs.get(it.scenario)!;
    const { target, root_cause: rootCause } = it.target;
    const command = it.target.metadata.reproducibility.command;
    const m = it.metrics;
    const issueStart = m.ts[0];
    const issueEnd = m.ts[m.ts.length - 1] + INTERVAL_S;

    // Baseline: normal operation, shifted to end right where the issue file starts.
    const lines: string[] = [];
    let baseline: Record<string, unknown>;
    const noissuePath = join(root, it.scenario, 'noissue', 'metrics.csv');
    if (existsSync(noissuePath)) {
      const normal =
        noissue.get(noissuePath) ??
        noissue.set(noissuePath, readMetrics(noissuePath)).get(noissuePath)!;
      const n = Math.min(baselineIntervals, normal.ts.length);
      const rowsIdx = Array.from(
        { length: n },
        (_, k) => normal.ts.length - n + k,
      );
      const shift = issueStart - (normal.ts[normal.ts.length - 1] + INTERVAL_S);
      signalLines(normal, rowsIdx, shift, names, lines);
      baseline = {
        source: `${it.scenario}/noissue/metrics.csv (last ${n} intervals)`,
        intervals: n,
        hours: (n * INTERVAL_S) / 3600,
        original_from: new Date(normal.ts[rowsIdx[0]] * 1000).toISOString(),
        shift_seconds: shift,
      };
    } else {
      // No noissue file (temporal_traffic1/2): the first interval of each other train issue of this
      // scenario, which ends before that issue's target timestamp (pre-injection), placed back to back.
      const donors = issues
        .filter(
          o => o.scenario === it.scenario && o.split === 'train' && o !== it,
        )
        .filter(o => o.metrics.ts[0] + INTERVAL_S <= o.target.target.timestamp)
        .sort((a, b) => a.metrics.ts[0] - b.metrics.ts[0]);
      donors.forEach((o, k) => {
        const at = issueStart - (donors.length - k) * INTERVAL_S;
        signalLines(o.metrics, [0], at - o.metrics.ts[0], names, lines);
      });
      baseline = {
        source: `first (pre-injection) interval of ${
          it.scenario
        } train issue(s) ${donors.map(o => o.issue).join(', ')}`,
        intervals: donors.length,
        hours: (donors.length * INTERVAL_S) / 3600,
      };
    }
    const baselineEnd = issueStart;
    const baselineStart =
      issueStart - (baseline.intervals as number) * INTERVAL_S;
    signalLines(
      m,
      m.ts.map((_, i) => i),
      0,
      names,
      lines,
    );
    writeFileSync(join(caseDir, 'signals.ndjson'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(caseDir, 'catalog.yaml'),
      catalogYaml(graph, names, it.scenario),
    );

    const kind = truthKindOf(command);
    const iso = (s: number) =>
      new Date(s * 1000).toISOString().replace('.000Z', 'Z');
    const alertRef = refOf(target.node, names);
    const truthRef = refOf(rootCause.node, names);
    const title =
      target.metric === 'latency'
        ? `${target.node} latency (${target.agg}) above its SLO`
        : `${target.node} availability (${target.agg}) below its SLO`;
    const spec = {
      id,
      description: `PetShop ${it.scenario} ${it.split} ${
        it.issue
      }: ${describeInjection(command, rootCause.node)}; the ${
        target.metric
      } SLO of ${target.node} is violated.`,
      alert: { entity: alertRef, at: iso(target.timestamp), title },
      window: { from: iso(baselineEnd - 3600), to: iso(issueEnd) },
      truth: { entity: truthRef, kind },
    };
    writeFileSync(
      join(caseDir, 'case.json'),
      `${JSON.stringify(spec, null, 2)}\n`,
    );
    index.push({
      id,
      scenario: it.scenario,
      split: it.split,
      issue: it.issue,
      target_node: target.node,
      target_entity: alertRef,
      target_metric: target.metric,
      target_agg: target.agg,
      target_timestamp: iso(target.timestamp),
      root_cause_node: rootCause.node,
      truth_entity: truthRef,
      truth_kind: kind,
      inject_command: command,
      issue_from: iso(issueStart),
      issue_to: iso(issueEnd),
      baseline: { ...baseline, from: iso(baselineStart), to: iso(baselineEnd) },
      signals: lines.length,
    });
    console.error(
      `${id}: ${lines.length} signals, truth ${truthRef} (${kind})`,
    );
  }
  const nodeNames = Object.fromEntries([...names.entries()].sort());
  writeFileSync(
    join(out, 'cases_index.json'),
    `${JSON.stringify(
      {
        dataset:
          'PetShop RCA (amazon-science/petshop-root-cause-analysis@1c5992dc46a02c988a027e2219036d59e8158a91), CC-BY-4.0',
        generated_by: `node --import tsx test/eval/rca/convert-petshop.ts --data ${arg(
          'data',
        )} --out ${arg('out')} --baseline-hours ${baselineHours}`,
        units: {
          'latency_*_ms': 'milliseconds (dataset: seconds x 1000)',
          http_requests_total: 'requests per 5-minute interval (dataset: Sum)',
          availability:
            'percent of successful requests, 0..100 (dataset: Average)',
          ts: 'start of the 5-minute interval',
        },
        groups:
          "report per scenario x target_metric; temporal_traffic1 and temporal_traffic2 together form the reference numbers' temporal_traffic",
        node_entities: nodeNames,
        cases: index,
      },
      null,
      2,
    )}\n`,
  );
  console.log(JSON.stringify({ cases: index.length, out }));
}

main();
