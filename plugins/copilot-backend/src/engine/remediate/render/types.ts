// What a mode renderer returns: the plan's files, its steps, checks and the rollback that undoes it.
// Renderers are pure: every value they write passes the validators of ../escape first.
import type {
  ChangeIntent,
  PlanArtifact,
  PlanCheck,
  PlanEntity,
  PlanStep,
  StrategyProposal,
} from '../types';

export interface RenderInput {
  entity: PlanEntity;
  proposal: StrategyProposal;
  intents: ChangeIntent[];
  /** ISO time of the plan. */
  at: string;
  /** `sha256:...` of the live workload, stamped into patches for drift checks. */
  baseHash?: string;
}

export interface Rendered {
  artifacts: PlanArtifact[];
  steps: Array<Omit<PlanStep, 'order'>>;
  preChecks: PlanCheck[];
  rollbackSteps: Array<Omit<PlanStep, 'order'>>;
  rollbackArtifacts: string[];
}

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}
