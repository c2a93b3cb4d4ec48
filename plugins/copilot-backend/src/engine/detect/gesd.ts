/*
 * Generalized ESD test for up to r outliers (Rosner 1983), with the exact t-distribution critical values
 * lambda_i = (n - i) t_{p, n-i-1} / sqrt((n - i - 1 + t^2)(n - i + 1)), p = 1 - alpha / (2 (n - i + 1)).
 */
import { tQuantile } from './stats';

/** Result of one generalized ESD test. */
export interface GesdResult {
  /** Number of outliers declared (the largest i with R_i > lambda_i). */
  outliers: number;
  /** Indices (into the input) of the declared outliers, most extreme first. */
  indices: number[];
  /** Test statistics R_1..R_r. */
  statistics: number[];
  /** Critical values lambda_1..lambda_r. */
  critical: number[];
}

const criticalCache = new Map<string, number>();

/** The GESD critical value lambda_i for sample size n, step i (1-based) and significance alpha. */
export function gesdCritical(n: number, i: number, alpha: number): number {
  const key = `${n}:${i}:${alpha}`;
  const hit = criticalCache.get(key);
  if (hit !== undefined) return hit;
  const p = 1 - alpha / (2 * (n - i + 1));
  const df = n - i - 1;
  const t = tQuantile(p, df);
  const lambda = ((n - i) * t) / Math.sqrt((df + t * t) * (n - i + 1));
  if (criticalCache.size > 10_000) criticalCache.clear();
  criticalCache.set(key, lambda);
  return lambda;
}

/**
 * Generalized ESD test on `values` (NaN-free) for at most `maxOutliers` outliers at significance `alpha`.
 * Two-sided: each step removes the value farthest from the mean of those remaining.
 */
export function generalizedEsd(
  values: readonly number[],
  maxOutliers: number,
  alpha = 0.05,
): GesdResult {
  const n = values.length;
  const r = Math.min(maxOutliers, n - 3);
  const removed = new Uint8Array(n);
  let sum = 0;
  let sumSq = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  const statistics: number[] = [];
  const critical: number[] = [];
  const order: number[] = [];
  let outliers = 0;
  for (let i = 1; i <= r; i++) {
    const m = n - i + 1;
    const mean = sum / m;
    const variance = Math.max(0, (sumSq - m * mean * mean) / (m - 1));
    const sd = Math.sqrt(variance);
    let best = -1;
    let bestDev = -1;
    for (let k = 0; k < n; k++) {
      if (removed[k]) continue;
      const dev = Math.abs(values[k] - mean);
      if (dev > bestDev) {
        bestDev = dev;
        best = k;
      }
    }
    const stat = sd > 0 ? bestDev / sd : 0;
    const lambda = gesdCritical(n, i, alpha);
    statistics.push(stat);
    critical.push(lambda);
    order.push(best);
    if (stat > lambda) outliers = i;
    removed[best] = 1;
    sum -= values[best];
    sumSq -= values[best] * values[best];
    if (sd === 0) break;
  }
  return { outliers, indices: order.slice(0, outliers), statistics, critical };
}
