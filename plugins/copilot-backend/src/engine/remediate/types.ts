// Input and output types of remediation plans, their preflight and the audit chain.
// Plain data: plans and preflight results are stored and sent as JSON as they are.
import type { RootCauseKind } from '@devops-copilot/backstage-plugin-copilot-common';

export type { RootCauseKind };

/** How a plan's change is expressed. */
export type PlanMode = 'k8s' | 'helm' | 'tf' | 'ansible' | 'sql';
export const PLAN_MODES: readonly PlanMode[] = [
  'k8s',
  'helm',
  'tf',
  'ansible',
  'sql',
];

export type Environment = 'production' | 'staging' | 'development';

/** One ranked hypothesis of the incident the plan answers. */
export interface PlanHypothesis {
  kind: RootCauseKind;
  entityRef?: string;
  confidence: number;
  statement?: string;
  /**
   * Facts the analysis found, used to fill the fix in: `previousVersion`, `currentVersion`,
   * `configKey`, `previousValue`, `flag`, `table`, `columns` (comma separated), `quota`, ...
   */
  details?: Record<string, string | number | boolean>;
}

export interface PlanIncident {
  id: string;
  entityRef: string;
  title?: string;
  /** ISO time the incident opened. */
  openedAt?: string;
  hypotheses: PlanHypothesis[];
}

/** A service level indicator the post-checks watch. */
export interface PlanSli {
  name: string;
  /** PromQL or similar; shown, not run by the engine. */
  query?: string;
  /** The SLI must come back to this value (ratio or ms) ... */
  target: number;
  /** ... from this side. */
  comparator: '<=' | '>=';
}

/** What the catalog (and its copilot annotations) says about the entity the plan targets. */
export interface PlanEntity {
  ref: string;
  environment: Environment;
  /** Kubernetes workload the entity runs as. */
  workload?: {
    kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
    name: string;
    namespace: string;
    container?: string;
    replicas?: number;
    image?: string;
    resources?: {
      limits?: { cpu?: string; memory?: string };
      requests?: { cpu?: string; memory?: string };
    };
    /** The live object, when the planner has it: its hash is the plan's drift base. */
    live?: Record<string, unknown>;
  };
  helm?: {
    release: string;
    chart: string;
    namespace?: string;
    revision?: number;
  };
  terraform?: { module: string; source: string };
  ansible?: { hosts: string; service: string; configPath?: string };
  database?: { engine: 'postgresql' | 'mysql'; name: string };
  /** Language/runtime, e.g. `java`, `go`, `node`. */
  runtime?: string;
  /** Config map or config file the service reads its settings from. */
  configMap?: string;
  slis?: PlanSli[];
  /** Metadata annotations and tags, for strategies that key on them. */
  annotations?: Record<string, string>;
  tags?: string[];
}

/** One file a plan ships (and preflight checks). */
export interface PlanArtifact {
  /** Relative path, e.g. `patch-deployment.yaml`, `commands.sh`, `001_index.sql`. */
  path: string;
  content: string;
}

export interface PlanStep {
  order: number;
  title: string;
  /** The artifact this step runs or applies, if any. */
  artifact?: string;
  /** Why this step, in one sentence. */
  detail?: string;
}

export interface PlanCheck {
  id: string;
  description: string;
  /** The read-only command or query that checks it (never run by the engine). */
  command?: string;
}

export interface PostCheck extends PlanCheck {
  sli: string;
  target: number;
  comparator: '<=' | '>=';
  /** ISO time by which the SLI must have recovered. */
  deadline: string;
}

export interface VerificationGate {
  /** Share of traffic on the new version while this gate holds, in [0, 100]. */
  trafficPercent: number;
  /** How long to hold before judging, in minutes. */
  holdMinutes: number;
  /** The SLIs judged at this gate. */
  slis: string[];
}

export interface RollbackPlan {
  method: 'canary' | 'blue_green' | 'revert';
  gates: VerificationGate[];
  /** Steps that undo the change, in order. */
  steps: PlanStep[];
  /** Artifacts (by path) that undo it, e.g. `001_index.down.sql`. */
  artifacts: string[];
}

export interface RiskReason {
  code: string;
  weight: number;
  message: string;
}

export interface RiskScore {
  /** In [0, 1]. */
  score: number;
  level: 'low' | 'medium' | 'high';
  reasons: RiskReason[];
}

/** The state a plan was built on: a hash of each base object, for drift detection. */
export interface PlanBase {
  /** `<kind>/<namespace>/<name>` -> `sha256:<hex>` of the canonical object. */
  objects: Record<string, string>;
}

export interface Plan {
  id: string;
  incidentId: string;
  entityRef: string;
  mode: PlanMode;
  strategy: string;
  hypothesis: RootCauseKind;
  summary: string;
  steps: PlanStep[];
  artifacts: PlanArtifact[];
  preChecks: PlanCheck[];
  postChecks: PostCheck[];
  rollback: RollbackPlan;
  risk: RiskScore;
  base?: PlanBase;
  /** ISO time the plan was made (passed in). */
  createdAt: string;
}

export interface PlanRequest {
  incident: PlanIncident;
  entity: PlanEntity;
  mode: PlanMode;
  /** Force a strategy by id; otherwise the registry picks the best fit. */
  strategy?: string;
  /** Epoch ms: the planner reads no clock. */
  now: number;
}

/** What a strategy sees. */
export interface StrategyContext {
  incident: PlanIncident;
  hypothesis: PlanHypothesis;
  entity: PlanEntity;
  mode: PlanMode;
  now: number;
}

/** A change a strategy wants, independent of the tool that expresses it. */
export type ChangeIntent =
  | { type: 'restart' }
  | { type: 'undo'; toRevision?: number; previousVersion?: string }
  | { type: 'pause' }
  | { type: 'env'; env: Record<string, string> }
  | {
      type: 'resources';
      limits?: { cpu?: string; memory?: string };
      requests?: { cpu?: string; memory?: string };
    }
  | { type: 'scale'; replicas: number }
  | { type: 'config'; name: string; data: Record<string, string> }
  | { type: 'quota'; name: string; hard: Record<string, string> }
  | {
      type: 'sql';
      name: string;
      up: string[];
      down: string[];
    };

export interface StrategyProposal {
  summary: string;
  intents: ChangeIntent[];
  /** Why this fix, in one sentence per step. */
  rationale: string;
  /** Base risk of the strategy in [0, 1] before the environment and blast radius. */
  baseRisk: number;
  /** Whether the change only reverts to a known state. */
  revert: boolean;
}

/**
 * A fix strategy: answers some hypothesis kinds in some modes. Modules add their own through the
 * registry (the node library re-exports this interface for its extension point).
 */
export interface FixStrategy {
  id: string;
  title: string;
  kinds: readonly RootCauseKind[];
  modes: readonly PlanMode[];
  /** Fit in [0, 1] for this context; 0 = does not apply. */
  fit(ctx: StrategyContext): number;
  propose(ctx: StrategyContext): StrategyProposal;
}

// ---------------------------------------------------------------- preflight

export type Severity = 'info' | 'warn' | 'block';
export type Verdict = 'pass' | 'warn' | 'block';
export type CheckStage = 'syntax' | 'schema' | 'policy' | 'guardrail' | 'drift';

export interface Finding {
  code: string;
  severity: Severity;
  stage: CheckStage;
  message: string;
  /** The artifact (relative path) the finding cites. */
  artifact?: string;
  /** 1-based line in the artifact, when known. */
  line?: number;
  /** JSON pointer or dotted path inside the object, when known. */
  path?: string;
}

export interface FreezeWindow {
  /** ISO times. */
  from: string;
  to: string;
  reason?: string;
}

export interface PreflightContext {
  entity: string;
  environment: Environment;
  namespace?: string;
  author: string;
  approvedBy?: string | null;
  /** Remaining error budget as a share of the budget (1 = untouched, <= 0 = exhausted). */
  errorBudgetRemaining?: number | null;
  changeFreeze?: boolean;
  freezeWindows?: FreezeWindow[];
  /** Epoch ms, to evaluate freeze windows. */
  now?: number;
  /** Recorded base hash(es) of the targets, when the plan was built elsewhere. */
  baseHash?: string | Record<string, string>;
}

export interface PreflightInput {
  mode: PlanMode;
  artifacts: PlanArtifact[];
  context: PreflightContext;
  /** Current state of the targeted Kubernetes objects (YAML files). */
  live?: PlanArtifact[];
  /** The plan the artifacts came from, when there is one (risk and drift base). */
  plan?: Plan;
}

export interface GuardrailLimits {
  /** Most targets (workloads, resources, host groups, tables) one plan may touch. */
  maxTargets: Record<Environment, number>;
  /** Error budget share below which a change only warns. */
  lowErrorBudget: number;
  /** Most replicas a scale step may set. */
  maxReplicas: number;
}

/** The facts about a plan that policies judge: the same document for Cedar and OPA. */
export interface PolicyFacts {
  entity: string;
  mode: PlanMode;
  tools: string[];
  verbs: string[];
  namespaces: string[];
  targetNamespace: string;
  environment: Environment;
  production: boolean;
  author: string;
  approvedBy: string | null;
  approved: boolean;
  selfApproved: boolean;
  blastRadius: number;
  /** Risk in whole percent (Cedar has no floats). */
  riskPct: number;
  destructive: boolean;
  clusterScoped: boolean;
  privileged: boolean;
  revertOnly: boolean;
  /** Nothing in the plan changes state (dry runs, status checks). */
  readOnly: boolean;
  changeFreeze: boolean;
  /** Remaining error budget in whole percent; null when unknown. */
  errorBudgetPct: number | null;
}

export interface PolicyDecision {
  engine: string;
  decision: 'allow' | 'deny';
  /** Ids of the policies that denied (or determined) the decision. */
  reasons: string[];
  /** Messages for the denying policies. */
  messages: Record<string, string>;
  errors: string[];
}

/** A policy engine: Cedar by default, OPA through an adapter. */
export interface PolicyEvaluator {
  readonly name: string;
  evaluate(facts: PolicyFacts): Promise<PolicyDecision> | PolicyDecision;
}

export interface PreflightResult {
  verdict: Verdict;
  findings: Finding[];
  facts: PolicyFacts;
  policy: PolicyDecision;
  risk: RiskScore;
}
