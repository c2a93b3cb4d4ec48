// Builds a remediation plan: strategy choice, rendered artifacts, checks, rollback with gates, and risk.
// Post-check deadlines and canary gates follow progressive delivery practice (10% -> 50% -> 100%).
import { objectHash, sha256Hex, canonicalJson } from './canonical';
import { RENDERERS, RenderError } from './render';
import { scoreRisk } from './risk';
import { StrategyRegistry } from './strategies';
import type {
  Plan,
  PlanCheck,
  PlanRequest,
  PlanSli,
  PlanStep,
  PostCheck,
  RollbackPlan,
  VerificationGate,
} from './types';

export class NoStrategyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoStrategyError';
  }
}

const DEFAULT_SLIS: PlanSli[] = [
  {
    name: 'error_rate',
    query:
      'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
    target: 0.01,
    comparator: '<=',
  },
  {
    name: 'latency_p95_ms',
    query:
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) * 1000',
    target: 500,
    comparator: '<=',
  },
];

/** Minutes until the SLIs must have recovered, by strategy (restarts and scale-outs settle faster). */
const RECOVERY_MINUTES: Record<string, number> = {
  'rollout-pause': 10,
  'flag-off': 10,
  'scale-out': 15,
  'rollout-restart': 15,
  'rollout-undo': 20,
  'config-revert': 20,
  'db-index': 60,
};

/** Workload changes shift traffic gradually; Terraform swaps whole stacks; SQL runs its down step. */
const ROLLBACK_METHOD: Record<Plan['mode'], RollbackPlan['method']> = {
  k8s: 'canary',
  helm: 'canary',
  ansible: 'canary',
  tf: 'blue_green',
  sql: 'revert',
};

function gatesFor(mode: Plan['mode'], slis: string[]): VerificationGate[] {
  if (mode === 'k8s' || mode === 'helm' || mode === 'ansible')
    return [
      { trafficPercent: 10, holdMinutes: 5, slis },
      { trafficPercent: 50, holdMinutes: 10, slis },
      { trafficPercent: 100, holdMinutes: 15, slis },
    ];
  return [{ trafficPercent: 100, holdMinutes: 15, slis }];
}

/** Makes the plan for `req`; throws NoStrategyError when no registered strategy fits. */
export function buildPlan(
  req: PlanRequest,
  registry: StrategyRegistry = StrategyRegistry.withBuiltins(),
): Plan {
  const { incident, entity, mode, now } = req;
  const hypotheses = incident.hypotheses.filter(h => h.kind !== 'none');
  const base = { incident, entity, mode, now };
  let choice;
  if (req.strategy) {
    const s = registry.get(req.strategy);
    if (!s) throw new NoStrategyError(`unknown strategy ${req.strategy}`);
    if (!s.modes.includes(mode))
      throw new NoStrategyError(`strategy ${s.id} has no ${mode} form`);
    const i = hypotheses.findIndex(h => s.kinds.includes(h.kind));
    if (i < 0)
      throw new NoStrategyError(
        `strategy ${s.id} answers none of the incident's hypotheses`,
      );
    choice = { strategy: s, hypothesisIndex: i, score: 1 };
  } else {
    choice = registry.rank(base, hypotheses)[0];
    if (!choice)
      throw new NoStrategyError(
        `no strategy answers ${
          hypotheses.map(h => h.kind).join(', ') || 'this incident'
        } in ${mode} mode`,
      );
  }
  const hypothesis = hypotheses[choice.hypothesisIndex];
  const proposal = choice.strategy.propose({ ...base, hypothesis });
  const at = new Date(now).toISOString();
  const live = entity.workload?.live;
  const baseHash = live ? objectHash(live) : undefined;
  const rendered = RENDERERS[mode]({
    entity,
    proposal,
    intents: proposal.intents,
    at,
    baseHash,
  });

  const steps: PlanStep[] = rendered.steps.map((s, i) => ({
    ...s,
    order: i + 1,
    detail: s.detail ?? (i === 0 ? proposal.rationale : undefined),
  }));
  const slis = entity.slis?.length ? entity.slis : DEFAULT_SLIS;
  const deadline = new Date(
    now + (RECOVERY_MINUTES[choice.strategy.id] ?? 30) * 60_000,
  ).toISOString();
  const postChecks: PostCheck[] = slis.map(s => ({
    id: `sli-${s.name}`,
    description: `${s.name} back ${s.comparator === '<=' ? 'under' : 'over'} ${
      s.target
    } by ${deadline}`,
    command: s.query,
    sli: s.name,
    target: s.target,
    comparator: s.comparator,
    deadline,
  }));
  const preChecks: PlanCheck[] = [
    ...rendered.preChecks,
    {
      id: 'preflight',
      description:
        'preflight passes (syntax, schema, policy, guardrails, drift)',
    },
  ];
  const rollback: RollbackPlan = {
    method: ROLLBACK_METHOD[mode],
    gates: gatesFor(
      mode,
      slis.map(s => s.name),
    ),
    steps: rendered.rollbackSteps.map((s, i) => ({ ...s, order: i + 1 })),
    artifacts: rendered.rollbackArtifacts,
  };
  const production = entity.environment === 'production';
  const risk = scoreRisk({
    facts: {
      entity: entity.ref,
      mode,
      tools: [],
      verbs: [],
      namespaces: [],
      targetNamespace: '',
      environment: entity.environment,
      production,
      author: '',
      approvedBy: null,
      approved: false,
      selfApproved: false,
      blastRadius: 1,
      destructive: false,
      clusterScoped: false,
      privileged: false,
      revertOnly: proposal.revert,
      readOnly: false,
      changeFreeze: false,
      errorBudgetPct: null,
    },
    dataLoss: false,
    mutating: true,
    baseRisk:
      proposal.baseRisk + (1 - Math.min(1, hypothesis.confidence)) * 0.1,
    missingRollback: rollback.steps.length === 0,
  });
  if (hypothesis.confidence < 0.5)
    risk.reasons.push({
      code: 'low_confidence',
      weight: 0,
      message: `the hypothesis it answers has confidence ${hypothesis.confidence.toFixed(
        2,
      )}`,
    });
  const plan: Plan = {
    id: '',
    incidentId: incident.id,
    entityRef: entity.ref,
    mode,
    strategy: choice.strategy.id,
    hypothesis: hypothesis.kind,
    summary: proposal.summary,
    steps,
    artifacts: rendered.artifacts,
    preChecks,
    postChecks,
    rollback,
    risk,
    base:
      baseHash && entity.workload
        ? {
            objects: {
              [`${entity.workload.kind.toLowerCase()}/${
                entity.workload.namespace
              }/${entity.workload.name}`]: baseHash,
            },
          }
        : undefined,
    createdAt: at,
  };
  plan.id = `plan-${sha256Hex(canonicalJson({ ...plan, id: undefined })).slice(
    0,
    16,
  )}`;
  return plan;
}

export { RenderError };
