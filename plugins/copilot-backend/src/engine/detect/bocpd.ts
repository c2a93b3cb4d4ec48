/*
 * Bayesian online change-point detection (Adams & MacKay 2007) with a Gaussian likelihood of known unit
 * variance on standardised values, a normal prior on each segment's mean, a constant hazard and the
 * run-length distribution truncated to a fixed number of hypotheses (the longest ones merged).
 * Probabilities are renormalised every step (predictives are scaled by their maximum, so nothing
 * underflows) and updated in place.
 */

/** BOCPD state: per run-length hypothesis its probability, the sum of its values and its length. */
export interface BocpdState {
  probs: number[];
  sums: number[];
  counts: number[];
}

/** BOCPD parameters. */
export interface BocpdOptions {
  /** Prior probability of a change at each step. */
  hazard: number;
  /** Run-length hypotheses kept. */
  maxRuns: number;
  /** Prior pseudo-count of a new segment's mean (its prior variance is 1 / kappa0). */
  kappa0: number;
  /** A change is reported when the posterior mass of runs of 1..recentRuns points is above 1/2. */
  recentRuns: number;
}

/** A BOCPD with no data. */
export function createBocpd(): BocpdState {
  return { probs: [], sums: [], counts: [] };
}

/** Result of one BOCPD step. */
export interface BocpdStep {
  /** Posterior probability that the current run started within the last `recentRuns` points. */
  changeProbability: number;
  /** Length of the most probable run. */
  runLength: number;
}

const scratch: number[] = [];

/**
 * Feeds one standardised value `u`; `priorMean` is the prior mean for a new segment (e.g. the current
 * level in the same units).
 */
export function stepBocpd(
  s: BocpdState,
  u: number,
  priorMean: number,
  opts: BocpdOptions,
): BocpdStep {
  const n = s.probs.length;
  if (n === 0) {
    s.probs.push(1);
    s.sums.push(u);
    s.counts.push(1);
    return { changeProbability: 0, runLength: 1 };
  }
  const k0 = opts.kappa0;
  // Log predictive of each hypothesis, then scaled by the largest so the exponentials cannot underflow.
  let maxLog = -Infinity;
  for (let r = 0; r < n; r++) {
    const kn = k0 + s.counts[r];
    const mean = (k0 * priorMean + s.sums[r]) / kn;
    const variance = 1 + 1 / kn;
    const d = u - mean;
    const lp = -0.5 * Math.log(variance) - (d * d) / (2 * variance);
    scratch[r] = lp;
    if (lp > maxLog) maxLog = lp;
  }
  let cp = 0;
  // Grow in place from the longest run down: new run r+1 takes old run r.
  s.probs.push(0);
  s.sums.push(0);
  s.counts.push(0);
  for (let r = n - 1; r >= 0; r--) {
    const joint = s.probs[r] * Math.exp(scratch[r] - maxLog);
    s.probs[r + 1] = joint * (1 - opts.hazard);
    s.sums[r + 1] = s.sums[r] + u;
    s.counts[r + 1] = s.counts[r] + 1;
    cp += joint * opts.hazard;
  }
  s.probs[0] = cp;
  s.sums[0] = u;
  s.counts[0] = 1;
  // Truncate: merge the two longest hypotheses (statistics of the more probable one).
  while (s.probs.length > opts.maxRuns) {
    const b = s.probs.length - 1;
    const a = b - 1;
    if (s.probs[b] > s.probs[a]) {
      s.sums[a] = s.sums[b];
      s.counts[a] = s.counts[b];
    }
    s.probs[a] += s.probs[b];
    s.probs.pop();
    s.sums.pop();
    s.counts.pop();
  }
  let total = 0;
  for (const p of s.probs) total += p;
  if (!(total > 0)) {
    // Every hypothesis was impossible: restart from a change at this point.
    s.probs = [1];
    s.sums = [u];
    s.counts = [1];
    return { changeProbability: 1, runLength: 1 };
  }
  let recent = 0;
  let best = 0;
  for (let r = 0; r < s.probs.length; r++) {
    s.probs[r] /= total;
    if (r > 0 && r <= opts.recentRuns) recent += s.probs[r];
    if (s.probs[r] > s.probs[best]) best = r;
  }
  return { changeProbability: recent, runLength: s.counts[best] };
}
