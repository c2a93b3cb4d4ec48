// Small robust statistics helpers.

/** Median of finite values (NaN when there are none). Does not modify its input. */
export function median(values: ArrayLike<number>): number {
  const xs = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++)
    if (Number.isFinite(values[i])) xs[n++] = values[i];
  if (!n) return NaN;
  const mid = n >> 1;
  const upper = select(xs, n, mid);
  if (n % 2) return upper;
  // After selection everything left of mid is <= xs[mid]: the lower middle is their max.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (xs[i] > lower) lower = xs[i];
  return (lower + upper) / 2;
}

/** Quickselect: the k-th smallest of xs[0..n), partially reordering xs (linear on average). */
function select(xs: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i] < pivot) i++;
      while (xs[j] > pivot) j--;
      if (i <= j) {
        const t = xs[i];
        xs[i] = xs[j];
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return xs[k];
}

/** Median absolute deviation around `center` (unscaled). */
export function mad(values: ArrayLike<number>, center: number): number {
  const dev = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) dev[i] = Math.abs(values[i] - center);
  return median(dev);
}

/** Consistency constant: 1.4826 * MAD estimates the standard deviation of normal data. */
export const MAD_SCALE = 1.4826;

/** Least-squares slope of `ys` against `xs` (0 when undefined). */
export function slope(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(ys[i])) continue;
    n++;
    sx += xs[i];
    sy += ys[i];
  }
  if (n < 2) return 0;
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(ys[i])) continue;
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}
