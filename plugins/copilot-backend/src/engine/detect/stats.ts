/*
 * Numerical helpers for the detectors: normal and Student-t distributions (CDF and inverse, via the
 * regularised incomplete beta function), Poisson tails, medians and MAD, exponential-weight constants and
 * a seeded PRNG for tests. Pure functions, no dependencies.
 */

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; ~1e-15 relative error). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028,
    771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) {
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const xx = x - 1;
  let a = c[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt =
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const bt = Math.exp(lbt);
  if (x < (a + 1) / (a + b + 2)) return (bt * betaContinuedFraction(a, b, x)) / a;
  return 1 - (bt * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** CDF of Student's t distribution with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * Inverse CDF of Student's t with `df` degrees of freedom: a normal-based start (Cornish-Fisher) refined
 * by safeguarded Newton steps on `tCdf`, falling back to bisection.
 */
export function tQuantile(p: number, df: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  const z = normalQuantile(p);
  const z3 = z * z * z;
  let t = z + (z3 + z) / (4 * df) + (5 * z3 * z * z + 16 * z3 + 3 * z) / (96 * df * df);
  let lo = 0;
  let hi = Math.max(2 * t, 10);
  while (tCdf(hi, df) < p) hi *= 2;
  if (!(t > lo && t < hi)) t = (lo + hi) / 2;
  const logNorm = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  for (let i = 0; i < 100; i++) {
    const f = tCdf(t, df) - p;
    if (Math.abs(f) < 1e-14) break;
    if (f > 0) hi = t;
    else lo = t;
    const pdf = Math.exp(logNorm - ((df + 1) / 2) * Math.log(1 + (t * t) / df));
    let next = t - f / pdf;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) < 1e-13 * Math.max(1, Math.abs(t))) {
      t = next;
      break;
    }
    t = next;
  }
  return t;
}

/** Complementary error function (Numerical Recipes' erfcc Chebyshev fit, 1.2e-7 relative error). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Upper tail P(Z > z) of the standard normal. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * -ln P(Z > z) for the standard normal, accurate far in the tail (asymptotic Mills ratio beyond z = 8).
 */
export function normalLogSurprise(z: number): number {
  if (z < 8) return -Math.log(Math.max(normalUpperTail(z), 1e-300));
  return (z * z) / 2 + Math.log(z) + 0.5 * Math.log(2 * Math.PI) + Math.log(1 + 1 / (z * z));
}

/**
 * -ln P(|T| > |t|) for Student's t with 4 degrees of freedom (closed form without cancellation):
 * P(|T| > t) = (1 - s)^2 (2 + s) / 2 with s = t / sqrt(4 + t^2). The heavy-tailed residual model.
 */
export function t4TwoSidedSurprise(t: number): number {
  const a = Math.abs(t);
  const r = Math.sqrt(4 + a * a);
  const oneMinusS = 4 / (r * (r + a));
  const s = a / r;
  return -Math.log((oneMinusS * oneMinusS * (2 + s)) / 2);
}

/** P(X >= k) for X ~ Poisson(lambda), k an integer >= 0 (series summation; fine for lambda < ~1e3). */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  const kk = Math.ceil(k);
  if (lambda > 500) {
    // Normal approximation with continuity correction.
    return normalUpperTail((kk - 0.5 - lambda) / Math.sqrt(lambda));
  }
  // P(X >= k) = 1 - sum_{i<k} pmf(i); sum the upper tail directly when k > lambda for precision.
  if (kk > lambda) {
    let term = Math.exp(-lambda + kk * Math.log(lambda) - logGamma(kk + 1));
    let sum = 0;
    for (let i = kk; i < kk + 1000; i++) {
      sum += term;
      term *= lambda / (i + 1);
      if (term < sum * 1e-16) break;
    }
    return Math.min(1, sum);
  }
  let term = Math.exp(-lambda);
  let sum = 0;
  for (let i = 0; i < kk; i++) {
    sum += term;
    term *= lambda / (i + 1);
  }
  return Math.max(0, 1 - sum);
}

/** Median of a numeric array (copy-sorted; NaN-free input expected). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median absolute deviation around the median, scaled by 1.4826 to estimate a normal sigma. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map(v => Math.abs(v - m)));
}

/** The per-step weight of an exponential average whose weights halve after `halfLife` steps. */
export function ewAlpha(halfLife: number): number {
  return 1 - Math.pow(0.5, 1 / Math.max(halfLife, 1e-9));
}

/** Clamps x into [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Deterministic PRNG (mulberry32) returning floats in [0, 1); for tests and reproducible sampling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draw from a uniform PRNG (Box-Muller). */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
