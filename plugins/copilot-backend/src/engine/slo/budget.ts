// Error budgets of SLOs: pure arithmetic over good and total counts (events or minutes).

/**
 * The share of the error budget left: `1 - (1 - sli) / (1 - objective)`. 1 with nothing spent, 0 when
 * exactly spent, negative when overspent (-1: twice the budget spent).
 */
export function errorBudgetRemaining(sli: number, objective: number): number {
  if (!(objective > 0 && objective < 1))
    throw new RangeError(`objective must be in (0, 1), got ${objective}`);
  return 1 - (1 - sli) / (1 - objective);
}

/**
 * How fast the budget burns: the error rate over the allowed error rate (1 = the budget lasts exactly the
 * SLO window; 14.4 over an hour spends 2% of a 30-day budget, the classic paging threshold).
 */
export function burnRate(sli: number, objective: number): number {
  if (!(objective > 0 && objective < 1))
    throw new RangeError(`objective must be in (0, 1), got ${objective}`);
  return (1 - sli) / (1 - objective);
}

/**
 * A success ratio from the mean of a metric that measures one: percentages (values above 1, as
 * CloudWatch and most dashboards report availability) become fractions; a metric that counts failures
 * (`error`, `fail`, `5xx` in its name) is turned around. Clamped to [0, 1].
 */
export function successRatio(metric: string, mean: number): number {
  let v = mean > 1 ? mean / 100 : mean;
  if (/error|fail|5xx/i.test(metric)) v = 1 - v;
  return Math.min(1, Math.max(0, v));
}
