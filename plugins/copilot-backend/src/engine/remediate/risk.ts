// Risk score of a change in [0, 1] with its reasons: an additive model over the plan's facts, clamped.
// Weights follow the usual change-advisory factors: environment, reversibility, reach, privilege, budget.
import type { PolicyFacts, RiskReason, RiskScore } from './types';

export interface RiskInputs {
  facts: Omit<PolicyFacts, 'riskPct'>;
  dataLoss: boolean;
  mutating: boolean;
  /** Strategy base risk, when the facts come from a generated plan. */
  baseRisk?: number;
  missingRollback: boolean;
}

export function riskLevel(score: number): RiskScore['level'] {
  if (score >= 0.6) return 'high';
  return score >= 0.3 ? 'medium' : 'low';
}

export function scoreRisk(r: RiskInputs): RiskScore {
  const reasons: RiskReason[] = [];
  const add = (code: string, weight: number, message: string) =>
    reasons.push({ code, weight, message });
  const f = r.facts;
  if (!r.mutating) {
    add('read_only', 0.02, 'only reads state');
    return { score: 0.02, level: 'low', reasons };
  }
  add(
    'base',
    r.baseRisk ?? 0.1,
    r.baseRisk !== undefined
      ? "the strategy's own risk"
      : 'any change carries some risk',
  );
  if (f.production) add('production', 0.25, 'targets production');
  else if (f.environment === 'staging') add('staging', 0.05, 'targets staging');
  if (f.destructive) add('destructive', 0.3, 'deletes or replaces something');
  if (r.dataLoss)
    add('data_loss', 0.2, 'can lose data that a rollback cannot bring back');
  if (f.clusterScoped)
    add('cluster_scoped', 0.15, 'changes cluster-scoped objects');
  if (f.blastRadius > 1)
    add(
      'blast_radius',
      Math.min(0.2, 0.04 * (f.blastRadius - 1)),
      `touches ${f.blastRadius} targets`,
    );
  if (f.privileged) add('privileged', 0.3, 'grants privileges or host access');
  if (f.errorBudgetPct !== null && f.errorBudgetPct < 25)
    add(
      'error_budget',
      0.1,
      `only ${f.errorBudgetPct}% of the error budget left`,
    );
  if (r.missingRollback) add('no_rollback', 0.1, 'no rollback step');
  if (f.revertOnly) add('revert', -0.15, 'returns to a state that ran before');
  const score = Math.max(
    0,
    Math.min(
      1,
      reasons.reduce((s, x) => s + x.weight, 0),
    ),
  );
  return {
    score: Math.round(score * 100) / 100,
    level: riskLevel(score),
    reasons,
  };
}
