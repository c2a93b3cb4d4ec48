// In-process vector index over unit-normalised float32 vectors: exact dot-product top-k over a candidate set
// or a full scan, with an optional inverted-file partition (k-means, Lloyd 1982) to narrow candidates.
import { mulberry32 } from './svd';
import { TopK } from './topk';

/** Float32 embedding to little-endian bytes (what the store keeps without pgvector). */
export function toBytes(v: Float32Array): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i], true);
  return out;
}

export function fromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0)
    throw new Error(
      `embedding byte length ${bytes.length} is not a multiple of 4`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function normalizeInPlace(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

export class VectorIndex {
  private data: Float32Array;
  private alive: Uint8Array;
  private live = 0;
  private capacity: number;
  private centroids?: Float32Array;
  private lists?: number[][];
  private listOf?: Int32Array;

  constructor(readonly dimensions: number, initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.data = new Float32Array(initialCapacity * dimensions);
    this.alive = new Uint8Array(initialCapacity);
  }

  get size(): number {
    return this.live;
  }

  get partitioned(): boolean {
    return this.centroids !== undefined;
  }

  private grow(id: number): void {
    if (id < this.capacity) return;
    let cap = this.capacity;
    while (cap <= id) cap *= 2;
    const data = new Float32Array(cap * this.dimensions);
    data.set(this.data);
    this.data = data;
    const alive = new Uint8Array(cap);
    alive.set(this.alive);
    this.alive = alive;
    if (this.listOf) {
      const l = new Int32Array(cap).fill(-1);
      l.set(this.listOf);
      this.listOf = l;
    }
    this.capacity = cap;
  }

  /** Stores a copy of `v`, normalised, in slot `id` (replacing the slot's previous vector). */
  set(id: number, v: Float32Array): void {
    if (v.length !== this.dimensions)
      throw new Error(
        `vector has ${v.length} dimensions, index has ${this.dimensions}`,
      );
    this.grow(id);
    if (this.alive[id]) this.remove(id);
    const o = id * this.dimensions;
    this.data.set(v, o);
    normalizeInPlace(this.data.subarray(o, o + this.dimensions));
    this.alive[id] = 1;
    this.live++;
    if (this.centroids && this.lists && this.listOf) {
      const c = this.nearestCentroid(
        this.data.subarray(o, o + this.dimensions),
      );
      this.lists[c].push(id);
      this.listOf[id] = c;
    }
  }

  remove(id: number): void {
    if (id >= this.capacity || !this.alive[id]) return;
    this.alive[id] = 0;
    this.live--;
    if (this.lists && this.listOf && this.listOf[id] >= 0) {
      const list = this.lists[this.listOf[id]];
      const at = list.indexOf(id);
      if (at >= 0) list.splice(at, 1);
      this.listOf[id] = -1;
    }
  }

  has(id: number): boolean {
    return id < this.capacity && this.alive[id] === 1;
  }

  dot(id: number, q: Float32Array): number {
    const d = this.dimensions;
    const o = id * d;
    const data = this.data;
    let s = 0;
    for (let j = 0; j < d; j++) s += data[o + j] * q[j];
    return s;
  }

  /** Exact top-k by cosine over `candidates` (all live slots when omitted). */
  search(
    query: Float32Array,
    k: number,
    candidates?: ArrayLike<number>,
  ): { id: number; score: number }[] {
    const q = normalizeInPlace(Float32Array.from(query));
    const top = new TopK(k);
    if (candidates) {
      for (let i = 0; i < candidates.length; i++) {
        const id = candidates[i];
        if (this.has(id)) top.push(id, this.dot(id, q));
      }
    } else {
      for (let id = 0; id < this.capacity; id++)
        if (this.alive[id]) top.push(id, this.dot(id, q));
    }
    return top.sorted();
  }

  private nearestCentroid(v: Float32Array): number {
    const c = this.centroids!;
    const d = this.dimensions;
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0, o = 0; o < c.length; i++, o += d) {
      let s = 0;
      for (let j = 0; j < d; j++) s += c[o + j] * v[j];
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    return best;
  }

  private nearestCentroids(v: Float32Array, n: number): number[] {
    const c = this.centroids!;
    const d = this.dimensions;
    const top = new TopK(n);
    for (let i = 0; i < c.length / d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += c[i * d + j] * v[j];
      top.push(i, s);
    }
    return top.sorted().map(e => e.id);
  }

  /**
   * Spherical k-means over the live vectors (sampled to at most 40 per list for training), then every vector
   * goes to its nearest centroid's list. Afterwards `probe` narrows a query to a few lists.
   */
  partition(
    lists: number,
    options: { iterations?: number; seed?: number } = {},
  ): void {
    const d = this.dimensions;
    const ids: number[] = [];
    for (let id = 0; id < this.capacity; id++) if (this.alive[id]) ids.push(id);
    const nl = Math.max(1, Math.min(lists, ids.length));
    const rand = mulberry32(options.seed ?? 7);
    const train =
      ids.length > nl * 40
        ? ids.filter(() => rand() < (nl * 40) / ids.length)
        : ids;
    const centroids = new Float32Array(nl * d);
    for (let i = 0; i < nl; i++) {
      const src = train[Math.floor((i * train.length) / nl)] * d;
      centroids.set(this.data.subarray(src, src + d), i * d);
    }
    this.centroids = centroids;
    const assign = new Int32Array(train.length);
    for (let it = 0; it < (options.iterations ?? 8); it++) {
      train.forEach((id, t) => {
        assign[t] = this.nearestCentroid(
          this.data.subarray(id * d, id * d + d),
        );
      });
      const sums = new Float32Array(nl * d);
      const counts = new Int32Array(nl);
      train.forEach((id, t) => {
        const c = assign[t];
        counts[c]++;
        for (let j = 0; j < d; j++) sums[c * d + j] += this.data[id * d + j];
      });
      for (let c = 0; c < nl; c++) {
        if (counts[c] === 0) continue; // keep an empty centroid where it was
        normalizeInPlace(sums.subarray(c * d, c * d + d));
        centroids.set(sums.subarray(c * d, c * d + d), c * d);
      }
    }
    this.lists = Array.from({ length: nl }, () => []);
    this.listOf = new Int32Array(this.capacity).fill(-1);
    for (const id of ids) {
      const c = this.nearestCentroid(this.data.subarray(id * d, id * d + d));
      this.lists[c].push(id);
      this.listOf[id] = c;
    }
  }

  /** Slots in the `nprobe` lists nearest the query (all live slots when the index is not partitioned). */
  probe(query: Float32Array, nprobe: number): Int32Array | undefined {
    if (!this.centroids || !this.lists) return undefined;
    const q = normalizeInPlace(Float32Array.from(query));
    const chosen = this.nearestCentroids(q, nprobe);
    let n = 0;
    for (const c of chosen) n += this.lists[c].length;
    const out = new Int32Array(n);
    let k = 0;
    for (const c of chosen) for (const id of this.lists[c]) out[k++] = id;
    return out;
  }
}
