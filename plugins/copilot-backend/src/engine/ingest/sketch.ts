// Mergeable relative-error quantile sketch after DDSketch (Masson, Rim, Lee, VLDB 2019): values are
// mapped to logarithmically sized buckets, so any quantile is answered within a fixed relative error
// of the true value, and two sketches with the same accuracy merge by adding bucket counts.

/** Binary format version written by `toBytes`. */
const FORMAT_VERSION = 1;
/** Values with a magnitude below this are counted as zero. */
const ZERO_THRESHOLD = 1e-9;
/** Finest accuracy accepted: keeps every bucket index a small safe integer. */
const MIN_RELATIVE_ACCURACY = 1e-6;
/** Format flag: bucket counts are written as varints (all integral) instead of float64. */
const FLAG_VARINT_COUNTS = 1;
/** Upper bound of the bytes a varint of a safe integer takes. */
const MAX_VARINT_BYTES = 8;

/**
 * Sparse bucket store: bucket indexes in ascending order with their counts in a parallel array, so
 * memory is proportional to the distinct buckets. Since indexes are distinct integers, the slot
 * of an index lies between `index - keys[0]` and `n - 1 - (keys[n-1] - index)`; for the usual
 * run of adjacent buckets those bounds meet and a lookup takes no search.
 */
class BucketStore {
  keys: number[] = [];
  counts: number[] = [];
  total = 0;

  get size(): number {
    return this.keys.length;
  }

  /** Adds to a bucket; returns whether the bucket is new. */
  add(index: number, count: number): boolean {
    this.total += count;
    const keys = this.keys;
    const n = keys.length;
    if (n === 0 || index > keys[n - 1]) {
      keys.push(index);
      this.counts.push(count);
      return true;
    }
    const first = keys[0];
    if (index < first) {
      keys.unshift(index);
      this.counts.unshift(count);
      return true;
    }
    let hi = index - first;
    if (hi > n - 1) hi = n - 1;
    if (keys[hi] === index) {
      this.counts[hi] += count;
      return false;
    }
    let lo = n - 1 - (keys[n - 1] - index);
    if (lo < 0) lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < index) lo = mid + 1;
      else hi = mid;
    }
    if (keys[lo] === index) {
      this.counts[lo] += count;
      return false;
    }
    keys.splice(lo, 0, index);
    this.counts.splice(lo, 0, count);
    return true;
  }

  /** Adds to the lowest bucket (of a non-empty store). */
  addToLowest(count: number): void {
    this.counts[0] += count;
    this.total += count;
  }

  /** Adds every bucket of another store in one linear pass over both sorted index lists. */
  mergeFrom(other: BucketStore): void {
    const b = other.keys;
    if (b.length === 0) return;
    const a = this.keys;
    const ac = this.counts;
    const bc = other.counts;
    const keys: number[] = [];
    const counts: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) {
        keys.push(a[i]);
        counts.push(ac[i++]);
      } else if (i >= a.length || b[j] < a[i]) {
        keys.push(b[j]);
        counts.push(bc[j++]);
      } else {
        keys.push(a[i]);
        counts.push(ac[i++] + bc[j++]);
      }
    }
    this.keys = keys;
    this.counts = counts;
    this.total += other.total;
  }

  /** Folds the `n` lowest buckets into the lowest bucket that is kept. */
  collapseLowest(n: number): void {
    const drop = Math.min(n, this.keys.length - 1);
    if (drop <= 0) return;
    let moved = 0;
    for (let i = 0; i < drop; i++) moved += this.counts[i];
    this.counts[drop] += moved;
    this.keys.splice(0, drop);
    this.counts.splice(0, drop);
  }

  /**
   * Index of the bucket holding the given 0-based rank: the first bucket whose running count
   * exceeds the rank (`lower`), or reaches rank + 1 (used when walking a store in reverse).
   */
  keyAtRank(rank: number, lower: boolean): number {
    const keys = this.keys;
    const counts = this.counts;
    let running = 0;
    for (let i = 0; i < keys.length; i++) {
      running += counts[i];
      if (lower ? running > rank : running >= rank + 1) return keys[i];
    }
    return keys[keys.length - 1];
  }

  clear(): void {
    this.keys = [];
    this.counts = [];
    this.total = 0;
  }
}

function isCount(c: number): boolean {
  return Number.isFinite(c) && c >= 0;
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Fixed-capacity little-endian writer over one buffer. */
class ByteWriter {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(v: number): void {
    this.bytes[this.pos++] = v;
  }

  f64(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  varint(v: number): void {
    let rest = v;
    while (rest >= 0x80) {
      this.bytes[this.pos++] = rest % 0x80 | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[this.pos++] = rest;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

/** Bounds-checked little-endian reader. */
class ByteReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new Error(
        `QuantileSketch.fromBytes: truncated input (needed ${n} more byte(s) at offset ${this.pos} of ${this.bytes.length})`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) break;
        return result;
      }
      scale *= 0x80;
    }
    throw new Error(
      'QuantileSketch.fromBytes: corrupt input (varint too long)',
    );
  }
}

/**
 * Quantile sketch with relative accuracy `relativeAccuracy`: for any q, `quantile(q)` is within
 * `relativeAccuracy * |x|` of the exact value x at rank floor(q * (count - 1)), as long as the
 * bucket limit has not forced the lowest buckets to collapse. Count, sum, min and max are exact.
 */
export class QuantileSketch {
  /** Relative accuracy `a` of the logarithmic mapping. */
  readonly relativeAccuracy: number;
  /** Most buckets (positive plus negative) kept before the lowest ones collapse. */
  readonly maxBuckets: number;

  private readonly gamma: number;
  private readonly logGamma: number;
  private readonly indexMultiplier: number;
  private readonly valueFactor: number;
  private readonly positive = new BucketStore();
  private readonly negative = new BucketStore();
  private zeroCount = 0;
  private total = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;
  private sumValue = 0;

  constructor(relativeAccuracy = 0.01, maxBuckets = 2048) {
    if (!(relativeAccuracy >= MIN_RELATIVE_ACCURACY && relativeAccuracy < 1)) {
      throw new RangeError(
        `QuantileSketch: relativeAccuracy must be within [${MIN_RELATIVE_ACCURACY}, 1), got ${relativeAccuracy}`,
      );
    }
    if (!Number.isSafeInteger(maxBuckets) || maxBuckets < 2) {
      throw new RangeError(
        `QuantileSketch: maxBuckets must be an integer of at least 2, got ${maxBuckets}`,
      );
    }
    this.relativeAccuracy = relativeAccuracy;
    this.maxBuckets = maxBuckets;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
    this.indexMultiplier = 1 / this.logGamma;
    this.valueFactor = 2 / (this.gamma + 1);
  }

  /** Number of values added (sum of their weights). */
  get count(): number {
    return this.total;
  }

  /** Smallest value added, or undefined when empty. */
  get min(): number | undefined {
    return this.total > 0 ? this.minValue : undefined;
  }

  /** Largest value added, or undefined when empty. */
  get max(): number | undefined {
    return this.total > 0 ? this.maxValue : undefined;
  }

  /** Weighted sum of the values added. */
  get sum(): number {
    return this.sumValue;
  }

  /** Distinct non-zero buckets held; never more than `maxBuckets`. */
  get bucketCount(): number {
    return this.positive.size + this.negative.size;
  }

  /** Adds a finite value with a non-negative weight (default 1). */
  add(value: number, count = 1): void {
    if (!Number.isFinite(value)) {
      throw new RangeError(
        `QuantileSketch.add: value must be a finite number, got ${value}`,
      );
    }
    if (!Number.isFinite(count) || count < 0) {
      throw new RangeError(
        `QuantileSketch.add: count must be a finite non-negative number, got ${count}`,
      );
    }
    if (count === 0) return;
    if (value >= ZERO_THRESHOLD) {
      this.addToStore(this.positive, this.index(value), count, true);
    } else if (value <= -ZERO_THRESHOLD) {
      this.addToStore(this.negative, this.index(-value), count, false);
    } else {
      this.zeroCount += count;
    }
    this.total += count;
    this.sumValue += value * count;
    if (value < this.minValue) this.minValue = value;
    if (value > this.maxValue) this.maxValue = value;
  }

  /** Adds every value of another sketch; both must have the same relative accuracy. */
  merge(other: QuantileSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new Error(
        `QuantileSketch.merge: relative accuracy differs (${this.relativeAccuracy} vs ${other.relativeAccuracy}); only sketches with the same accuracy can be merged`,
      );
    }
    if (other.total === 0) return;
    const source = other === this ? this.clone() : other;
    this.positive.mergeFrom(source.positive);
    this.negative.mergeFrom(source.negative);
    this.enforceLimit();
    this.zeroCount += source.zeroCount;
    this.total += source.total;
    this.sumValue += source.sumValue;
    if (source.minValue < this.minValue) this.minValue = source.minValue;
    if (source.maxValue > this.maxValue) this.maxValue = source.maxValue;
  }

  /** Estimated value at quantile q in [0, 1]; undefined when the sketch is empty. */
  quantile(q: number): number | undefined {
    if (!(q >= 0 && q <= 1)) {
      throw new RangeError(
        `QuantileSketch.quantile: q must be within [0, 1], got ${q}`,
      );
    }
    if (this.total === 0) return undefined;
    if (q === 0) return this.minValue;
    if (q === 1) return this.maxValue;
    const rank = q * (this.total - 1);
    const negativeCount = this.negative.total;
    let estimate: number;
    if (rank < negativeCount) {
      const reversed = negativeCount - rank - 1;
      estimate = -this.bucketValue(this.negative.keyAtRank(reversed, false));
    } else if (rank < negativeCount + this.zeroCount) {
      estimate = 0;
    } else {
      const key = this.positive.keyAtRank(
        rank - negativeCount - this.zeroCount,
        true,
      );
      estimate = this.bucketValue(key);
    }
    if (estimate < this.minValue) return this.minValue;
    if (estimate > this.maxValue) return this.maxValue;
    return estimate;
  }

  /** Independent copy of this sketch. */
  clone(): QuantileSketch {
    const copy = new QuantileSketch(this.relativeAccuracy, this.maxBuckets);
    copy.merge(this);
    return copy;
  }

  /**
   * Compact binary encoding, version 1: u8 version, u8 flags, f64 relativeAccuracy,
   * varint maxBuckets, f64 count, zeroCount, sum, min, max, then the positive and the negative
   * store, each as varint bucket count, then per bucket the index (zigzag varint for the first,
   * varint delta after it) and the count (varint when every count is integral, else f64).
   */
  toBytes(): Uint8Array {
    const stores = [this.positive, this.negative];
    let integral = true;
    let buckets = 0;
    for (const store of stores) {
      buckets += store.size;
      for (const c of store.counts) {
        if (!Number.isSafeInteger(c)) integral = false;
      }
    }
    const writer = new ByteWriter(
      2 + 8 + 5 * 8 + 3 * MAX_VARINT_BYTES + buckets * 2 * MAX_VARINT_BYTES,
    );
    writer.u8(FORMAT_VERSION);
    writer.u8(integral ? FLAG_VARINT_COUNTS : 0);
    writer.f64(this.relativeAccuracy);
    writer.varint(this.maxBuckets);
    writer.f64(this.total);
    writer.f64(this.zeroCount);
    writer.f64(this.sumValue);
    writer.f64(this.minValue);
    writer.f64(this.maxValue);
    for (const store of stores) {
      writer.varint(store.size);
      let previous = 0;
      for (let i = 0; i < store.keys.length; i++) {
        const key = store.keys[i];
        writer.varint(i === 0 ? zigzag(key) : key - previous);
        previous = key;
        const c = store.counts[i];
        if (integral) writer.varint(c);
        else writer.f64(c);
      }
    }
    return writer.finish();
  }

  /** Decodes `toBytes` output; throws on truncated, corrupt or unknown-version input. */
  static fromBytes(bytes: Uint8Array): QuantileSketch {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError('QuantileSketch.fromBytes: expected a Uint8Array');
    }
    const reader = new ByteReader(bytes);
    const version = reader.u8();
    if (version !== FORMAT_VERSION) {
      throw new Error(
        `QuantileSketch.fromBytes: unsupported format version ${version} (expected ${FORMAT_VERSION})`,
      );
    }
    const flags = reader.u8();
    if ((flags & ~FLAG_VARINT_COUNTS) !== 0) {
      throw new Error(
        `QuantileSketch.fromBytes: corrupt input (unknown flags ${flags})`,
      );
    }
    const integral = (flags & FLAG_VARINT_COUNTS) !== 0;
    const relativeAccuracy = reader.f64();
    const maxBuckets = reader.varint();
    let sketch: QuantileSketch;
    try {
      sketch = new QuantileSketch(relativeAccuracy, maxBuckets);
    } catch (e) {
      throw new Error(
        `QuantileSketch.fromBytes: corrupt input (${(e as Error).message})`,
      );
    }
    const total = reader.f64();
    const zeroCount = reader.f64();
    const sum = reader.f64();
    const min = reader.f64();
    const max = reader.f64();
    if (!isCount(total) || !isCount(zeroCount)) {
      throw new Error('QuantileSketch.fromBytes: corrupt input (totals)');
    }
    if (
      total > 0 &&
      !(min <= max && Number.isFinite(min) && Number.isFinite(max))
    ) {
      throw new Error('QuantileSketch.fromBytes: corrupt input (min/max)');
    }
    for (const store of [sketch.positive, sketch.negative]) {
      const n = reader.varint();
      if (n + sketch.bucketCount > maxBuckets) {
        throw new Error(
          `QuantileSketch.fromBytes: corrupt input (more than ${maxBuckets} buckets)`,
        );
      }
      let key = 0;
      for (let i = 0; i < n; i++) {
        if (i === 0) {
          key = unzigzag(reader.varint());
        } else {
          const delta = reader.varint();
          if (delta === 0) {
            throw new Error(
              'QuantileSketch.fromBytes: corrupt input (bucket indexes not increasing)',
            );
          }
          key += delta;
        }
        const c = integral ? reader.varint() : reader.f64();
        if (!isCount(c) || c === 0) {
          throw new Error(
            'QuantileSketch.fromBytes: corrupt input (bucket count)',
          );
        }
        store.keys.push(key);
        store.counts.push(c);
        store.total += c;
      }
    }
    const stored = sketch.positive.total + sketch.negative.total + zeroCount;
    if (Math.abs(stored - total) > 1e-9 * total) {
      throw new Error(
        `QuantileSketch.fromBytes: corrupt input (count ${total} differs from the bucket counts ${stored})`,
      );
    }
    if (reader.remaining() !== 0) {
      throw new Error(
        `QuantileSketch.fromBytes: corrupt input (${reader.remaining()} unexpected trailing bytes)`,
      );
    }
    sketch.total = total;
    sketch.zeroCount = zeroCount;
    sketch.sumValue = sum;
    if (total > 0) {
      sketch.minValue = min;
      sketch.maxValue = max;
    }
    return sketch;
  }

  private index(magnitude: number): number {
    return Math.ceil(Math.log(magnitude) * this.indexMultiplier);
  }

  /** Representative of bucket i, which covers (gamma^(i-1), gamma^i]. */
  private bucketValue(index: number): number {
    return Math.exp(index * this.logGamma) * this.valueFactor;
  }

  /**
   * Adds to a store. When the sketch is full, an index below the lowest bucket of the store that
   * collapses first goes straight into that bucket, which is where collapsing would fold it.
   */
  private addToStore(
    store: BucketStore,
    index: number,
    count: number,
    positive: boolean,
  ): void {
    if (
      store.size > 0 &&
      index < store.keys[0] &&
      this.bucketCount >= this.maxBuckets &&
      (positive || this.positive.size <= 1)
    ) {
      store.addToLowest(count);
    } else if (store.add(index, count)) {
      this.enforceLimit();
    }
  }

  /** Collapses the lowest positive buckets, then the lowest-magnitude negative ones. */
  private enforceLimit(): void {
    let excess = this.positive.size + this.negative.size - this.maxBuckets;
    if (excess <= 0) return;
    const fromPositive = Math.min(excess, this.positive.size - 1);
    if (fromPositive > 0) {
      this.positive.collapseLowest(fromPositive);
      excess -= fromPositive;
    }
    if (excess > 0) this.negative.collapseLowest(excess);
  }

  /** Empties the sketch, keeping its accuracy and bucket limit. */
  clear(): void {
    this.positive.clear();
    this.negative.clear();
    this.zeroCount = 0;
    this.total = 0;
    this.minValue = Infinity;
    this.maxValue = -Infinity;
    this.sumValue = 0;
  }
}
