// The fix strategy contract of the copilot backend, for modules that add strategies. Structurally the
// same as the backend engine's `FixStrategy` (the backend checks both ways at compile time), without a
// dependency on the backend package.
import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { RootCauseKind } from '@devops-copilot/backstage-plugin-copilot-common';

/**
 * How a plan's change is expressed.
 * @public
 */
export type CopilotFixPlanMode = 'k8s' | 'helm' | 'tf' | 'ansible' | 'sql';

/** @public */
export type CopilotFixEnvironment = 'production' | 'staging' | 'development';

/**
 * One ranked hypothesis of the incident the plan answers.
 * @public
 */
export interface CopilotFixPlanHypothesis {
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

/** @public */
export interface CopilotFixPlanIncident {
  id: string;
  entityRef: string;
  title?: string;
  /** ISO time the incident opened. */
  openedAt?: string;
  hypotheses: CopilotFixPlanHypothesis[];
}

/**
 * A service level indicator the post-checks watch.
 * @public
 */
export interface CopilotFixPlanSli {
  name: string;
  /** PromQL or similar; shown, not run by the engine. */
  query?: string;
  /** The SLI must come back to this value (ratio or ms) ... */
  target: number;
  /** ... from this side. */
  comparator: '<=' | '>=';
}

/**
 * What the catalog (and its copilot annotations) says about the entity the plan targets.
 * @public
 */
export interface CopilotFixPlanEntity {
  ref: string;
  environment: CopilotFixEnvironment;
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
  slis?: CopilotFixPlanSli[];
  /** Metadata annotations and tags, for strategies that key on them. */
  annotations?: Record<string, string>;
  tags?: string[];
}

/**
 * What a strategy sees.
 * @public
 */
export interface CopilotFixStrategyContext {
  incident: CopilotFixPlanIncident;
  hypothesis: CopilotFixPlanHypothesis;
  entity: CopilotFixPlanEntity;
  mode: CopilotFixPlanMode;
  now: number;
}

/**
 * A change a strategy wants, independent of the tool that expresses it.
 * @public
 */
export type CopilotFixChangeIntent =
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

/** @public */
export interface CopilotFixStrategyProposal {
  summary: string;
  intents: CopilotFixChangeIntent[];
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
 * @public
 */
export interface CopilotFixStrategy {
  id: string;
  title: string;
  kinds: readonly RootCauseKind[];
  modes: readonly CopilotFixPlanMode[];
  /** Fit in [0, 1] for this context; 0 = does not apply. */
  fit(ctx: CopilotFixStrategyContext): number;
  propose(ctx: CopilotFixStrategyContext): CopilotFixStrategyProposal;
}

/**
 * Extension point through which modules add fix strategies to the copilot's fix catalog.
 * @public
 */
export interface CopilotFixStrategiesExtensionPoint {
  addFixStrategy(...strategies: CopilotFixStrategy[]): void;
}

/** @public */
export const copilotFixStrategiesExtensionPoint =
  createExtensionPoint<CopilotFixStrategiesExtensionPoint>({
    id: 'copilot.fix-strategies',
  });
