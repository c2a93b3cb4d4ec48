/*
 * Memory-leak style slope detector: Theil-Sen slope and Mann-Kendall trend test on a downsampled long
 * window (bucket means, seasonal part removed). Fires only on sustained, mostly monotone growth (or
 * decline) that is large against the series' noise.
 */

/** Slope test parameters. */
export interface SlopeOptions {
  /** Buckets in the window (most recent ones). */
  window: number;
  /** Minimum Kendall tau (share of concordant minus discordant pairs). */
  minTau: number;
  /** Minimum total change over the window, in robust sigmas of the point residuals. */
  minGrowthSigmas: number;
}

/** Result of a slope test. */
export interface SlopeResult {
  /** Theil-Sen slope per bucket (0 when the trend test already rejects). */
  slope: number;
  /** Kendall's tau in [-1, 1]. */
  tau: number;
  /** Mann-Kendall normal score. */
  z: number;
  /** Slope times the window length, in robust sigmas. */
  growthSigmas: number;
  fired: boolean;
  /** In [0, 1]. */
  score: number;
}

/**
 * Tests `values` (oldest first; null = empty bucket, skipped) for a monotone trend; `scale` is the robust
 * scale of point residuals.
 */
export function slopeTest(
  values: readonly (number | null)[],
  scale: number,
  opts: SlopeOptions,
): SlopeResult | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  const start = Math.max(0, values.length - opts.window);
  for (let i = start; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue;
    xs.push(i);
    ys.push(v);
  }
  const n = ys.length;
  if (n < Math.max(8, opts.window / 2)) return undefined;
  // Mann-Kendall first (cheap); the Theil-Sen slope (sorting all pairwise slopes) only when it trends.
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = ys[j] - ys[i];
      s += Math.sign(d);
    }
  }
  const m = (n * (n - 1)) / 2;
  const tau = s / m;
  const variance = (n * (n - 1) * (2 * n + 5)) / 18;
  const z = (s - Math.sign(s)) / Math.sqrt(variance);
  if (Math.abs(tau) < opts.minTau) {
    return { slope: 0, tau, z, growthSigmas: 0, fired: false, score: 0 };
  }
  const slopes = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) slopes[k++] = (ys[j] - ys[i]) / (xs[j] - xs[i]);
  }
  slopes.sort();
  const slope = m % 2 ? slopes[(m - 1) / 2] : (slopes[m / 2 - 1] + slopes[m / 2]) / 2;
  const span = xs[n - 1] - xs[0];
  const growthSigmas = scale > 0 ? (slope * span) / scale : 0;
  const fired =
    Math.abs(tau) >= opts.minTau &&
    Math.abs(growthSigmas) >= opts.minGrowthSigmas &&
    Math.sign(tau) === Math.sign(growthSigmas);
  const score = fired
    ? Math.min(
        1,
        0.5 +
          0.5 *
            Math.min(
              (Math.abs(tau) - opts.minTau) / (1 - opts.minTau + 1e-9),
              1,
            ),
      )
    : 0;
  return { slope, tau, z, growthSigmas, fired, score };
}
