// MinHash signatures (Broder 1997) over the token shingles of log templates, with a banded
// locality-sensitive hashing index, to find the templates of an entity most similar to a new one
// and flag templates unlike any seen before.

/** Variable position in a mined template; carries no feature. */
const WILDCARD = '<*>';
/** Mersenne prime 2^31 - 1, modulus of the universal hash functions. */
const P = 2147483647;
const TWO_POW_31 = 2147483648;
/** Signature slot of a template without features (above every hash value, which is < P). */
const EMPTY_SLOT = 0xffffffff;
const DEFAULT_NUM_HASHES = 64;
const DEFAULT_SHINGLE = 2;
const DEFAULT_SEED = 0x2545f491;
const DEFAULT_BANDS = 16;
const MAX_NUM_HASHES = 65536;
const JSON_VERSION = 1;

/** Options of `minhashSignature`. */
export interface MinHashOptions {
  /** Signature length: number of independent hash functions (default 64). */
  numHashes?: number;
  /** Length of the token n-grams, besides single tokens (default 2). */
  shingle?: number;
  /** Seed of the hash coefficients; signatures compare only under equal seeds. */
  seed?: number;
}

/** 32-bit FNV-1a over the UTF-16 code units of a string. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One murmur3 block step: mixes a 32-bit word into a running hash. */
function mixWord(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let r = h ^ k;
  r = (r << 13) | (r >>> 19);
  return (Math.imul(r, 5) + 0xe6546b64) | 0;
}

/** murmur3 finalizer. */
function fmix32(h: number): number {
  let r = h;
  r ^= r >>> 16;
  r = Math.imul(r, 0x85ebca6b);
  r ^= r >>> 13;
  r = Math.imul(r, 0xc2b2ae35);
  r ^= r >>> 16;
  return r >>> 0;
}

/** Coefficients of h_i(x) = (a_i * x + b_i) mod P, with a_i split in 15 high and 16 low bits. */
interface Coefficients {
  aHigh: Float64Array;
  aLow: Float64Array;
  b: Float64Array;
}

const coefficientCache = new Map<string, Coefficients>();
const MAX_CACHED_COEFFICIENTS = 32;
let lastCoefficients: Coefficients | undefined;
let lastNumHashes = -1;
let lastSeed = -1;

/** Coefficients for (numHashes, seed), drawn from a splitmix32 stream and cached. */
function coefficients(numHashes: number, seed: number): Coefficients {
  if (lastCoefficients && lastNumHashes === numHashes && lastSeed === seed) {
    return lastCoefficients;
  }
  const key = `${numHashes}:${seed}`;
  let found = coefficientCache.get(key);
  if (!found) {
    const aHigh = new Float64Array(numHashes);
    const aLow = new Float64Array(numHashes);
    const b = new Float64Array(numHashes);
    let state = seed | 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      return fmix32(state);
    };
    for (let i = 0; i < numHashes; i++) {
      const a = 1 + (next() % (P - 1));
      aHigh[i] = Math.floor(a / 65536);
      aLow[i] = a % 65536;
      b[i] = next() % P;
    }
    found = { aHigh, aLow, b };
    if (coefficientCache.size >= MAX_CACHED_COEFFICIENTS) {
      coefficientCache.clear();
    }
    coefficientCache.set(key, found);
  }
  lastCoefficients = found;
  lastNumHashes = numHashes;
  lastSeed = seed;
  return found;
}

/** Reused buffer of token hashes (the ingest path is single-threaded and this is not re-entered). */
let tokenHashes = new Uint32Array(64);

/** Lowers every slot of the signature to h_i(feature) where smaller. */
function applyFeature(
  sig: Uint32Array,
  coeff: Coefficients,
  featureHash: number,
): void {
  let x = featureHash;
  if (x >= P) x -= P;
  if (x >= P) x -= P;
  const { aHigh, aLow, b } = coeff;
  for (let i = 0; i < sig.length; i++) {
    // (aHigh * 2^16 + aLow) * x + b mod P, with every intermediate below 2^53; 2^31 = 1 mod P.
    let t = aHigh[i] * x;
    let q = Math.floor(t / TWO_POW_31);
    t = t - q * TWO_POW_31 + q;
    t = t * 65536 + aLow[i] * x + b[i];
    q = Math.floor(t / TWO_POW_31);
    t = t - q * TWO_POW_31 + q;
    if (t >= P) t -= P;
    if (t < sig[i]) sig[i] = t;
  }
}

function checkPositiveInteger(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `${name} must be an integer within [1, ${max}], got ${value}`,
    );
  }
}

/**
 * MinHash signature of a token list. Features are the single tokens and the `shingle`-grams of
 * consecutive tokens, after dropping `<*>` (so the remaining tokens are adjacent, and variable
 * positions do not change the signature). Each feature is hashed to 32 bits and slot i of the
 * signature keeps the least h_i(x) = (a_i * x + b_i) mod (2^31 - 1). A template without features
 * gets a signature of 0xffffffff slots. Deterministic for equal options.
 */
export function minhashSignature(
  tokens: readonly string[],
  options?: MinHashOptions,
): Uint32Array {
  const numHashes = options?.numHashes ?? DEFAULT_NUM_HASHES;
  const shingle = options?.shingle ?? DEFAULT_SHINGLE;
  const seed = options?.seed ?? DEFAULT_SEED;
  checkPositiveInteger(
    'minhashSignature: numHashes',
    numHashes,
    MAX_NUM_HASHES,
  );
  checkPositiveInteger('minhashSignature: shingle', shingle, 64);
  if (!Number.isInteger(seed)) {
    throw new RangeError(
      `minhashSignature: seed must be an integer, got ${seed}`,
    );
  }
  const coeff = coefficients(numHashes, seed | 0);
  const sig = new Uint32Array(numHashes).fill(EMPTY_SLOT);

  if (tokenHashes.length < tokens.length) {
    let size = tokenHashes.length;
    while (size < tokens.length) size *= 2;
    tokenHashes = new Uint32Array(size);
  }
  const hashes = tokenHashes;
  let n = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token !== WILDCARD) hashes[n++] = fnv1a(token);
  }

  for (let i = 0; i < n; i++) {
    applyFeature(sig, coeff, fmix32(mixWord(1, hashes[i]) ^ 1));
    if (shingle > 1 && i + shingle <= n) {
      let h = shingle;
      for (let j = 0; j < shingle; j++) h = mixWord(h, hashes[i + j]);
      applyFeature(sig, coeff, fmix32(h ^ shingle));
    }
  }
  return sig;
}

/** Estimated Jaccard similarity of the feature sets behind two signatures: share of equal slots. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) {
    throw new RangeError(
      `estimateJaccard: signatures differ in length (${a.length} vs ${b.length})`,
    );
  }
  if (a.length === 0) return 0;
  let equal = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) equal++;
  }
  return equal / a.length;
}

/** Little-endian bytes of a signature (4 per slot). */
export function signatureToBytes(sig: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(sig.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < sig.length; i++) view.setUint32(i * 4, sig[i], true);
  return bytes;
}

/**
 * Signature from `signatureToBytes` output; throws unless the length is a positive multiple of 4
 * (and, when given, equals 4 * expectedHashes).
 */
export function signatureFromBytes(
  bytes: Uint8Array,
  expectedHashes?: number,
): Uint32Array {
  if (bytes.length === 0 || bytes.length % 4 !== 0) {
    throw new RangeError(
      `signatureFromBytes: length must be a positive multiple of 4, got ${bytes.length}`,
    );
  }
  const n = bytes.length / 4;
  if (expectedHashes !== undefined && n !== expectedHashes) {
    throw new RangeError(
      `signatureFromBytes: expected ${expectedHashes} hashes (${
        expectedHashes * 4
      } bytes), got ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sig = new Uint32Array(n);
  for (let i = 0; i < n; i++) sig[i] = view.getUint32(i * 4, true);
  return sig;
}

const BASE64 =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_INDEX[BASE64.charCodeAt(i)] = i;

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const rest = bytes.length - i;
    const n =
      (bytes[i] << 16) |
      ((rest > 1 ? bytes[i + 1] : 0) << 8) |
      (rest > 2 ? bytes[i + 2] : 0);
    out += BASE64[(n >>> 18) & 63] + BASE64[(n >>> 12) & 63];
    out += rest > 1 ? BASE64[(n >>> 6) & 63] : '=';
    out += rest > 2 ? BASE64[n & 63] : '=';
  }
  return out;
}

function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error('invalid base64 length');
  let padding = 0;
  if (text.endsWith('==')) padding = 2;
  else if (text.endsWith('=')) padding = 1;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const last = i + 4 === text.length;
      if (c === 61 && last && j >= 4 - padding) {
        n <<= 6;
        continue;
      }
      const v = c < 128 ? BASE64_INDEX[c] : -1;
      if (v < 0) throw new Error('invalid base64 character');
      n = (n << 6) | v;
    }
    out[o++] = (n >>> 16) & 255;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Options of `LshIndex`: numHashes must be a multiple of bands. */
export interface LshIndexOptions {
  /** Signature length (default 64). */
  numHashes?: number;
  /** Bands the signature is cut into; rows per band = numHashes / bands (default 16). */
  bands?: number;
}

/** Persisted form of an `LshIndex`; signatures are base64 of their little-endian bytes. */
export interface LshIndexJSON {
  version: 1;
  numHashes: number;
  bands: number;
  entries: Array<{ id: string; signature: string }>;
}

/** An indexed id and its estimated Jaccard similarity to a query signature. */
export interface LshMatch {
  id: string;
  similarity: number;
}

/**
 * Banded LSH index over MinHash signatures: each band of `rows` slots is hashed to a bucket, and
 * ids sharing any bucket with a query are its candidates. With 16 bands of 4 rows, a pair of
 * Jaccard s becomes candidates with probability 1 - (1 - s^4)^16 (about 2.5% at s = 0.2, 64% at
 * 0.5, 99% at 0.7).
 */
export class LshIndex {
  readonly numHashes: number;
  readonly bands: number;
  readonly rows: number;
  private readonly signatures = new Map<string, Uint32Array>();
  private readonly buckets: Array<Map<number, Set<string>>>;

  constructor(options?: LshIndexOptions) {
    const numHashes = options?.numHashes ?? DEFAULT_NUM_HASHES;
    const bands = options?.bands ?? DEFAULT_BANDS;
    checkPositiveInteger('LshIndex: numHashes', numHashes, MAX_NUM_HASHES);
    checkPositiveInteger('LshIndex: bands', bands, numHashes);
    if (numHashes % bands !== 0) {
      throw new RangeError(
        `LshIndex: numHashes (${numHashes}) must be divisible by bands (${bands})`,
      );
    }
    this.numHashes = numHashes;
    this.bands = bands;
    this.rows = numHashes / bands;
    this.buckets = Array.from({ length: bands }, () => new Map());
  }

  /** Number of indexed signatures. */
  get size(): number {
    return this.signatures.size;
  }

  /** Whether an id is indexed. */
  has(id: string): boolean {
    return this.signatures.has(id);
  }

  /** Indexes a signature under an id, replacing any earlier signature of that id. */
  add(id: string, signature: Uint32Array): void {
    this.check(signature, 'add');
    if (this.signatures.has(id)) this.remove(id);
    this.signatures.set(id, signature.slice());
    for (let band = 0; band < this.bands; band++) {
      const key = this.bandKey(signature, band);
      const map = this.buckets[band];
      const bucket = map.get(key);
      if (bucket) bucket.add(id);
      else map.set(key, new Set([id]));
    }
  }

  /** Removes an id; returns whether it was indexed. */
  remove(id: string): boolean {
    const signature = this.signatures.get(id);
    if (!signature) return false;
    for (let band = 0; band < this.bands; band++) {
      const key = this.bandKey(signature, band);
      const map = this.buckets[band];
      const bucket = map.get(key);
      if (bucket) {
        bucket.delete(id);
        if (bucket.size === 0) map.delete(key);
      }
    }
    this.signatures.delete(id);
    return true;
  }

  /** Ids sharing at least one band bucket with the signature, in discovery order. */
  candidates(signature: Uint32Array): string[] {
    this.check(signature, 'candidates');
    const found = new Set<string>();
    for (let band = 0; band < this.bands; band++) {
      const bucket = this.buckets[band].get(this.bandKey(signature, band));
      if (bucket) for (const id of bucket) found.add(id);
    }
    return [...found];
  }

  /** Candidate with the highest estimated Jaccard similarity (ties: smallest id), if any. */
  nearest(signature: Uint32Array): LshMatch | undefined {
    this.check(signature, 'nearest');
    let bestId: string | undefined;
    let best = -1;
    const seen = new Set<string>();
    for (let band = 0; band < this.bands; band++) {
      const bucket = this.buckets[band].get(this.bandKey(signature, band));
      if (!bucket) continue;
      for (const id of bucket) {
        if (seen.has(id)) continue;
        seen.add(id);
        const similarity = estimateJaccard(signature, this.signatures.get(id)!);
        if (
          similarity > best ||
          (similarity === best && bestId !== undefined && id < bestId)
        ) {
          best = similarity;
          bestId = id;
        }
      }
    }
    return bestId === undefined ? undefined : { id: bestId, similarity: best };
  }

  /** Persisted form, in insertion order. */
  toJSON(): LshIndexJSON {
    const entries: LshIndexJSON['entries'] = [];
    for (const [id, signature] of this.signatures) {
      entries.push({ id, signature: toBase64(signatureToBytes(signature)) });
    }
    return {
      version: JSON_VERSION,
      numHashes: this.numHashes,
      bands: this.bands,
      entries,
    };
  }

  /** Rebuilds an index from `toJSON` output; throws a descriptive error on malformed input. */
  static fromJSON(json: unknown): LshIndex {
    const fail = (why: string): never => {
      throw new Error(`LshIndex.fromJSON: ${why}`);
    };
    if (typeof json !== 'object' || json === null) fail('expected an object');
    const value = json as Partial<Record<keyof LshIndexJSON, unknown>>;
    if (value.version !== JSON_VERSION) {
      fail(`unsupported version ${String(value.version)}`);
    }
    if (
      typeof value.numHashes !== 'number' ||
      typeof value.bands !== 'number'
    ) {
      fail('numHashes and bands must be numbers');
    }
    if (!Array.isArray(value.entries)) fail('entries must be an array');
    let index: LshIndex;
    try {
      index = new LshIndex({
        numHashes: value.numHashes as number,
        bands: value.bands as number,
      });
    } catch (e) {
      return fail((e as Error).message);
    }
    for (const entry of value.entries as unknown[]) {
      const { id, signature } = (entry ?? {}) as {
        id?: unknown;
        signature?: unknown;
      };
      if (typeof id !== 'string' || typeof signature !== 'string') {
        fail('each entry needs a string id and a string signature');
      }
      let sig: Uint32Array;
      try {
        sig = signatureFromBytes(
          fromBase64(signature as string),
          index.numHashes,
        );
      } catch (e) {
        return fail(`entry ${String(id)}: ${(e as Error).message}`);
      }
      index.add(id as string, sig);
    }
    return index;
  }

  private check(signature: Uint32Array, method: string): void {
    if (!(signature instanceof Uint32Array)) {
      throw new TypeError(
        `LshIndex.${method}: signature must be a Uint32Array`,
      );
    }
    if (signature.length !== this.numHashes) {
      throw new RangeError(
        `LshIndex.${method}: signature has ${signature.length} hashes, index expects ${this.numHashes}`,
      );
    }
  }

  /** 53-bit bucket key of one band, from two independently seeded 32-bit hashes of its rows. */
  private bandKey(signature: Uint32Array, band: number): number {
    const start = band * this.rows;
    let h1 = band ^ 0x3c6ef372;
    let h2 = band ^ 0x510e527f;
    for (let r = 0; r < this.rows; r++) {
      const v = signature[start + r];
      h1 = mixWord(h1, v);
      h2 = mixWord(h2, v);
    }
    h1 = fmix32(h1 ^ this.rows);
    h2 = fmix32(h2 ^ this.rows);
    return h1 * 2097152 + (h2 >>> 11);
  }
}

/**
 * Whether a template signature is novel for an index: no candidate reaches `threshold` estimated
 * similarity. The nearest candidate, if any, is returned either way.
 */
export function isNovel(
  index: LshIndex,
  signature: Uint32Array,
  threshold = 0.5,
): { novel: boolean; nearest?: LshMatch } {
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(
      `isNovel: threshold must be within [0, 1], got ${threshold}`,
    );
  }
  const nearest = index.nearest(signature);
  if (!nearest) return { novel: true };
  return { novel: nearest.similarity < threshold, nearest };
}
