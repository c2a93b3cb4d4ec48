// Confidence calibration without learning: a softmax over the candidates' scores plus an explicit
// "unexplained" alternative.
//
// Each candidate's score S_i is a log-linear evidence score (rank.ts); the alternative "none of
// these explains the incident" gets the score U = UNEXPLAINED_BASE + UNEXPLAINED_GAP * (1 - e),
// where e is the share of anomaly mass the best candidate explains. Confidences are
// p_i = exp(S_i / T) / (sum_j exp(S_j / T) + exp(U / T)) with a fixed temperature T (default 1),
// so they are in [0, 1], sum to 1 - p_unexplained <= 1, rise monotonically with a candidate's own
// evidence and fall when a competitor gains. U is set so a single weak, brief anomaly with no
// change stays below the abstention bar, while one strong anomaly that explains its dependents'
// symptoms clears it.

/** Base score of the unexplained alternative. */
export const UNEXPLAINED_BASE = 4.5;
/** Extra unexplained score when the best candidate explains none of the anomaly mass. */
export const UNEXPLAINED_GAP = 1.5;

/** The unexplained alternative's score, given the share the best candidate explains. */
export function unexplainedScore(bestExplained: number): number {
  return (
    UNEXPLAINED_BASE +
    UNEXPLAINED_GAP * (1 - Math.max(0, Math.min(1, bestExplained)))
  );
}

/** Softmax of `scores` with the extra `unexplained` alternative, at temperature `t`. */
export function calibrate(
  scores: ReadonlyArray<number>,
  unexplained: number,
  t = 1,
): { confidences: number[]; unexplained: number } {
  const all = [...scores, unexplained].map(s => s / t);
  const max = Math.max(...all);
  const exps = all.map(s => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const p = exps.map(x => x / sum);
  return {
    confidences: p.slice(0, scores.length),
    unexplained: p[scores.length],
  };
}
