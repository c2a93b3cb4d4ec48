// Guardrails on the change as a whole: change freezes, SLO error budget, blast radius, scale-to-zero.
// Error-budget policy after the Google SRE workbook: an exhausted budget stops changes except reverts.
import type {
  Environment,
  Finding,
  GuardrailLimits,
  PreflightContext,
} from './types';

export const DEFAULT_LIMITS: GuardrailLimits = {
  maxTargets: { production: 5, staging: 15, development: 200 },
  lowErrorBudget: 0.1,
  maxReplicas: 200,
};

/** A selector or `--all` counts as this many targets: more than any non-development limit. */
export const WIDE_TARGETS = 100;

export interface ChangeShape {
  environment: Environment;
  blastRadius: number;
  revertOnly: boolean;
  approved: boolean;
  mutating: boolean;
  replicas: number[];
}

function inWindow(now: number, w: { from: string; to: string }): boolean {
  const a = Date.parse(w.from);
  const b = Date.parse(w.to);
  return Number.isFinite(a) && Number.isFinite(b) && now >= a && now < b;
}

export function checkGuardrails(
  ctx: PreflightContext,
  shape: ChangeShape,
  limits: GuardrailLimits,
  out: Finding[],
): void {
  const push = (code: string, severity: Finding['severity'], message: string) =>
    out.push({ code, severity, stage: 'guardrail', message });
  if (!shape.mutating) return;
  // An approved revert is the one change a freeze or an exhausted budget still allows.
  const emergencyRevert = shape.revertOnly && shape.approved;
  const window =
    ctx.now !== undefined
      ? ctx.freezeWindows?.find(w => inWindow(ctx.now!, w))
      : undefined;
  if (ctx.changeFreeze || window) {
    const why = window
      ? `freeze window ${window.from} to ${window.to}${
          window.reason ? ` (${window.reason})` : ''
        }`
      : 'a change freeze is in effect';
    push(
      'GR_CHANGE_FREEZE',
      emergencyRevert ? 'warn' : 'block',
      emergencyRevert ? `${why}: allowed as an approved revert` : why,
    );
  }
  const budget = ctx.errorBudgetRemaining;
  if (typeof budget === 'number' && Number.isFinite(budget)) {
    if (budget <= 0)
      push(
        'GR_ERROR_BUDGET_EXHAUSTED',
        emergencyRevert ? 'warn' : 'block',
        `error budget exhausted (${Math.round(budget * 100)}% left)${
          emergencyRevert
            ? ': allowed as an approved revert'
            : ': only reverts may ship'
        }`,
      );
    else if (budget < limits.lowErrorBudget)
      push(
        'GR_ERROR_BUDGET_LOW',
        'warn',
        `only ${Math.round(budget * 100)}% of the error budget left`,
      );
  }
  const max = limits.maxTargets[shape.environment];
  if (shape.blastRadius > max)
    push(
      'GR_BLAST_RADIUS',
      'block',
      shape.blastRadius >= WIDE_TARGETS
        ? `the change selects every matching object or host (limit ${max} targets in ${shape.environment})`
        : `the change touches ${shape.blastRadius} targets (limit ${max} in ${shape.environment})`,
    );
  for (const r of shape.replicas) {
    if (r === 0)
      push(
        'GR_SCALE_TO_ZERO',
        shape.environment === 'production' ? 'block' : 'warn',
        'scales a workload to zero replicas (an outage)',
      );
    else if (r > limits.maxReplicas)
      push(
        'GR_REPLICAS',
        'warn',
        `${r} replicas is above the ${limits.maxReplicas} limit`,
      );
  }
}
