// BM25F ranking (Robertson, Zaragoza & Taylor 2004, "simple BM25F") over an inverted index with typed-array
// postings: per-field length normalisation and boosts (title, heading path, body), incremental add/remove.
import { TopK } from './topk';

export type Bm25Field = 'title' | 'headings' | 'body';
const FIELDS: Bm25Field[] = ['title', 'headings', 'body'];
const NF = 3;

export interface Bm25Options {
  k1: number;
  /** Field boosts (weights on the per-field normalised term frequencies). */
  boost: Record<Bm25Field, number>;
  /** Per-field length normalisation strength. */
  b: Record<Bm25Field, number>;
}

export const DEFAULT_BM25: Bm25Options = {
  k1: 1.2,
  boost: { title: 3, headings: 2, body: 1 },
  b: { title: 0.3, headings: 0.4, body: 0.75 },
};

export type FieldTerms = Record<Bm25Field, string[]>;

export interface QueryTerm {
  term: string;
  weight: number;
}

class Postings {
  ids = new Int32Array(4);
  tf = new Uint16Array(4 * NF);
  n = 0;
  df = 0;
  dead = 0;
  push(id: number, tfs: number[]): void {
    if (this.n === this.ids.length) {
      const ids = new Int32Array(this.n * 2);
      ids.set(this.ids);
      this.ids = ids;
      const tf = new Uint16Array(this.n * 2 * NF);
      tf.set(this.tf);
      this.tf = tf;
    }
    this.ids[this.n] = id;
    for (let f = 0; f < NF; f++)
      this.tf[this.n * NF + f] = Math.min(65535, tfs[f]);
    this.n++;
    this.df++;
  }
  compact(alive: Uint8Array): void {
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      if (!alive[this.ids[r]]) continue;
      this.ids[w] = this.ids[r];
      for (let f = 0; f < NF; f++) this.tf[w * NF + f] = this.tf[r * NF + f];
      w++;
    }
    this.n = w;
    this.dead = 0;
  }
}

export class Bm25Index {
  private readonly options: Bm25Options;
  private readonly dict = new Map<string, number>();
  private readonly terms: string[] = [];
  /** 1 / (1 - b + b * len / avglen) per slot and field, recomputed after the index changed. */
  private norms = new Float32Array(0);
  private version = 0;
  private normsVersion = -1;
  private readonly postings: Postings[] = [];
  private lengths = new Float32Array(0);
  private alive = new Uint8Array(0);
  private termsOf: (Int32Array | undefined)[] = [];
  private readonly totalLen = new Float64Array(NF);
  private count = 0;
  private scratch = new Float32Array(0);
  private seen = new Uint8Array(0);

  constructor(options: Partial<Bm25Options> = {}) {
    this.options = { ...DEFAULT_BM25, ...options };
  }

  get size(): number {
    return this.count;
  }

  private ensure(id: number): void {
    if (id < this.alive.length) return;
    const cap = Math.max(id + 1, this.alive.length * 2, 64);
    const lengths = new Float32Array(cap * NF);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const alive = new Uint8Array(cap);
    alive.set(this.alive);
    this.alive = alive;
    this.scratch = new Float32Array(cap);
    this.seen = new Uint8Array(cap);
  }

  /** Indexes slot `id` (replacing whatever it held). */
  add(id: number, fields: FieldTerms): void {
    if (id < this.alive.length && this.alive[id]) this.remove(id);
    this.ensure(id);
    const tfs = new Map<number, number[]>();
    FIELDS.forEach((f, fi) => {
      const terms = fields[f];
      this.lengths[id * NF + fi] = terms.length;
      this.totalLen[fi] += terms.length;
      for (const t of terms) {
        let tid = this.dict.get(t);
        if (tid === undefined) {
          tid = this.postings.length;
          this.dict.set(t, tid);
          this.terms.push(t);
          this.postings.push(new Postings());
        }
        let v = tfs.get(tid);
        if (!v) {
          v = [0, 0, 0];
          tfs.set(tid, v);
        }
        v[fi]++;
      }
    });
    const ids = new Int32Array(tfs.size);
    let k = 0;
    for (const [tid, v] of tfs) {
      this.postings[tid].push(id, v);
      ids[k++] = tid;
    }
    this.termsOf[id] = ids;
    this.alive[id] = 1;
    this.count++;
    this.version++;
  }

  remove(id: number): void {
    if (id >= this.alive.length || !this.alive[id]) return;
    this.alive[id] = 0;
    this.count--;
    this.version++;
    for (let fi = 0; fi < NF; fi++)
      this.totalLen[fi] -= this.lengths[id * NF + fi];
    for (const tid of this.termsOf[id] ?? []) {
      const p = this.postings[tid];
      p.df--;
      p.dead++;
    }
    this.termsOf[id] = undefined;
  }

  /** Id of an indexed term (ids are stable for the index's lifetime). */
  termId(term: string): number | undefined {
    return this.dict.get(term);
  }

  term(id: number): string {
    return this.terms[id];
  }

  /** Distinct term ids of a live slot (all fields). */
  slotTerms(id: number): Int32Array | undefined {
    return this.termsOf[id];
  }

  private refreshNorms(): void {
    if (this.normsVersion === this.version) return;
    const { b } = this.options;
    const bf = FIELDS.map(f => b[f]);
    const avg = FIELDS.map((_, fi) =>
      Math.max(1e-9, this.totalLen[fi] / Math.max(1, this.count)),
    );
    if (this.norms.length !== this.lengths.length)
      this.norms = new Float32Array(this.lengths.length);
    for (let id = 0; id < this.alive.length; id++) {
      if (!this.alive[id]) continue;
      for (let fi = 0; fi < NF; fi++) {
        this.norms[id * NF + fi] =
          1 / (1 - bf[fi] + (bf[fi] * this.lengths[id * NF + fi]) / avg[fi]);
      }
    }
    this.normsVersion = this.version;
  }

  /** Document frequency of a term (live slots). */
  df(term: string): number {
    const tid = this.dict.get(term);
    return tid === undefined ? 0 : this.postings[tid].df;
  }

  /** Robertson-Sparck Jones idf, floored at 0 by the +1 inside the log. */
  idf(term: string): number {
    const df = this.df(term);
    return Math.log(1 + (this.count - df + 0.5) / (df + 0.5));
  }

  /** Best `k` slots for weighted query terms; `allow` restricts to a slot subset. */
  search(
    query: QueryTerm[],
    k: number,
    allow?: (id: number) => boolean,
  ): { id: number; score: number }[] {
    if (this.count === 0 || query.length === 0) return [];
    const { k1, boost } = this.options;
    this.refreshNorms();
    const w0 = boost.title;
    const w1 = boost.headings;
    const w2 = boost.body;
    const norms = this.norms;
    const alive = this.alive;
    const scores = this.scratch;
    const seen = this.seen;
    const touched: number[] = [];
    for (const q of query) {
      const tid = this.dict.get(q.term);
      if (tid === undefined) continue;
      const p = this.postings[tid];
      if (p.df === 0) continue;
      if (p.dead > p.n / 4) p.compact(alive);
      const idf =
        Math.log(1 + (this.count - p.df + 0.5) / (p.df + 0.5)) * q.weight;
      const ids = p.ids;
      const tf = p.tf;
      const scale = idf * (k1 + 1);
      for (let i = 0; i < p.n; i++) {
        const id = ids[i];
        if (!alive[id]) continue;
        const o = id * NF;
        const t = i * NF;
        const x =
          w0 * tf[t] * norms[o] +
          w1 * tf[t + 1] * norms[o + 1] +
          w2 * tf[t + 2] * norms[o + 2];
        if (!seen[id]) {
          seen[id] = 1;
          scores[id] = 0;
          touched.push(id);
        }
        scores[id] += (scale * x) / (k1 + x);
      }
    }
    const top = new TopK(k);
    for (const id of touched) {
      seen[id] = 0;
      if (allow && !allow(id)) continue;
      top.push(id, scores[id]);
    }
    return top.sorted();
  }
}
