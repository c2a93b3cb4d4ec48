// Embedding providers: the provider interface and the built-in local embedder — hashed word, word-bigram and
// character n-gram TF-IDF features (feature hashing, Weinberger et al. 2009) reduced by LSA (truncated SVD).
import { tokenize, splitIdentifier, STOPWORDS } from './analyze';
import { CsrMatrix, randomizedSvd } from './svd';

export interface EmbeddingProvider {
  /** Identifies the model: vectors from providers with different ids must not be compared. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** FNV-1a 32-bit. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface LocalEmbedderOptions {
  /** Output dimensions (LSA rank; zero-padded when the corpus supports fewer). Default 128. */
  dimensions?: number;
  /** log2 of the hashed feature space. Default 17. */
  hashBits?: number;
  /** Character n-gram sizes. Default [3, 5]. */
  charGrams?: [number, number];
  /** Most texts the SVD is fitted on (an evenly spaced sample beyond that). Default 8000. */
  maxFitTexts?: number;
  seed?: number;
}

export interface LocalEmbedderState {
  version: 1;
  options: Required<LocalEmbedderOptions>;
  fingerprint: string;
  /** Active feature bucket -> row of the projection. */
  buckets: Int32Array;
  idf: Float32Array;
  /** Projection rows (buckets.length x dimensions), row-major. */
  projection: Float32Array;
}

/** Reused accumulator over the hashed feature space (reset after each text). */
let scratch = new Float64Array(0);

/** FNV-1a state after hashing the prefix "c:" (character n-gram namespace). */
const CHAR_SEED = fnv1a('c:') | 0;

/** Sparse hashed features of a text: parallel bucket / weight arrays, bucket-sorted, summed. */
export function hashedFeatures(
  text: string,
  hashBits: number,
  charGrams: [number, number],
): { buckets: Int32Array; weights: Float64Array } {
  const mask = (1 << hashBits) - 1;
  if (scratch.length < mask + 1) scratch = new Float64Array(mask + 1);
  const acc = scratch;
  const touched: number[] = [];
  const bump = (b: number, w: number) => {
    if (acc[b] === 0) touched.push(b);
    acc[b] += w;
  };
  const add = (key: string, w: number) => bump(fnv1a(key) & mask, w);
  const toks = tokenize(text);
  let prev: string | undefined;
  let prevPos = -2;
  for (const t of toks) {
    if (t.term.includes('_')) {
      add(`w:${t.term}`, 0.5);
      continue;
    }
    add(`w:${t.term}`, 1);
    if (prev !== undefined && t.position === prevPos + 1)
      add(`b:${prev} ${t.term}`, 0.5);
    prev = t.term;
    prevPos = t.position;
  }
  // Character n-grams of the unstemmed word parts tie together inflections and compounds (crashlooping vs
  // crash looping) that stems and whole words miss. Hashes are extended char by char (no substrings).
  const [lo, hi] = charGrams;
  for (const m of text.matchAll(/[\p{L}\p{N}_]+/gu)) {
    for (const part of splitIdentifier(m[0])) {
      const w = part.toLowerCase();
      if (w.length < 3 || STOPWORDS.has(w) || /^\d+$/.test(w)) continue;
      const len = w.length + 2; // with '<' and '>' boundary marks
      const at = (i: number) => {
        if (i === 0) return 60;
        return i === len - 1 ? 62 : w.charCodeAt(i - 1);
      };
      let n = 0;
      for (let g = lo; g <= hi; g++) n += Math.max(0, len - g + 1);
      const weight = 1 / Math.max(1, n);
      for (let i = 0; i + lo <= len; i++) {
        let h = CHAR_SEED;
        for (let g = 1; g <= hi && i + g <= len; g++) {
          h = Math.imul(h ^ at(i + g - 1), 0x01000193);
          if (g >= lo) bump((h >>> 0) & mask, weight);
        }
      }
    }
  }
  touched.sort((a, b) => a - b);
  const buckets = Int32Array.from(touched);
  const weights = new Float64Array(buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    // Sublinear tf above one occurrence; fractional (character n-gram) weights stay as they are.
    const c = acc[buckets[i]];
    weights[i] = c > 1 ? 1 + Math.log(c) : c;
    acc[buckets[i]] = 0;
  }
  return { buckets, weights };
}

function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

/**
 * Local embedder with no model download and no network. Before `fit` it is a signed feature-hashing
 * projection of the same features (deterministic, corpus-free); after `fit` on the user's own chunks it is
 * LSA: TF-IDF rows projected on the top right singular vectors. `id` changes with every fit, so callers
 * re-embed stored chunks after refitting.
 */
export class LocalEmbedder implements EmbeddingProvider {
  readonly dimensions: number;
  private readonly opts: Required<LocalEmbedderOptions>;
  private state?: LocalEmbedderState;
  private rowOf?: Int32Array;

  constructor(options: LocalEmbedderOptions = {}) {
    this.opts = {
      dimensions: options.dimensions ?? 128,
      hashBits: options.hashBits ?? 17,
      charGrams: options.charGrams ?? [3, 5],
      maxFitTexts: options.maxFitTexts ?? 8000,
      seed: options.seed ?? 42,
    };
    this.dimensions = this.opts.dimensions;
  }

  get id(): string {
    return this.state
      ? `local-lsa-${this.dimensions}-${this.state.fingerprint}`
      : `local-hash-${this.dimensions}-${this.opts.hashBits}`;
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  /** Fits IDF and the LSA projection on a corpus (deterministic for the same texts and options). */
  fit(texts: string[]): void {
    const { hashBits, charGrams, maxFitTexts, dimensions, seed } = this.opts;
    const step = Math.max(1, texts.length / maxFitTexts);
    const sample: string[] = [];
    for (let i = 0; i < texts.length && sample.length < maxFitTexts; i += step)
      sample.push(texts[Math.floor(i)]);
    const feats = sample.map(t => hashedFeatures(t, hashBits, charGrams));
    const df = new Map<number, number>();
    for (const f of feats)
      for (const b of f.buckets) df.set(b, (df.get(b) ?? 0) + 1);
    // Features seen in a single text cannot co-occur with anything: they add noise, not topics.
    const active = [...df.keys()]
      .filter(b => df.get(b)! >= 2)
      .sort((a, b) => a - b);
    if (active.length === 0) return;
    const col = new Map<number, number>();
    active.forEach((b, i) => col.set(b, i));
    const idf = new Float32Array(active.length);
    active.forEach((b, i) => {
      idf[i] = Math.log((1 + sample.length) / (1 + df.get(b)!)) + 1;
    });
    const rowPtr = new Int32Array(sample.length + 1);
    const colIdx: number[] = [];
    const vals: number[] = [];
    feats.forEach((f, r) => {
      let norm = 0;
      const start = colIdx.length;
      f.buckets.forEach((b, i) => {
        const c = col.get(b);
        if (c === undefined) return;
        const v = f.weights[i] * idf[c];
        colIdx.push(c);
        vals.push(v);
        norm += v * v;
      });
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let p = start; p < vals.length; p++) vals[p] *= inv;
      rowPtr[r + 1] = colIdx.length;
    });
    const a: CsrMatrix = {
      rows: sample.length,
      cols: active.length,
      rowPtr,
      colIdx: Int32Array.from(colIdx),
      vals: Float64Array.from(vals),
    };
    const svd = randomizedSvd(a, dimensions, { seed, powerIterations: 2 });
    const projection = new Float32Array(active.length * dimensions);
    for (let c = 0; c < active.length; c++)
      for (let t = 0; t < svd.k; t++)
        projection[c * dimensions + t] = svd.v[c * svd.k + t];
    let h = fnv1a(`${sample.length}:${active.length}`);
    for (let i = 0; i < svd.k; i++) h = fnv1a(svd.sigma[i].toFixed(6), h);
    this.load({
      version: 1,
      options: this.opts,
      fingerprint: h.toString(16).padStart(8, '0'),
      buckets: Int32Array.from(active),
      idf,
      projection,
    });
  }

  /** The fitted model, to persist (typed arrays) and restore with `load`. */
  export(): LocalEmbedderState | undefined {
    return this.state;
  }

  load(state: LocalEmbedderState): void {
    this.state = state;
    this.rowOf = new Int32Array(1 << state.options.hashBits).fill(-1);
    state.buckets.forEach((b, i) => {
      this.rowOf![b] = i;
    });
  }

  /** Synchronous embedding (the async `embed` only wraps it to satisfy the provider interface). */
  embedSync(text: string): Float32Array {
    const { hashBits, charGrams, dimensions } = this.opts;
    const f = hashedFeatures(text, hashBits, charGrams);
    const out = new Float32Array(dimensions);
    if (!this.state || !this.rowOf) {
      for (let i = 0; i < f.buckets.length; i++) {
        const h = fnv1a(String(f.buckets[i]), 0x9747b28c);
        out[h % dimensions] += (h & 0x80000000 ? -1 : 1) * f.weights[i];
      }
      return normalize(out);
    }
    const { idf, projection } = this.state;
    for (let i = 0; i < f.buckets.length; i++) {
      const row = this.rowOf[f.buckets[i]];
      if (row < 0) continue;
      const w = f.weights[i] * idf[row];
      const o = row * dimensions;
      for (let t = 0; t < dimensions; t++) out[t] += w * projection[o + t];
    }
    return normalize(out);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map(t => this.embedSync(t));
  }
}
