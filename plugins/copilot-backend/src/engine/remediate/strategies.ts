// The fix catalog: known failure patterns mapped to remediation strategies, and the registry that picks one.
// Fit = how well a strategy answers a hypothesis kind given the entity's metadata; ranking = fit x confidence.
import type {
  ChangeIntent,
  FixStrategy,
  PlanMode,
  RootCauseKind,
  StrategyContext,
  StrategyProposal,
} from './types';

function detail(ctx: StrategyContext, key: string): string | undefined {
  const v = ctx.hypothesis.details?.[key];
  return v === undefined || v === null ? undefined : String(v);
}

function kindFit(
  ctx: StrategyContext,
  fits: Partial<Record<RootCauseKind, number>>,
): number {
  return fits[ctx.hypothesis.kind] ?? 0;
}

function scaleQuantity(
  q: string | undefined,
  factor: number,
  unit: 'memory' | 'cpu',
): string | undefined {
  if (!q) return undefined;
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) return undefined;
  const v = Number(m[1]);
  if (unit === 'cpu') {
    const milli = m[2] === 'm' ? v : v * 1000;
    return `${Math.ceil((milli * factor) / 50) * 50}m`;
  }
  const mult: Record<string, number> = {
    '': 1 / 2 ** 20,
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    Ti: 1024 * 1024,
  };
  const mi = v * mult[m[2] ?? ''];
  return `${Math.ceil((mi * factor) / 64) * 64}Mi`;
}

const WORKLOAD_MODES: PlanMode[] = ['k8s', 'helm'];

export const rolloutUndo: FixStrategy = {
  id: 'rollout-undo',
  title: 'Roll back to the previous release',
  kinds: ['bad_deploy'],
  modes: ['k8s', 'helm', 'tf', 'ansible'],
  fit: ctx =>
    ctx.mode === 'tf' && !detail(ctx, 'previousVersion')
      ? 0
      : kindFit(ctx, { bad_deploy: 0.95 }),
  propose(ctx): StrategyProposal {
    const prev = detail(ctx, 'previousVersion');
    const rev = detail(ctx, 'previousRevision');
    return {
      summary: `Roll ${ctx.entity.ref} back${
        prev ? ` to ${prev}` : ' to its previous revision'
      }: the last deploy${
        detail(ctx, 'currentVersion')
          ? ` (${detail(ctx, 'currentVersion')})`
          : ''
      } is the likely cause.`,
      intents: [
        {
          type: 'undo',
          previousVersion: prev,
          toRevision: rev && /^\d+$/.test(rev) ? Number(rev) : undefined,
        },
      ],
      rationale:
        'Reverting the change that correlates with the incident restores a version that ran healthily.',
      baseRisk: 0.1,
      revert: true,
    };
  },
};

export const rolloutPause: FixStrategy = {
  id: 'rollout-pause',
  title: 'Pause the ongoing rollout',
  kinds: ['bad_deploy'],
  modes: ['k8s'],
  fit: ctx => {
    if (ctx.hypothesis.kind !== 'bad_deploy') return 0;
    return ctx.hypothesis.details?.rolloutInProgress === true ? 0.97 : 0.3;
  },
  propose: ctx => ({
    summary: `Pause the rollout of ${ctx.entity.ref} so no more pods move to the suspect version.`,
    intents: [{ type: 'pause' }],
    rationale:
      'A paused rollout stops the blast radius growing while the release is judged.',
    baseRisk: 0.05,
    revert: false,
  }),
};

export const rolloutRestart: FixStrategy = {
  id: 'rollout-restart',
  title: 'Rolling restart',
  kinds: [
    'memory_leak',
    'network',
    'dependency_failure',
    'resource_saturation',
  ],
  modes: ['k8s', 'helm', 'ansible'],
  fit: ctx =>
    kindFit(ctx, {
      memory_leak: 0.55,
      network: 0.6,
      dependency_failure: 0.45,
      resource_saturation: 0.3,
    }),
  propose: ctx => ({
    summary: `Rolling restart of ${ctx.entity.ref} to clear leaked state and stale connections.`,
    intents: [{ type: 'restart' }],
    rationale:
      'A rolling restart replaces pods one by one, keeping capacity, and resets in-process state.',
    baseRisk: 0.1,
    revert: false,
  }),
};

export const configRevert: FixStrategy = {
  id: 'config-revert',
  title: 'Revert the configuration change',
  kinds: ['config_change'],
  modes: ['k8s', 'helm', 'tf', 'ansible'],
  fit: ctx =>
    detail(ctx, 'configKey') && detail(ctx, 'previousValue') !== undefined
      ? kindFit(ctx, { config_change: 0.95 })
      : 0,
  propose(ctx) {
    const key = detail(ctx, 'configKey')!;
    const name =
      ctx.entity.configMap ?? `${ctx.entity.workload?.name ?? 'app'}-config`;
    const intents: ChangeIntent[] = [
      { type: 'config', name, data: { [key]: detail(ctx, 'previousValue')! } },
    ];
    if (ctx.mode === 'k8s') intents.push({ type: 'restart' });
    return {
      summary: `Set ${key} back to ${JSON.stringify(
        detail(ctx, 'previousValue'),
      )} in ${name}.`,
      intents,
      rationale:
        'The config change correlates with the incident; its previous value ran healthily.',
      baseRisk: 0.15,
      revert: true,
    };
  },
};

export const flagOff: FixStrategy = {
  id: 'flag-off',
  title: 'Turn the feature flag off',
  kinds: ['flag_flip'],
  modes: ['k8s', 'helm', 'tf', 'ansible'],
  fit: ctx => (detail(ctx, 'flag') ? kindFit(ctx, { flag_flip: 0.97 }) : 0),
  propose(ctx) {
    const flag = detail(ctx, 'flag')!;
    const name = ctx.entity.configMap ?? 'feature-flags';
    return {
      summary: `Turn feature flag ${flag} off for ${ctx.entity.ref}.`,
      intents: [{ type: 'config', name, data: { [flag]: 'false' } }],
      rationale:
        'The flag flip correlates with the incident; off is the state that ran before.',
      baseRisk: 0.05,
      revert: true,
    };
  },
};

export const scaleOut: FixStrategy = {
  id: 'scale-out',
  title: 'Scale out',
  kinds: ['traffic_surge', 'resource_saturation'],
  modes: ['k8s', 'helm', 'tf'],
  fit: ctx => kindFit(ctx, { traffic_surge: 0.9, resource_saturation: 0.6 }),
  propose(ctx) {
    const current = ctx.entity.workload?.replicas ?? 2;
    const replicas = Math.min(Math.ceil(current * 1.5), current + 10, 100);
    return {
      summary: `Scale ${ctx.entity.ref} from ${current} to ${replicas} replicas to absorb the load.`,
      intents: [{ type: 'scale', replicas }],
      rationale:
        'More replicas spread the surge; the change is reverted by scaling back.',
      baseRisk: 0.1,
      revert: false,
    };
  },
};

export const limitBump: FixStrategy = {
  id: 'limit-bump',
  title: 'Raise memory/CPU limits',
  kinds: ['memory_leak', 'resource_saturation'],
  modes: WORKLOAD_MODES.concat('tf'),
  fit: ctx =>
    ctx.entity.workload?.resources?.limits
      ? kindFit(ctx, { memory_leak: 0.65, resource_saturation: 0.55 })
      : 0,
  propose(ctx) {
    const res = ctx.entity.workload!.resources!;
    const cpuBound = detail(ctx, 'resource') === 'cpu';
    const limits = cpuBound
      ? { cpu: scaleQuantity(res.limits?.cpu, 1.5, 'cpu') }
      : { memory: scaleQuantity(res.limits?.memory, 1.5, 'memory') };
    return {
      summary: `Raise the ${cpuBound ? 'CPU' : 'memory'} limit of ${
        ctx.entity.ref
      } by half (${
        cpuBound
          ? `${res.limits?.cpu} -> ${limits.cpu}`
          : `${res.limits?.memory} -> ${limits.memory}`
      }) to buy time.`,
      intents: [{ type: 'resources', limits }],
      rationale:
        'More headroom stops OOM kills or throttling while the cause is fixed.',
      baseRisk: 0.15,
      revert: false,
    };
  },
};

export const quotaRaise: FixStrategy = {
  id: 'quota-raise',
  title: 'Raise the namespace quota',
  kinds: ['resource_saturation'],
  modes: ['k8s', 'tf'],
  fit: ctx =>
    detail(ctx, 'quota') &&
    detail(ctx, 'quotaResource') &&
    detail(ctx, 'quotaValue')
      ? kindFit(ctx, { resource_saturation: 0.85 })
      : 0,
  propose: ctx => ({
    summary: `Raise ${detail(ctx, 'quotaResource')} of quota ${detail(
      ctx,
      'quota',
    )} to ${detail(ctx, 'quotaValue')}.`,
    intents: [
      {
        type: 'quota',
        name: detail(ctx, 'quota')!,
        hard: { [detail(ctx, 'quotaResource')!]: detail(ctx, 'quotaValue')! },
      },
    ],
    rationale:
      'Pods cannot be scheduled while the namespace quota is exhausted.',
    baseRisk: 0.2,
    revert: false,
  }),
};

export const jvmFlags: FixStrategy = {
  id: 'jvm-flags',
  title: 'Tune JVM heap flags',
  kinds: ['memory_leak'],
  modes: ['k8s', 'helm', 'ansible'],
  fit: ctx =>
    ctx.entity.runtime === 'java' || ctx.entity.tags?.includes('java')
      ? kindFit(ctx, { memory_leak: 0.75 })
      : 0,
  propose: ctx => ({
    summary: `Cap the JVM heap of ${ctx.entity.ref} below the container limit and dump the heap on OOM for the leak hunt.`,
    intents: [
      {
        type: 'env',
        env: {
          JAVA_TOOL_OPTIONS:
            '-XX:MaxRAMPercentage=75.0 -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/tmp',
        },
      },
    ],
    rationale:
      'A heap sized to the container stops kernel OOM kills; the heap dump finds the leak.',
    baseRisk: 0.15,
    revert: false,
  }),
};

export const poolSize: FixStrategy = {
  id: 'pool-size',
  title: 'Resize the connection pool',
  kinds: ['dependency_failure', 'slow_query', 'resource_saturation'],
  modes: ['k8s', 'helm', 'ansible'],
  fit: ctx =>
    detail(ctx, 'poolSize') || ctx.entity.database
      ? kindFit(ctx, {
          dependency_failure: detail(ctx, 'poolSize') ? 0.8 : 0.35,
          slow_query: 0.4,
          resource_saturation: detail(ctx, 'poolSize') ? 0.7 : 0.25,
        })
      : 0,
  propose(ctx) {
    const current = Number(detail(ctx, 'poolSize') ?? 10);
    const size = Math.max(
      2,
      Math.min(
        200,
        ctx.hypothesis.kind === 'slow_query'
          ? Math.ceil(current * 0.75)
          : Math.ceil(current * 1.5),
      ),
    );
    const name = detail(ctx, 'poolVariable') ?? 'DB_POOL_MAX_SIZE';
    return {
      summary: `Set ${name} of ${ctx.entity.ref} from ${current} to ${size}.`,
      intents: [{ type: 'env', env: { [name]: String(size) } }],
      rationale:
        ctx.hypothesis.kind === 'slow_query'
          ? 'Fewer concurrent connections relieve the database while the slow query is fixed.'
          : 'Requests queue on the pool: a larger pool matches the concurrency the dependency can take.',
      baseRisk: 0.15,
      revert: false,
    };
  },
};

export const dbIndex: FixStrategy = {
  id: 'db-index',
  title: 'Add an index for the slow query',
  kinds: ['slow_query'],
  modes: ['sql'],
  fit: ctx =>
    detail(ctx, 'table') && detail(ctx, 'columns')
      ? kindFit(ctx, { slow_query: 0.9 })
      : 0,
  propose(ctx) {
    const table = detail(ctx, 'table')!;
    const columns = detail(ctx, 'columns')!
      .split(',')
      .map(c => c.trim());
    return {
      summary: `Add an index on ${table} (${columns.join(
        ', ',
      )}) for the slow query.`,
      intents: [
        {
          type: 'sql',
          name: `idx_${table}_${columns.join('_')}`.slice(0, 63),
          up: [table, ...columns],
          down: [],
        },
      ],
      rationale:
        'The slow query filters on these columns without an index: a concurrent build avoids write locks.',
      baseRisk: 0.2,
      revert: false,
    };
  },
};

export const BUILTIN_STRATEGIES: readonly FixStrategy[] = [
  rolloutUndo,
  rolloutPause,
  rolloutRestart,
  configRevert,
  flagOff,
  scaleOut,
  limitBump,
  quotaRaise,
  jvmFlags,
  poolSize,
  dbIndex,
];

export interface StrategyChoice {
  strategy: FixStrategy;
  hypothesisIndex: number;
  score: number;
}

/** Strategies by id: built-ins plus whatever modules register. */
export class StrategyRegistry {
  private readonly byId = new Map<string, FixStrategy>();

  static withBuiltins(): StrategyRegistry {
    const r = new StrategyRegistry();
    for (const s of BUILTIN_STRATEGIES) r.register(s);
    return r;
  }

  register(strategy: FixStrategy): void {
    if (this.byId.has(strategy.id))
      throw new Error(`fix strategy ${strategy.id} is already registered`);
    this.byId.set(strategy.id, strategy);
  }

  get(id: string): FixStrategy | undefined {
    return this.byId.get(id);
  }

  list(): FixStrategy[] {
    return [...this.byId.values()];
  }

  /** Candidates for the request, best first: fit x hypothesis confidence, ties by registration order. */
  rank(
    base: Omit<StrategyContext, 'hypothesis'>,
    hypotheses: StrategyContext['hypothesis'][],
  ): StrategyChoice[] {
    const out: StrategyChoice[] = [];
    hypotheses.forEach((h, i) => {
      for (const s of this.byId.values()) {
        if (!s.modes.includes(base.mode) || !s.kinds.includes(h.kind)) continue;
        const fit = s.fit({ ...base, hypothesis: h });
        if (fit > 0)
          out.push({
            strategy: s,
            hypothesisIndex: i,
            score: fit * Math.max(0.01, h.confidence),
          });
      }
    });
    return out.sort((a, b) => b.score - a.score);
  }
}
