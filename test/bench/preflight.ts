/* eslint-disable no-console */
// yarn bench:preflight [--plans 2000] [--seed 7]
//
// Plans for many synthetic incidents (every hypothesis kind, every mode a strategy has), each built by the
// engine's planner and then preflighted (syntax, schema with the live object merged, Cedar policy,
// guardrails, drift), one after the other on one thread, as POST /fix/plan + /fix/preflight run them.
// The time of a plan is buildPlan + preflight. The first plan (loading cedar-wasm, hcl2json's wasm and the
// Kubernetes models) is a warm-up reported as init_ms and not counted.
// Progress on stderr; the last line on stdout:
//   {"plans":N,"p95_ms":..,"p50_ms":..,"p99_ms":..,"max_ms":..,"init_ms":..,"verdicts":{...},"by_mode":{...}}
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { mulberry32 } from '../../plugins/copilot-backend/src/engine/detect/stats';
import {
  buildPlan,
  NoStrategyError,
  preflight,
  type PlanEntity,
  type PlanHypothesis,
  type PlanMode,
  type RootCauseKind,
} from '../../plugins/copilot-backend/src/engine/remediate';
import { CAUSE_KINDS } from '@devops-copilot/backstage-plugin-copilot-common';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const SERVICES = [
  'checkout',
  'payments',
  'cart',
  'catalog',
  'search',
  'orders',
  'shipping',
  'inventory',
  'pricing',
  'reviews',
];
const KINDS: RootCauseKind[] = [...CAUSE_KINDS];
const MODES: PlanMode[] = ['k8s', 'helm', 'tf', 'ansible', 'sql'];

function liveDeployment(
  name: string,
  ns: string,
  replicas: number,
  memory: string,
  image: string,
): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: ns,
      resourceVersion: '1000',
      generation: 3,
      labels: { 'app.kubernetes.io/name': name },
    },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001 },
          containers: [
            {
              name,
              image,
              ports: [{ containerPort: 8080, name: 'http' }],
              resources: {
                requests: { cpu: '250m', memory },
                limits: { cpu: '1', memory },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

function entityFor(rand: () => number, i: number): PlanEntity {
  const name = SERVICES[i % SERVICES.length];
  const ns = `shop-${name}`;
  const replicas = 2 + Math.floor(rand() * 8);
  const memory = `${256 * (1 + Math.floor(rand() * 4))}Mi`;
  const image = `registry.example.com/shop/${name}:1.${Math.floor(
    rand() * 20,
  )}.${Math.floor(rand() * 9)}`;
  const live = liveDeployment(name, ns, replicas, memory, image);
  return {
    ref: `component:default/${name}`,
    environment: 'production',
    workload: {
      kind: 'Deployment',
      name,
      namespace: ns,
      container: name,
      replicas,
      image,
      resources: {
        limits: { memory, cpu: '1' },
        requests: { memory, cpu: '250m' },
      },
      live,
    },
    helm: {
      release: name,
      chart: `shop-charts/${name}`,
      namespace: ns,
      revision: 3 + Math.floor(rand() * 40),
    },
    terraform: {
      module: name,
      source: 'app.terraform.io/acme/k8s-service/kubernetes',
    },
    ansible: { hosts: `${name}_prod`, service: name },
    database: {
      engine: rand() < 0.8 ? 'postgresql' : 'mysql',
      name: `${name}_db`,
    },
    runtime: rand() < 0.4 ? 'java' : 'go',
    configMap: `${name}-config`,
  };
}

function hypothesisFor(
  rand: () => number,
  kind: RootCauseKind,
  entity: PlanEntity,
): PlanHypothesis {
  const details: Record<string, string | number | boolean> = {};
  if (kind === 'bad_deploy') {
    details.previousVersion = `1.${Math.floor(rand() * 20)}.${Math.floor(
      rand() * 9,
    )}`;
    details.currentVersion = entity.workload!.image!.split(':')[1];
    details.rolloutInProgress = rand() < 0.3;
  }
  if (kind === 'config_change') {
    details.configKey = 'http.client.timeout_ms';
    details.previousValue = String(500 + Math.floor(rand() * 2000));
  }
  if (kind === 'flag_flip') details.flag = 'new_checkout_flow';
  if (kind === 'slow_query') {
    details.table = 'orders';
    details.columns = rand() < 0.5 ? 'customer_id,created_at' : 'status';
  }
  if (kind === 'dependency_failure' || kind === 'resource_saturation')
    details.poolSize = 10 + Math.floor(rand() * 30);
  if (kind === 'resource_saturation' && rand() < 0.3) {
    details.quota = 'compute';
    details.quotaResource = 'limits.memory';
    details.quotaValue = '64Gi';
  }
  return {
    kind,
    entityRef: entity.ref,
    confidence: 0.5 + rand() * 0.5,
    details,
  };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[
    Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))
  ];
}

async function main() {
  const n = arg('plans', 2000);
  const rand = mulberry32(arg('seed', 7));
  const times: number[] = [];
  const verdicts: Record<string, number> = { pass: 0, warn: 0, block: 0 };
  const byMode: Record<
    string,
    { plans: number; p95_ms?: number; times: number[] }
  > = {};
  let skipped = 0;
  let initMs = -1;
  let shownBlocks = 0;
  const nonPassCodes: Record<string, number> = {};
  const t0 = performance.now();
  for (let i = 0; times.length < n; i++) {
    const entity = entityFor(rand, i);
    const kind = KINDS[Math.floor(rand() * KINDS.length)];
    const mode = MODES[Math.floor(rand() * MODES.length)];
    const incident = {
      id: `inc-${i}`,
      entityRef: entity.ref,
      hypotheses: [hypothesisFor(rand, kind, entity)],
    };
    const now = Date.parse('2026-12-01T10:00:00Z') + i * 60_000;
    const start = performance.now();
    let plan;
    try {
      plan = buildPlan({ incident, entity, mode, now });
    } catch (e) {
      if (e instanceof NoStrategyError) {
        skipped++;
        continue;
      }
      throw e;
    }
    const result = await preflight({
      mode,
      artifacts: plan.artifacts,
      live: [
        {
          path: `${entity.workload!.name}.yaml`,
          content: stringify(entity.workload!.live),
        },
      ],
      plan,
      context: {
        entity: entity.ref,
        environment: 'production',
        namespace: entity.workload!.namespace,
        author: 'user:default/copilot',
        approvedBy: 'user:default/oncall-lead',
        errorBudgetRemaining: 0.5,
        changeFreeze: false,
        now,
      },
    });
    const ms = performance.now() - start;
    if (initMs < 0) {
      initMs = ms;
      continue;
    }
    times.push(ms);
    verdicts[result.verdict]++;
    const m = (byMode[mode] ??= { plans: 0, times: [] });
    m.plans++;
    m.times.push(ms);
    if (result.verdict !== 'pass')
      for (const f of result.findings)
        if (f.severity !== 'info')
          nonPassCodes[f.code] = (nonPassCodes[f.code] ?? 0) + 1;
    if (result.verdict === 'block' && shownBlocks++ < 5)
      console.error(
        `[bench:preflight] generated plan blocked (${mode}/${
          plan.strategy
        }): ${result.findings
          .filter(f => f.severity === 'block')
          .map(f => `${f.code} ${f.message}`)
          .join('; ')}`,
      );
    if (times.length % 500 === 0)
      console.error(
        `[bench:preflight] ${times.length}/${n} plans, p95 so far ${percentile(
          times,
          95,
        ).toFixed(2)} ms`,
      );
  }
  if (Object.keys(nonPassCodes).length)
    console.error(
      `[bench:preflight] findings on plans that did not pass: ${JSON.stringify(
        nonPassCodes,
      )}`,
    );
  const round = (x: number) => Math.round(x * 100) / 100;
  const modes: Record<string, { plans: number; p95_ms: number }> = {};
  for (const [k, v] of Object.entries(byMode))
    modes[k] = { plans: v.plans, p95_ms: round(percentile(v.times, 95)) };
  console.log(
    JSON.stringify({
      plans: times.length,
      p95_ms: round(percentile(times, 95)),
      p50_ms: round(percentile(times, 50)),
      p99_ms: round(percentile(times, 99)),
      max_ms: round(Math.max(...times)),
      init_ms: round(initMs),
      verdicts,
      by_mode: modes,
      no_strategy: skipped,
      wall_s: round((performance.now() - t0) / 1000),
    }),
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
