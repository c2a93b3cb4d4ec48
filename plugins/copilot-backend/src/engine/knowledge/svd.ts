// Truncated SVD of a sparse matrix by randomized range finding with power iterations (Halko, Martinsson &
// Tropp 2011, algorithms 4.4 + 5.1), a modified Gram-Schmidt QR and a cyclic Jacobi eigen-solver, Float64Array.

/** Compressed sparse rows: row r holds cols[rowPtr[r]..rowPtr[r+1]) with vals. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  vals: Float64Array;
}

/** Deterministic PRNG (mulberry32). */
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

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Y (rows x l) = A * X (cols x l), both row-major. */
function mulA(a: CsrMatrix, x: Float64Array, l: number): Float64Array {
  const y = new Float64Array(a.rows * l);
  for (let r = 0; r < a.rows; r++) {
    const yo = r * l;
    for (let p = a.rowPtr[r]; p < a.rowPtr[r + 1]; p++) {
      const v = a.vals[p];
      const xo = a.colIdx[p] * l;
      for (let j = 0; j < l; j++) y[yo + j] += v * x[xo + j];
    }
  }
  return y;
}

/** Z (cols x l) = A^T * Q (rows x l). */
function mulAt(a: CsrMatrix, q: Float64Array, l: number): Float64Array {
  const z = new Float64Array(a.cols * l);
  for (let r = 0; r < a.rows; r++) {
    const qo = r * l;
    for (let p = a.rowPtr[r]; p < a.rowPtr[r + 1]; p++) {
      const v = a.vals[p];
      const zo = a.colIdx[p] * l;
      for (let j = 0; j < l; j++) z[zo + j] += v * q[qo + j];
    }
  }
  return z;
}

/** Orthonormalises the l columns of a row-major n x l matrix in place (MGS, two passes by default); null columns stay 0. */
export function orthonormalize(
  m: Float64Array,
  n: number,
  l: number,
  passes = 2,
): void {
  // Work on contiguous column copies: strided access over row-major storage is several times slower.
  const cols: Float64Array[] = [];
  for (let j = 0; j < l; j++) {
    const c = new Float64Array(n);
    for (let r = 0; r < n; r++) c[r] = m[r * l + j];
    cols.push(c);
  }
  for (let pass = 0; pass < passes; pass++) {
    for (let j = 0; j < l; j++) {
      const cj = cols[j];
      for (let i = 0; i < j; i++) {
        const ci = cols[i];
        let dot = 0;
        for (let r = 0; r < n; r++) dot += ci[r] * cj[r];
        if (dot !== 0) for (let r = 0; r < n; r++) cj[r] -= dot * ci[r];
      }
      let norm = 0;
      for (let r = 0; r < n; r++) norm += cj[r] * cj[r];
      norm = Math.sqrt(norm);
      const inv = norm > 1e-10 ? 1 / norm : 0;
      for (let r = 0; r < n; r++) cj[r] *= inv;
    }
  }
  for (let j = 0; j < l; j++) {
    const c = cols[j];
    for (let r = 0; r < n; r++) m[r * l + j] = c[r];
  }
}

/** Eigen-decomposition of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations. */
export function symmetricEigen(
  input: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p * n + p] ** 2;
      for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    }
    if (off <= 1e-24 * diag || off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (
          Math.abs(apq) <=
            1e-14 * Math.sqrt(Math.abs(a[p * n + p] * a[q * n + q])) ||
          apq === 0
        )
          continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t =
          Math.sign(theta || 1) /
          (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

export interface TruncatedSvd {
  k: number;
  /** Singular values, descending. */
  sigma: Float64Array;
  /** Right singular vectors, row-major cols x k (row c = column c's coordinates). */
  v: Float64Array;
}

/** Rank-k truncated SVD of A (returns V and sigma; U = A V / sigma is not needed for fold-in). */
export function randomizedSvd(
  a: CsrMatrix,
  k: number,
  options: {
    oversample?: number;
    powerIterations?: number;
    seed?: number;
  } = {},
): TruncatedSvd {
  const l = Math.min(k + (options.oversample ?? 16), a.rows, a.cols);
  const rand = mulberry32(options.seed ?? 42);
  const omega = new Float64Array(a.cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = gaussian(rand);
  let q = mulA(a, omega, l);
  orthonormalize(q, a.rows, l);
  for (let it = 0; it < (options.powerIterations ?? 2); it++) {
    const z = mulAt(a, q, l);
    // One pass suffices between power steps: it only has to keep the columns from collapsing.
    orthonormalize(z, a.cols, l, 1);
    q = mulA(a, z, l);
    orthonormalize(q, a.rows, l);
  }
  const bt = mulAt(a, q, l); // B^T = A^T Q, cols x l
  const bbt = new Float64Array(l * l);
  for (let c = 0; c < a.cols; c++) {
    const o = c * l;
    for (let i = 0; i < l; i++) {
      const x = bt[o + i];
      if (x === 0) continue;
      for (let j = i; j < l; j++) bbt[i * l + j] += x * bt[o + j];
    }
  }
  for (let i = 0; i < l; i++)
    for (let j = 0; j < i; j++) bbt[i * l + j] = bbt[j * l + i];
  const { values, vectors } = symmetricEigen(bbt, l);
  const order = [...values.keys()].sort((x, y) => values[y] - values[x]);
  const kk = Math.min(k, l);
  const sigma = new Float64Array(kk);
  const v = new Float64Array(a.cols * kk);
  for (let t = 0; t < kk; t++) {
    const e = order[t];
    const s = Math.sqrt(Math.max(values[e], 0));
    sigma[t] = s;
    if (s < 1e-10) continue;
    // v_t = B^T u_t / sigma_t
    for (let c = 0; c < a.cols; c++) {
      let dot = 0;
      const o = c * l;
      for (let i = 0; i < l; i++) dot += bt[o + i] * vectors[i * l + e];
      v[c * kk + t] = dot / s;
    }
  }
  return { k: kk, sigma, v };
}
