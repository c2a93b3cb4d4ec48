// yarn bench:rca [--entities 200] [--log-lines 1000000] [--series 2000] [--alerts 20]
//                [--baseline-minutes 360] [--batch 5000] [--concurrency 2] [--poll-ms 25] [--replay DIR]
//
// Time from alert to stored root-cause hypotheses (issue 5) on a production-wired backend:
//   1. a catalog of `entities` Components and Resources in a layered service graph (edge -> api -> domain
//      -> backend services -> databases, caches, queues; dependsOn, owners, systems), served to a copilot
//      backend started in its own process (test/eval/rca/server.ts: backend-defaults, static token,
//      SQLite files, permissions off, the live detect stage off);
//   2. a 1 h window of signals pushed through POST /v1/signals/ingest as JSON batches: `log-lines`
//      realistic log lines (loggen.ts formats) spread over the entities and `series` metric series (10 per
//      entity, one point a minute), after `baseline-minutes` of history at the same rates (the analysis
//      reads a 6 h baseline before its window). One fault is injected: a database deep in the graph
//      degrades at minute 45; its dependents' latency and errors follow a minute per hop later;
//   3. `alerts` Alertmanager webhooks, one at a time, each on another entity that depends on the database;
//      each opens an incident that is analysed at once (`copilot.analysis.autoOnOpen`). Measured: from
//      sending the webhook to `GET /v1/incidents/:id` returning its `analysis` (polled every `poll-ms`,
//      which bounds the resolution), and whether the top hypothesis names the database;
//   4. the breakdown: once the backend stopped, the last alert's analysis is replayed step by step in this
//      process on the backend's SQLite store (the reads of AnalysisService.run with their SQL time,
//      buildSeries, ranking by engine/rca).
// Prints progress on stderr and ends with one JSON line of figures on stdout. To profile the backend:
// BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' yarn bench:rca ...; BENCH_RCA_KEEP=1 keeps the
// backend's folder (and its SQLite store) afterwards.
import { readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import knexFactory from 'knex';
import { buildTopology } from '../../plugins/copilot-backend/src/engine/correlate';
import { analyze } from '../../plugins/copilot-backend/src/engine/rca';
import {
  analysisEntityScope,
  buildSeries,
  DEFAULT_ANALYSIS_OPTIONS,
} from '../../plugins/copilot-backend/src/pipeline/AnalysisService';
import { AnomalyStore } from '../../plugins/copilot-backend/src/stores/AnomalyStore';
import { RollupStore } from '../../plugins/copilot-backend/src/stores/RollupStore';
import { SignalStore } from '../../plugins/copilot-backend/src/stores/SignalStore';
import { TemplateStore } from '../../plugins/copilot-backend/src/stores/TemplateStore';
import { withRelations } from '../eval/rca/relations';
import { lineGenerator, prng, type BenchService } from './loggen';
import { startBackendProcess, type BackendProcess } from '../support/backend';

function arg(name: string, fallback: number, allowZero = false): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0 || (v === 0 && !allowZero)) {
    console.error(
      `--${name} needs a ${
        allowZero ? 'non-negative' : 'positive'
      } integer, got ${process.argv[i + 1]}`,
    );
    process.exit(2);
  }
  return v;
}

const ENTITIES = arg('entities', 200);
const LOG_LINES = arg('log-lines', 1_000_000);
const SERIES = arg('series', 2000);
const ALERTS = arg('alerts', 20);
const BASELINE_MINUTES = arg('baseline-minutes', 360, true);
const BATCH = arg('batch', 5000);
const CONCURRENCY = arg('concurrency', 2);
const POLL_MS = arg('poll-ms', 25);
const WINDOW_MINUTES = 60;
/** Minute of the window at which the database degrades. */
const FAULT_MINUTE = 45;
const MINUTE = 60_000;

const log = (s: string) => console.error(`[bench:rca] ${s}`);
const percentile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// The shop: a layered service graph

type Layer = 'edge' | 'api' | 'domain' | 'backend' | 'resource';

interface Node {
  name: string;
  kind: 'Component' | 'Resource';
  /** Resource type (database, cache, queue) or component type (website, service). */
  type: string;
  layer: number;
  service: BenchService;
  dependsOn: string[];
  owner: string;
  system: string;
}

const NOUNS =
  'orders payments cart catalog search users shipping inventory pricing reviews fraud notify auth billing ledger loyalty promo tax returns media geo ads reco profile session audit invoice quotes stock wishlist checkout accounts refunds rates coupons ratings partners vendors sellers warehouse fulfillment tracking labels customs currency consent identity'.split(
    ' ',
  );
const LAYERS: Array<{ layer: Layer; share: number; suffixes: string[] }> = [
  { layer: 'edge', share: 0.04, suffixes: ['web', 'gateway'] },
  { layer: 'api', share: 0.16, suffixes: ['api'] },
  { layer: 'domain', share: 0.3, suffixes: ['service'] },
  { layer: 'backend', share: 0.25, suffixes: ['worker', 'core'] },
  { layer: 'resource', share: 0.25, suffixes: ['db', 'cache', 'queue'] },
];
const RESOURCE_TYPES: Record<string, string> = {
  db: 'database',
  cache: 'cache',
  queue: 'queue',
};
const COMPONENT_FORMATS: BenchService['format'][] = [
  'logback',
  'json',
  'logfmt',
  'python',
  'klog',
];
const TEAMS = 10;
const SYSTEMS = 10;

interface Shop {
  nodes: Node[];
  /** Catalog entities (the nodes, plus their Groups and Systems) as the catalog would serve them. */
  catalog: object[];
  fault: Node;
  /** Dependents of the faulty database: hops to it, and the dependency they reach it through. */
  affected: Map<string, { depth: number; via: string }>;
}

function buildShop(count: number): Shop {
  const r = prng(42);
  const int = (n: number) => Math.floor(r() * n);
  // Layer sizes: shares of the count, the rest in the domain layer; at least one per layer.
  const sizes = LAYERS.map(l => Math.max(1, Math.floor(l.share * count)));
  sizes[2] += count - sizes.reduce((a, b) => a + b, 0);
  const nodes: Node[] = [];
  const layers: Node[][] = [];
  const used = new Set<string>();
  LAYERS.forEach((l, li) => {
    const members: Node[] = [];
    for (let i = 0; i < sizes[li]; i++) {
      const suffix = l.suffixes[i % l.suffixes.length];
      let name = `${NOUNS[(i * 7 + li * 3) % NOUNS.length]}-${suffix}`;
      for (let n = 2; used.has(name); n++)
        name = `${NOUNS[(i * 7 + li * 3) % NOUNS.length]}-${n}-${suffix}`;
      used.add(name);
      const isResource = l.layer === 'resource';
      const node: Node = {
        name,
        kind: isResource ? 'Resource' : 'Component',
        type: isResource
          ? RESOURCE_TYPES[suffix]
          : l.layer === 'edge'
          ? 'website'
          : 'service',
        layer: li,
        service: {
          name,
          format: isResource
            ? 'syslog'
            : l.layer === 'edge'
            ? 'nginx'
            : COMPONENT_FORMATS[(i + li) % COMPONENT_FORMATS.length],
        },
        dependsOn: [],
        owner: `team-${(i + li) % TEAMS}`,
        system: `system-${i % SYSTEMS}`,
      };
      members.push(node);
      nodes.push(node);
    }
    layers.push(members);
  });
  // Each component depends on 2-3 entities of the next layer, sometimes one deeper; backend services
  // (and some domain services) on resources.
  const addDep = (from: Node, to: Node) => {
    if (!from.dependsOn.includes(to.name)) from.dependsOn.push(to.name);
  };
  for (let li = 0; li < layers.length - 1; li++) {
    for (const n of layers[li]) {
      const next = layers[li + 1];
      const k = 2 + int(2);
      for (let j = 0; j < k; j++) addDep(n, next[int(next.length)]);
      if (li + 2 < layers.length && r() < 0.3) {
        const deeper = layers[li + 2 + int(layers.length - li - 2)];
        addDep(n, deeper[int(deeper.length)]);
      }
    }
  }
  // Every entity below the edge has a dependent.
  const hasDependent = new Set(nodes.flatMap(n => n.dependsOn));
  for (let li = 1; li < layers.length; li++) {
    for (const n of layers[li]) {
      if (hasDependent.has(n.name)) continue;
      const above = layers[li - 1];
      addDep(above[int(above.length)], n);
      hasDependent.add(n.name);
    }
  }
  // Dependents of every node (reverse BFS), to pick the database most of the shop depends on.
  const byName = new Map(nodes.map(n => [n.name, n]));
  const dependents = new Map<string, string[]>();
  for (const n of nodes)
    for (const d of n.dependsOn)
      dependents.set(d, [...(dependents.get(d) ?? []), n.name]);
  const affectedOf = (root: string) => {
    const out = new Map<string, { depth: number; via: string }>();
    let frontier = [root];
    for (let depth = 1; frontier.length; depth++) {
      const next: string[] = [];
      for (const f of frontier) {
        for (const up of dependents.get(f) ?? []) {
          if (up === root || out.has(up)) continue;
          out.set(up, { depth, via: f });
          next.push(up);
        }
      }
      frontier = next;
    }
    return out;
  };
  let fault = layers[layers.length - 1].find(n => n.type === 'database')!;
  let affected = affectedOf(fault.name);
  for (const n of layers[layers.length - 1]) {
    if (n.type !== 'database') continue;
    const a = affectedOf(n.name);
    if (a.size > affected.size) {
      fault = n;
      affected = a;
    }
  }
  const catalog: object[] = [
    ...Array.from({ length: TEAMS }, (_, i) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: `team-${i}`, namespace: 'default' },
      spec: { type: 'team', children: [] },
    })),
    ...Array.from({ length: SYSTEMS }, (_, i) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: { name: `system-${i}`, namespace: 'default' },
      spec: { owner: `group:default/team-${i % TEAMS}` },
    })),
    ...nodes.map(n => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: n.kind,
      metadata: { name: n.name, namespace: 'default' },
      spec: {
        type: n.type,
        ...(n.kind === 'Component' ? { lifecycle: 'production' } : {}),
        owner: `group:default/${n.owner}`,
        system: `system:default/${n.system}`,
        dependsOn: n.dependsOn.map(
          d => `${byName.get(d)!.kind.toLowerCase()}:default/${d}`,
        ),
      },
    })),
  ];
  return { nodes, catalog, fault, affected };
}

const refOf = (n: Node) => `${n.kind.toLowerCase()}:default/${n.name}`;

// ---------------------------------------------------------------------------------------------------
// Signals

interface Signal {
  source: string;
  kind: 'log' | 'metric';
  ts: number;
  key?: string;
  value?: number;
  text?: string;
  labels: Record<string, string>;
}

/** Standard normal from a uniform PRNG (Box-Muller). */
function gaussian(r: () => number): number {
  return (
    Math.sqrt(-2 * Math.log(1 - r() * 0.999999)) * Math.cos(2 * Math.PI * r())
  );
}

/** How hard the fault hits an entity at a minute of the window: 0 (not at all) to 1 (the database). */
function severity(shop: Shop, n: Node, windowMinute: number): number {
  if (n === shop.fault) return windowMinute >= FAULT_MINUTE ? 1 : 0;
  const a = shop.affected.get(n.name);
  if (!a || windowMinute < FAULT_MINUTE + Math.min(a.depth, 2)) return 0;
  return [0, 0.6, 0.3, 0.15][Math.min(a.depth, 3)];
}

const COMPONENT_METRICS = [
  'http_requests_total',
  'http_5xx_rate',
  'latency_p50_ms',
  'latency_p95_ms',
  'latency_p99_ms',
  'cpu_util',
  'mem_bytes',
  'gc_pause_ms',
  'threads_active',
  'db_pool_in_use',
];
const RESOURCE_METRICS: Record<string, string[]> = {
  database: [
    'queries_total',
    'query_p50_ms',
    'query_p95_ms',
    'query_p99_ms',
    'connections_active',
    'cpu_util',
    'mem_bytes',
    'disk_io_util',
    'lock_wait_ms',
    'replication_lag_seconds',
  ],
  cache: [
    'ops_total',
    'get_p50_ms',
    'get_p95_ms',
    'get_p99_ms',
    'connected_clients',
    'cpu_util',
    'mem_bytes',
    'evictions_total',
    'hit_ratio',
    'keyspace_keys',
  ],
  queue: [
    'messages_in_total',
    'publish_p50_ms',
    'publish_p95_ms',
    'publish_p99_ms',
    'connections_active',
    'cpu_util',
    'mem_bytes',
    'disk_io_util',
    'consumer_lag',
    'under_replicated_partitions',
  ],
};

/** Metric names of each node: `series` spread over the nodes (10 each for 2000 over 200). */
function metricsOf(shop: Shop, series: number): Map<Node, string[]> {
  const out = new Map<Node, string[]>();
  const per = Math.floor(series / shop.nodes.length);
  const extra = series % shop.nodes.length;
  shop.nodes.forEach((n, i) => {
    const names =
      n.kind === 'Resource' ? RESOURCE_METRICS[n.type] : COMPONENT_METRICS;
    const k = per + (i < extra ? 1 : 0);
    out.set(
      n,
      Array.from({ length: k }, (_, j) =>
        j < names.length ? names[j] : `app_gauge_${j - names.length + 1}`,
      ),
    );
  });
  return out;
}

/** A metric's value: a per-entity level, noise, and the fault's effect at severity `s`. */
function metricValue(
  metric: string,
  level: number,
  noise: number,
  s: number,
  isFault: boolean,
): number {
  const jitter = 1 + 0.05 * noise;
  if (/_5xx_rate$/.test(metric))
    return round(Math.max(0, 0.002 * level + 0.0005 * noise) + 0.25 * s, 5);
  if (/(_p50_ms|_p95_ms|_p99_ms|lock_wait_ms)$/.test(metric)) {
    const base = /p50/.test(metric) ? 1 : /p95/.test(metric) ? 3 : 6;
    const factor = isFault ? (s ? 12 : 1) : 1 + 5 * s;
    return round(20 * level * base * jitter * factor, 2);
  }
  if (/^(cpu_util|disk_io_util)$/.test(metric))
    return round(
      Math.min(1, 0.3 * level * jitter + (isFault ? 0.65 * s : 0.1 * s)),
      4,
    );
  if (/_total$/.test(metric))
    return Math.round(3000 * level * jitter * (1 - 0.2 * s));
  if (/^(connections_active|db_pool_in_use|threads_active)$/.test(metric))
    return Math.round(Math.min(100, 20 * level * jitter * (1 + 4 * s)));
  if (metric === 'mem_bytes')
    return Math.round(512e6 * level * (1 + 0.01 * noise));
  if (metric === 'hit_ratio') return round(Math.min(1, 0.9 + 0.01 * noise), 4);
  return round(10 * level * jitter, 3);
}

/** An error line in the node's own format, caused by the fault (via the dependency `via`). */
function faultLine(
  n: Node,
  r: () => number,
  tsMs: number,
  fault: Node,
  via: string,
): string {
  const iso = new Date(tsMs).toISOString();
  const ms = Math.round(1000 + r() * 29000);
  const id = Math.floor(r() * 1e6);
  switch (n.service.format) {
    case 'syslog': {
      const d = new Date(tsMs);
      const month = iso.slice(5, 7);
      const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(
        ' ',
      );
      const msg = [
        'FATAL:  remaining connection slots are reserved for non-replication superuser connections',
        `ERROR:  canceling statement due to statement timeout (statement ${id})`,
        `LOG:  process ${id} still waiting for ShareLock on transaction ${
          id * 7
        } after ${ms}.512 ms`,
      ][Math.floor(r() * 3)];
      return `<131>${months[Number(month) - 1]} ${String(
        d.getUTCDate(),
      ).padStart(2, ' ')} ${iso.slice(11, 19)} ${n.name}-0 postgres[${
        1000 + (id % 9000)
      }]: ${msg}`;
    }
    case 'logback':
      return `${iso
        .replace('T', ' ')
        .replace('Z', '')} ERROR [http-nio-8080-exec-${1 + (id % 200)}] c.s.${
        n.name.split('-')[0]
      }.Repository - ${
        via === fault.name
          ? `Could not acquire JDBC connection to jdbc:postgresql://${via}:5432/app within 30000ms`
          : `Unexpected response 503 from http://${via}:8080/v1/items/${id}`
      }`;
    case 'json':
      return JSON.stringify({
        ts: iso,
        level: 'error',
        caller: 'store/sql.go:212',
        msg: via === fault.name ? 'query failed' : 'upstream request failed',
        upstream: via,
        error:
          via === fault.name
            ? 'pq: canceling statement due to statement timeout'
            : 'context deadline exceeded',
        duration_ms: ms,
      });
    case 'logfmt':
      return `ts=${iso} level=error msg="${
        via === fault.name ? 'db query failed' : 'upstream call failed'
      }" upstream=${via} err="i/o timeout" duration_ms=${ms}`;
    case 'python':
      return `${iso.replace('T', ' ').replace('Z', '').replace('.', ',')} - ${
        n.name
      }.api - ERROR - ${
        via === fault.name
          ? `psycopg2.OperationalError: could not connect to server: Connection timed out (host=${via})`
          : `HTTPConnectionPool(host='${via}', port=8080): Read timed out. (read timeout=30)`
      }`;
    case 'klog': {
      const d = new Date(tsMs);
      return `E${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(
        d.getUTCDate(),
      ).padStart(2, '0')} ${iso.slice(11, 23)}000    ${
        1 + (id % 30)
      } client.go:318] request to ${via} failed: context deadline exceeded`;
    }
    case 'nginx': {
      const d = new Date(tsMs);
      const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(
        ' ',
      );
      return `10.0.${id % 256}.${(id >> 8) % 256} - - [${String(
        d.getUTCDate(),
      ).padStart(2, '0')}/${
        months[d.getUTCMonth()]
      }/${d.getUTCFullYear()}:${iso.slice(
        11,
        19,
      )} +0000] "GET /api/${via}/${id} HTTP/1.1" 504 160 "-" "Mozilla/5.0 (X11; Linux x86_64)" rt=${(
        ms / 1000
      ).toFixed(3)} upstream=${via}`;
    }
  }
}

/** Signals as they are sent: a batch, or `null` once every minute up to `feed.untilMs` was sent. */
type Feed = Generator<{
  signals: Signal[];
  logLines: number;
  points: number;
} | null>;

/**
 * The shop's signals from `startMs` on, in time order, minute by minute: every metric series' point,
 * and `perMinute` log lines over the entities at random. Minute `BASELINE_MINUTES` starts the window
 * (the fault starts `FAULT_MINUTE` minutes into it and lasts). Yields batches of `batch` signals; before
 * a minute that would end after `state.untilMs` it yields what it has and then `null`, and goes on
 * from there when asked again (after the caller moved `untilMs`), so it can keep up with the clock.
 */
function* signalBatches(
  shop: Shop,
  metrics: Map<Node, string[]>,
  startMs: number,
  perMinute: number,
  batch: number,
  state: { untilMs: number },
): Feed {
  const r = prng(7);
  const gens = shop.nodes.map((n, i) => lineGenerator(n.service, 1000 + i));
  const levels = shop.nodes.map(() => 0.6 + 0.8 * r());
  let current: Signal[] = [];
  let logLines = 0;
  let points = 0;
  const flush = () => {
    const out = { signals: current, logLines, points };
    current = [];
    logLines = 0;
    points = 0;
    return out;
  };
  const push = function* (s: Signal) {
    current.push(s);
    if (s.kind === 'log') logLines++;
    else points++;
    if (current.length === batch) yield flush();
  };
  let emitted = 0;
  for (let m = 0; ; m++) {
    const minuteMs = startMs + m * MINUTE;
    while (minuteMs + MINUTE > state.untilMs) {
      if (current.length) yield flush();
      yield null;
    }
    const windowMinute = m - BASELINE_MINUTES;
    const sev = shop.nodes.map(n => severity(shop, n, windowMinute));
    for (let i = 0; i < shop.nodes.length; i++) {
      const n = shop.nodes[i];
      for (const metric of metrics.get(n)!) {
        yield* push({
          source: 'bench',
          kind: 'metric',
          ts: minuteMs + 30_000,
          key: metric,
          value: metricValue(
            metric,
            levels[i],
            gaussian(r),
            sev[i],
            n === shop.fault,
          ),
          labels: { service: n.name, namespace: 'shop' },
        });
      }
    }
    // This minute's share of the lines, so the total is exact.
    const lines = Math.round((m + 1) * perMinute) - Math.round(m * perMinute);
    for (let j = 0; j < lines; j++) {
      const k = Math.floor(r() * shop.nodes.length);
      const n = shop.nodes[k];
      const ts = minuteMs + Math.floor((j * MINUTE) / lines);
      // Under the fault, this share of the entity's lines are errors it causes.
      const errorShare = 0.6 * sev[k];
      const text =
        errorShare > 0 && r() < errorShare
          ? faultLine(
              n,
              r,
              ts,
              shop.fault,
              shop.affected.get(n.name)?.via ?? shop.fault.name,
            )
          : gens[k].next(ts).text;
      yield* push({
        source: 'bench',
        kind: 'log',
        ts,
        text,
        labels: {
          service: n.name,
          namespace: 'shop',
          pod: `${n.name}-7d9f-${emitted++ % 3}`,
        },
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The backend

type Backend = BackendProcess;

function startBackend(catalog: object[]): Promise<Backend> {
  return startBackendProcess({
    script: join(__dirname, '../eval/rca/server.ts'),
    subject: 'bench-rca',
    copilot: {
      ingest: { maxBodyBytes: 64 * 1024 * 1024 },
      // The signals are a backfill: the live detect stage would only see its last minute.
      detect: { enabled: false },
      analysis: { autoOnOpen: true },
    },
    files: {
      COPILOT_EVAL_CATALOG: {
        name: 'catalog.json',
        content: JSON.stringify(catalog),
      },
    },
  });
}

function stopBackend(
  b: Backend,
  options: { keepDir?: boolean } = {},
): Promise<void> {
  return b.stop(options);
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** One API call; the body is JSON (or a ready Buffer). */
function call(
  b: Backend,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any; ms: number }> {
  const t0 = performance.now();
  const data =
    body === undefined
      ? undefined
      : Buffer.isBuffer(body)
      ? body
      : Buffer.from(JSON.stringify(body));
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: b.port,
        path: `/api/copilot${path}`,
        method,
        agent,
        headers: {
          authorization: `Bearer ${b.token}`,
          ...(data
            ? {
                'content-type': 'application/json',
                'content-length': data.length,
              }
            : {}),
        },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', d => (text += d));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // plain text
          }
          ok({
            status: res.statusCode ?? 0,
            body: parsed,
            ms: performance.now() - t0,
          });
        });
      },
    );
    req.on('error', fail);
    req.end(data);
  });
}

// ---------------------------------------------------------------------------------------------------

/** Pushes the feed's signals in JSON batches, `CONCURRENCY` in flight, until it pauses (`null`). */
async function ingest(
  b: Backend,
  batches: Feed,
): Promise<{ logLines: number; points: number; seconds: number }> {
  const t0 = performance.now();
  let logLines = 0;
  let points = 0;
  let sent = 0;
  let lastLog = t0;
  const worker = async () => {
    for (;;) {
      const next = batches.next();
      if (next.done || !next.value) return;
      const res = await call(
        b,
        'POST',
        '/v1/signals/ingest',
        Buffer.from(JSON.stringify(next.value.signals)),
      );
      if (res.status !== 202)
        throw new Error(
          `ingest batch: ${res.status} ${JSON.stringify(res.body).slice(
            0,
            500,
          )}`,
        );
      logLines += next.value.logLines;
      points += next.value.points;
      sent += next.value.signals.length;
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(
          `ingested ${logLines} log lines and ${points} metric points (${Math.round(
            sent / ((lastLog - t0) / 1000),
          )} signals/s)`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { logLines, points, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Waits until every incident has its analysis; returns how many incidents did not come from the bench's
 * alerts (triage opens its own when the data shows an ongoing fault).
 */
async function settle(b: Backend, timeoutMs = 180_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const list = await call(b, 'GET', '/v1/incidents?limit=100');
    const items: Array<{ id: string; source?: string }> = list.body.items ?? [];
    const others = items.filter(i => i.source !== 'alertmanager').length;
    let pending = 0;
    for (const i of items) {
      const one = await call(b, 'GET', `/v1/incidents/${i.id}`);
      if (!one.body.analysis) pending++;
    }
    if (!pending) return others;
    if (Date.now() - t0 > timeoutMs) {
      log(
        `${pending} incidents still without analysis after ${timeoutMs} ms; going on`,
      );
      return others;
    }
    await sleep(500);
  }
}

interface AlertResult {
  entity: string;
  ms: number;
  webhookMs: number;
  serverMs: number;
  getMs: number[];
  top?: string;
  topKind?: string;
  faultRank: number | null;
  incident: { entityRef: string; openedAt: string; title: string };
  window: { fromMs: number; toMs: number };
}

/** Fires one alert and waits for its incident's stored analysis. */
async function fireAlert(
  b: Backend,
  n: Node,
  i: number,
  shop: Shop,
): Promise<AlertResult> {
  const now = new Date().toISOString();
  const body = {
    version: '4',
    groupKey: `{}:{alertname="HighErrorRate", service="${n.name}"}`,
    status: 'firing',
    receiver: 'copilot',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'HighErrorRate',
          severity: 'critical',
          service: n.name,
          namespace: 'shop',
        },
        annotations: {
          summary: `High 5xx rate on ${n.name}`,
          description: `${n.name} answers more than 5 % of requests with 5xx`,
        },
        startsAt: now,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: `http://prometheus:9090/graph?g0.expr=http_5xx_rate%7Bservice%3D%22${n.name}%22%7D`,
        fingerprint: `bench${String(i).padStart(4, '0')}${Math.random()
          .toString(16)
          .slice(2, 10)}`,
      },
    ],
  };
  const t0 = performance.now();
  const hook = await call(b, 'POST', '/v1/webhooks/alertmanager', body);
  if (hook.status !== 202 || !hook.body.opened?.length)
    throw new Error(
      `webhook for ${n.name}: ${hook.status} ${JSON.stringify(hook.body)}`,
    );
  const incidentId: string = hook.body.opened[0];
  const getMs: number[] = [];
  for (;;) {
    const res = await call(b, 'GET', `/v1/incidents/${incidentId}`);
    getMs.push(res.ms);
    if (res.status !== 200)
      throw new Error(
        `incident ${incidentId}: ${res.status} ${JSON.stringify(res.body)}`,
      );
    const analysis = res.body.analysis;
    if (analysis) {
      const ms = performance.now() - t0;
      const hyps: Array<{
        kind: string;
        entityRef?: string;
        statement: string;
      }> = analysis.hypotheses ?? [];
      const want = refOf(shop.fault);
      const idx = hyps
        .filter(h => h.kind !== 'none')
        .findIndex(h => h.entityRef?.toLowerCase() === want);
      return {
        entity: n.name,
        ms,
        webhookMs: hook.ms,
        serverMs: analysis.durationMs,
        getMs,
        top: hyps[0]?.entityRef ?? hyps[0]?.kind,
        topKind: hyps[0]?.kind,
        faultRank: idx >= 0 ? idx + 1 : null,
        incident: res.body,
        window: {
          fromMs: Date.parse(analysis.windowFrom),
          toMs: Date.parse(analysis.windowTo),
        },
      };
    }
    if (performance.now() - t0 > 300_000)
      throw new Error(`no analysis of incident ${incidentId} after 300 s`);
    await sleep(POLL_MS);
  }
}

/** Times of one analysis' steps, replayed in this process on the backend's stopped SQLite store. */
interface Breakdown {
  metricsMs: number;
  /** Of which the SQL statements themselves took (the rest is turning rows into points in JS). */
  metricsSqlMs: number;
  metricRows: number;
  volumeMs: number;
  volumeRows: number;
  templatesMs: number;
  templatesSqlMs: number;
  templateRows: number;
  otherReadsMs: number;
  buildSeriesMs: number;
  series: number;
  rankMs: number;
  /** Entities whose series were read (undefined: every entity). */
  scopedEntities?: number;
}

/**
 * Runs the steps of `AnalysisService.run` one by one on the backend's store (after it stopped), over an
 * analysed incident's window, and times each: the reads (metric rollups with sketches, log volume,
 * per-template counts, changes and anomalies), building the series, and ranking (`engine/rca`).
 */
async function replayAnalysis(
  dir: string,
  shop: Shop,
  incident: { entityRef: string; openedAt: string; title: string },
  window: { fromMs: number; toMs: number },
): Promise<Breakdown> {
  const file = readdirSync(join(dir, 'db')).find(f =>
    /copilot.*\.sqlite$/.test(f),
  );
  if (!file) throw new Error(`no copilot SQLite file in ${join(dir, 'db')}`);
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: join(dir, 'db', file) },
    useNullAsDefault: true,
  });
  try {
    const rollups = RollupStore.create({ database: db });
    const templates = TemplateStore.create({ database: db });
    const signals = SignalStore.create({ database: db });
    const anomalies = AnomalyStore.create({ database: db });
    const baselineFromMs = window.fromMs - DEFAULT_ANALYSIS_OPTIONS.baselineMs;
    // SQL time: from each statement's start to its response (knex's query events).
    const started = new Map<string, number>();
    let sqlMs = 0;
    db.on('query', q => started.set(q.__knexQueryUid, performance.now()));
    db.on('query-response', (_r, q) => {
      sqlMs += performance.now() - (started.get(q.__knexQueryUid) ?? NaN);
    });
    let stepSqlMs = 0;
    const timed = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
      const t0 = performance.now();
      sqlMs = 0;
      const v = await f();
      stepSqlMs = sqlMs;
      return [v, performance.now() - t0];
    };
    const topology = buildTopology(
      (shop.catalog as Entity[])
        .filter(e =>
          ['Component', 'Resource', 'System', 'API'].includes(e.kind),
        )
        .map(withRelations),
    );
    const [[changes, found], otherReadsMs] = await timed(() =>
      Promise.all([
        signals.changes({
          fromMs: window.fromMs - DEFAULT_ANALYSIS_OPTIONS.changeLookbackMs,
          toMs: window.toMs,
        }),
        anomalies.list({
          fromMs: window.fromMs,
          toMs: window.toMs,
          limit: 1000,
        }),
      ]),
    );
    // As AnalysisService.run: the series of the alert entity's neighbourhood (the default scope).
    const entityRefs = analysisEntityScope(
      incident.entityRef,
      topology,
      found,
      changes,
    );
    const range = { fromMs: baselineFromMs, toMs: window.toMs, entityRefs };
    // Warm the page cache and the JIT the way the backend's earlier analyses did.
    await rollups.logVolumeSeries(range);
    const [metrics, metricsMs] = await timed(() =>
      rollups.metricMinuteSeries(range),
    );
    const metricsSqlMs = stepSqlMs;
    const [volume, volumeMs] = await timed(() =>
      rollups.logVolumeSeries(range),
    );
    const [counts, templatesMs] = await timed(() =>
      templates.templateMinuteSeries(baselineFromMs, window.toMs, {
        entityRefs,
      }),
    );
    const templatesSqlMs = stepSqlMs;
    const lower = (ref: string) => ref.toLocaleLowerCase('en-US');
    const [series, buildSeriesMs] = await timed(() =>
      buildSeries(metrics, volume, counts, baselineFromMs, window.toMs).map(
        x => ({
          ...x,
          entityRef: lower(x.entityRef),
        }),
      ),
    );
    const [, rankMs] = await timed(() =>
      analyze({
        window,
        baselineFromMs,
        alert: {
          entityRef: lower(incident.entityRef),
          atMs: Date.parse(incident.openedAt),
          title: incident.title,
        },
        topology,
        anomalies: found.map(a => ({ ...a, entityRef: lower(a.entityRef) })),
        series,
        changes: changes.map(c =>
          c.entityRef ? { ...c, entityRef: lower(c.entityRef) } : c,
        ),
      }),
    );
    return {
      metricsMs,
      metricsSqlMs,
      metricRows: metrics.reduce((a, m) => a + m.minutesMs.length, 0),
      volumeMs,
      volumeRows: volume.reduce((a, v) => a + v.minutesMs.length, 0),
      templatesMs,
      templatesSqlMs,
      templateRows: counts.reduce((a, c) => a + c.minutesMs.length, 0),
      otherReadsMs,
      buildSeriesMs,
      series: series.length,
      rankMs,
      scopedEntities: entityRefs?.length,
    };
  } finally {
    await db.destroy();
  }
}

/** The median of three step-by-step replays of one analysis, as figures; logs them too. */
async function breakdown(
  dir: string,
  shop: Shop,
  incident: { entityRef: string; openedAt: string; title: string },
  window: { fromMs: number; toMs: number },
) {
  const replays: Breakdown[] = [];
  for (let i = 0; i < 3; i++)
    replays.push(await replayAnalysis(dir, shop, incident, window));
  const med = (f: (b: Breakdown) => number) =>
    Math.round(percentile(replays.map(f), 0.5));
  const f = {
    read_metrics_ms: med(b => b.metricsMs),
    read_metrics_sql_ms: med(b => b.metricsSqlMs),
    read_log_volume_ms: med(b => b.volumeMs),
    read_template_counts_ms: med(b => b.templatesMs),
    read_template_counts_sql_ms: med(b => b.templatesSqlMs),
    read_other_ms: med(b => b.otherReadsMs),
    build_series_ms: med(b => b.buildSeriesMs),
    rank_ms: med(b => b.rankMs),
    metric_rows: replays[0].metricRows,
    log_volume_rows: replays[0].volumeRows,
    template_count_rows: replays[0].templateRows,
    analysed_series: replays[0].series,
    scoped_entities: replays[0].scopedEntities ?? shop.nodes.length,
  };
  log(
    `replay (median of 3, ms): metric rollups ${f.read_metrics_ms} (SQL ${f.read_metrics_sql_ms}; ${f.metric_rows} rows), ` +
      `log volume ${f.read_log_volume_ms} (${f.log_volume_rows} rows), ` +
      `template counts ${f.read_template_counts_ms} (SQL ${f.read_template_counts_sql_ms}; ${f.template_count_rows} rows), ` +
      `changes+anomalies ${f.read_other_ms}, buildSeries ${f.build_series_ms} (${f.analysed_series} series of ${f.scoped_entities} entities), rank ${f.rank_ms}`,
  );
  return f;
}

/**
 * `--replay DIR`: only the breakdown, on a folder kept by an earlier run (BENCH_RCA_KEEP=1) with the same
 * --entities and --series, for the newest stored analysis.
 */
async function replayOnly(dir: string, shop: Shop) {
  const file = readdirSync(join(dir, 'db')).find(f =>
    /copilot.*\.sqlite$/.test(f),
  );
  if (!file) throw new Error(`no copilot SQLite file in ${join(dir, 'db')}`);
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: join(dir, 'db', file) },
    useNullAsDefault: true,
  });
  let row: Record<string, any> | undefined;
  try {
    row = await db('analyses')
      .join('incidents', 'incidents.id', 'analyses.incident_id')
      .orderBy('analyses.created_at', 'desc')
      .first(
        'incidents.entity_ref',
        'incidents.opened_at',
        'incidents.title',
        'analyses.window_from',
        'analyses.window_to',
      );
  } finally {
    await db.destroy();
  }
  if (!row) throw new Error(`no stored analysis in ${dir}`);
  const ms = (v: unknown) =>
    typeof v === 'number' ? v : Date.parse(String(v));
  log(`replaying the newest analysis (${row.entity_ref}) in ${dir}`);
  const f = await breakdown(
    dir,
    shop,
    {
      entityRef: row.entity_ref,
      openedAt: new Date(ms(row.opened_at)).toISOString(),
      title: row.title,
    },
    { fromMs: ms(row.window_from), toMs: ms(row.window_to) },
  );
  console.log(
    JSON.stringify({ entities: shop.nodes.length, replay: dir, ...f }),
  );
}

async function main() {
  const wall0 = performance.now();
  const shop = buildShop(ENTITIES);
  const replay = process.argv.indexOf('--replay');
  if (replay >= 0) {
    await replayOnly(process.argv[replay + 1], shop);
    return;
  }
  const metrics = metricsOf(shop, SERIES);
  const series = [...metrics.values()].reduce((a, m) => a + m.length, 0);
  const components = shop.nodes.filter(n => n.kind === 'Component').length;
  log(
    `${shop.nodes.length} entities (${components} components, ${
      shop.nodes.length - components
    } resources), ${shop.nodes.reduce(
      (a, n) => a + n.dependsOn.length,
      0,
    )} dependsOn edges; fault: ${refOf(
      shop.fault,
    )} at minute ${FAULT_MINUTE} with ${shop.affected.size} dependents`,
  );
  // Alert targets: dependents of the database, nearest first, spread over the list.
  const symptoms = [...shop.affected.entries()]
    .sort((a, b) => a[1].depth - b[1].depth || a[0].localeCompare(b[0]))
    .map(([name]) => shop.nodes.find(n => n.name === name)!);
  const targets = Array.from(
    { length: ALERTS },
    (_, i) =>
      symptoms[Math.floor((i * symptoms.length) / ALERTS) % symptoms.length],
  );

  const backend = await startBackend(shop.catalog);
  const stop = () => {
    backend.child.kill('SIGKILL');
    rmSync(backend.dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    log(`backend up on port ${backend.port} (pid ${backend.child.pid})`);
    // The window ends two minutes before now, so no timestamp is in the future; the backfill stops there.
    const windowEndMs = Math.floor((Date.now() - 2 * MINUTE) / MINUTE) * MINUTE;
    const startMs = windowEndMs - (BASELINE_MINUTES + WINDOW_MINUTES) * MINUTE;
    const perMinute = LOG_LINES / WINDOW_MINUTES;
    const feedState = { untilMs: windowEndMs };
    const feed = signalBatches(
      shop,
      metrics,
      startMs,
      perMinute,
      BATCH,
      feedState,
    );
    log(
      `ingesting ${BASELINE_MINUTES} baseline + ${WINDOW_MINUTES} window minutes: ${Math.round(
        perMinute,
      )} log lines and ${series} metric points a minute`,
    );
    const ingested = await ingest(backend, feed);
    log(
      `ingested ${ingested.logLines} log lines and ${
        ingested.points
      } metric points in ${ingested.seconds.toFixed(1)} s`,
    );
    // Then the minutes that passed meanwhile, as a shipper catches up, and again before each alert (not
    // timed), so the analysed window has data up to the last closed minute as in a live install.
    const tail = { logLines: 0, points: 0 };
    const catchUp = async () => {
      for (;;) {
        const closed = Math.floor(Date.now() / MINUTE) * MINUTE;
        if (closed <= feedState.untilMs) return;
        feedState.untilMs = closed;
        const sent = await ingest(backend, feed);
        tail.logLines += sent.logLines;
        tail.points += sent.points;
      }
    };
    await catchUp();
    log(
      `caught up with the clock: ${tail.logLines} more log lines, ${tail.points} more metric points`,
    );
    const triage = await settle(backend);
    log(`${triage} incidents opened by triage so far, all analysed`);

    const results: AlertResult[] = [];
    let triageLive = 0;
    for (let i = 0; i < targets.length; i++) {
      // Live minutes of an ongoing fault make triage open incidents of its own (analysed at once too):
      // let those finish first, so each alert is timed on an otherwise idle backend.
      await catchUp();
      triageLive = await settle(backend);
      const r = await fireAlert(backend, targets[i], i, shop);
      results.push(r);
      log(
        `alert ${i + 1}/${targets.length} on ${r.entity} (depth ${
          shop.affected.get(r.entity)?.depth
        }): analysis stored after ${Math.round(r.ms)} ms (webhook ${Math.round(
          r.webhookMs,
        )} ms, analysis ${r.serverMs} ms); top ${r.topKind} ${
          r.top ?? '-'
        }; fault rank ${r.faultRank ?? '-'}`,
      );
    }
    // The breakdown: the last alert's analysis replayed step by step on the stopped backend's store.
    await stopBackend(backend, { keepDir: true });
    const last = results[results.length - 1];
    log(
      `replaying the analysis of ${last.entity}'s incident step by step on the stored data`,
    );
    const f = await breakdown(backend.dir, shop, last.incident, last.window);
    const ms = results.map(r => r.ms);
    const top1 = results.filter(r => r.faultRank === 1).length / results.length;
    const top3 =
      results.filter(r => r.faultRank !== null && r.faultRank <= 3).length /
      results.length;
    console.log(
      JSON.stringify({
        entities: shop.nodes.length,
        log_lines: LOG_LINES,
        series,
        alerts: results.length,
        p95_ms: Math.round(percentile(ms, 0.95)),
        p50_ms: Math.round(percentile(ms, 0.5)),
        max_ms: Math.round(Math.max(...ms)),
        analysis_p50_ms: Math.round(
          percentile(
            results.map(r => r.serverMs),
            0.5,
          ),
        ),
        analysis_p95_ms: Math.round(
          percentile(
            results.map(r => r.serverMs),
            0.95,
          ),
        ),
        webhook_p50_ms: Math.round(
          percentile(
            results.map(r => r.webhookMs),
            0.5,
          ),
        ),
        first_get_p50_ms: Math.round(
          percentile(
            results.map(r => r.getMs[0]),
            0.5,
          ),
        ),
        last_get_p50_ms: round(
          percentile(
            results.map(r => r.getMs[r.getMs.length - 1]),
            0.5,
          ),
        ),
        poll_ms: POLL_MS,
        ...f,
        fault: refOf(shop.fault),
        top1: round(top1, 3),
        top3: round(top3, 3),
        baseline_minutes: BASELINE_MINUTES,
        baseline_log_lines: ingested.logLines - LOG_LINES,
        metric_points: ingested.points,
        tail_log_lines: tail.logLines,
        tail_metric_points: tail.points,
        triage_incidents: Math.max(triage, triageLive),
        ingest_s: round(ingested.seconds),
        wall_s: round((performance.now() - wall0) / 1000),
      }),
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    agent.destroy();
    // BENCH_RCA_KEEP=1 keeps the backend's folder (its SQLite store) to replay analyses against.
    const keep = process.env.BENCH_RCA_KEEP === '1';
    await stopBackend(backend, { keepDir: keep });
    if (keep) log(`kept the backend's folder: ${backend.dir}`);
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
