import { QuantileSketch } from './sketch';

/** Deterministic PRNG in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  const u1 = 1 - rand();
  const u2 = rand();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function lognormalSamples(n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => Math.exp(3 + 1.2 * normal(rand)));
}

function uniformSamples(n: number, seed: number, lo: number, hi: number) {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** Exact quantile with the sketch's rank convention: element floor(q * (n - 1)) of the sorted data. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

function sketchOf(values: number[], accuracy = 0.01, maxBuckets = 2048) {
  const sketch = new QuantileSketch(accuracy, maxBuckets);
  for (const v of values) sketch.add(v);
  return sketch;
}

function relativeError(estimate: number, exact: number): number {
  return Math.abs(estimate - exact) / Math.abs(exact);
}

/** Allows for the rounding of log() at bucket boundaries. */
const SLACK = 1e-9;
const REPORTED = [0.5, 0.9, 0.95, 0.99];
const GRID = Array.from({ length: 101 }, (_, i) => i / 100).concat([
  0.001, 0.005, 0.995, 0.999,
]);

/** Quantiles whose estimate misses the exact value by more than the accuracy, described. */
function accuracyViolations(
  sketch: QuantileSketch,
  values: number[],
  qs: number[],
  accuracy: number,
): string[] {
  const sorted = [...values].sort((a, b) => a - b);
  const violations: string[] = [];
  for (const q of qs) {
    const exact = exactQuantile(sorted, q);
    const estimate = sketch.quantile(q)!;
    let err = 0;
    if (exact !== 0) err = relativeError(estimate, exact);
    else if (estimate !== 0) err = Infinity;
    if (err > accuracy + SLACK) {
      violations.push(
        `q=${q}: estimate ${estimate} vs exact ${exact}, relative error ${err}`,
      );
    }
  }
  return violations;
}

describe('QuantileSketch accuracy', () => {
  it('answers p50/p90/p95/p99 of 100k lognormal samples within 1%', () => {
    const values = lognormalSamples(100_000, 42);
    const sketch = sketchOf(values);
    expect(accuracyViolations(sketch, values, REPORTED, 0.01)).toEqual([]);
    expect(accuracyViolations(sketch, values, GRID, 0.01)).toEqual([]);
    expect(sketch.count).toBe(100_000);
    expect(sketch.min).toBe(Math.min(...values));
    expect(sketch.max).toBe(Math.max(...values));
    expect(sketch.sum).toBe(values.reduce((s, v) => s + v, 0));
  });

  it('answers p50/p90/p95/p99 of 100k uniform samples within 1%', () => {
    const values = uniformSamples(100_000, 7, 0, 1000);
    const sketch = sketchOf(values);
    expect(accuracyViolations(sketch, values, REPORTED, 0.01)).toEqual([]);
    expect(accuracyViolations(sketch, values, GRID, 0.01)).toEqual([]);
  });

  it('holds other accuracies, and uses buckets in proportion to the value range only', () => {
    const values = lognormalSamples(100_000, 3);
    for (const accuracy of [0.001, 0.02, 0.05]) {
      expect(
        accuracyViolations(
          sketchOf(values, accuracy, 100_000),
          values,
          GRID,
          accuracy,
        ),
      ).toEqual([]);
    }
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = sketchOf(values, 0.01);
    const gamma = 1.01 / 0.99;
    const span =
      Math.ceil(Math.log(sorted[sorted.length - 1]) / Math.log(gamma)) -
      Math.ceil(Math.log(sorted[0]) / Math.log(gamma)) +
      1;
    expect(sketch.bucketCount).toBeLessThanOrEqual(span);
    expect(sketch.bucketCount).toBeLessThan(1500);
  });

  it('returns exact min and max at q = 0 and q = 1, and single values within accuracy', () => {
    const sketch = sketchOf([12.5, 3, 900]);
    expect(sketch.quantile(0)).toBe(3);
    expect(sketch.quantile(1)).toBe(900);
    const single = sketchOf([123.456]);
    for (const q of [0, 0.25, 0.5, 0.99, 1]) {
      expect(single.quantile(q)).toBe(123.456);
    }
  });

  it('supports weighted adds', () => {
    const weighted = new QuantileSketch();
    const expanded = new QuantileSketch();
    for (let i = 1; i <= 100; i++) {
      weighted.add(i, 3);
      for (let k = 0; k < 3; k++) expanded.add(i);
    }
    weighted.add(5, 0);
    expect(weighted.count).toBe(300);
    expect(weighted.sum).toBe(expanded.sum);
    for (const q of GRID)
      expect(weighted.quantile(q)).toBe(expanded.quantile(q));
  });
});

describe('QuantileSketch negative values and zeros', () => {
  it('handles a mix of negative, zero and positive values', () => {
    const rand = mulberry32(11);
    const values: number[] = [];
    for (let i = 0; i < 40_000; i++) values.push(-Math.exp(2 * normal(rand)));
    for (let i = 0; i < 20_000; i++) values.push(0);
    for (let i = 0; i < 40_000; i++) values.push(Math.exp(2 * normal(rand)));
    const sketch = sketchOf(values);
    expect(accuracyViolations(sketch, values, GRID, 0.01)).toEqual([]);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.quantile(0.1)!).toBeLessThan(0);
    expect(sketch.quantile(0.9)!).toBeGreaterThan(0);
    expect(sketch.min).toBe(Math.min(...values));
    expect(sketch.max).toBe(Math.max(...values));
    expect(sketch.count).toBe(100_000);
  });

  it('handles negative values only', () => {
    const values = lognormalSamples(50_000, 5).map(v => -v);
    const sketch = sketchOf(values);
    expect(accuracyViolations(sketch, values, GRID, 0.01)).toEqual([]);
    expect(sketch.quantile(0)).toBe(Math.min(...values));
    expect(sketch.quantile(1)).toBe(Math.max(...values));
  });

  it('counts magnitudes below 1e-9 as zero', () => {
    const sketch = sketchOf([0, 1e-12, -1e-10, 0, 0]);
    expect(sketch.bucketCount).toBe(0);
    expect(sketch.count).toBe(5);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.min).toBe(-1e-10);
    expect(sketch.max).toBe(1e-12);
    const zeros = sketchOf([0, 0, 0]);
    expect(zeros.quantile(0.3)).toBe(0);
    expect(zeros.sum).toBe(0);
  });
});

describe('QuantileSketch merge', () => {
  it('merging two sketches equals the sketch of the union', () => {
    const a = lognormalSamples(60_000, 1);
    const b = uniformSamples(40_000, 2, -50, 500);
    const left = sketchOf(a);
    const right = sketchOf(b);
    const union = sketchOf([...a, ...b]);
    left.merge(right);
    expect(left.count).toBe(union.count);
    expect(left.min).toBe(union.min);
    expect(left.max).toBe(union.max);
    expect(Math.abs(left.sum - union.sum) / union.sum).toBeLessThan(1e-12);
    expect(left.bucketCount).toBe(union.bucketCount);
    for (const q of GRID) expect(left.quantile(q)).toBe(union.quantile(q));
    expect(accuracyViolations(left, [...a, ...b], REPORTED, 0.01)).toEqual([]);
    expect(right.count).toBe(40_000);
  });

  it('merges with empty sketches and with itself', () => {
    const values = lognormalSamples(1000, 9);
    const sketch = sketchOf(values);
    const before = GRID.map(q => sketch.quantile(q));
    sketch.merge(new QuantileSketch());
    expect(GRID.map(q => sketch.quantile(q))).toEqual(before);

    const empty = new QuantileSketch();
    empty.merge(sketch);
    expect(GRID.map(q => empty.quantile(q))).toEqual(before);
    expect(empty.min).toBe(sketch.min);

    sketch.merge(sketch);
    expect(sketch.count).toBe(2000);
    expect(sketch.sum).toBeCloseTo(2 * values.reduce((s, v) => s + v, 0), 6);
    expect(GRID.map(q => sketch.quantile(q))).toEqual(
      GRID.map(q => sketchOf([...values, ...values]).quantile(q)),
    );
  });

  it('refuses to merge sketches of different accuracy', () => {
    const a = sketchOf([1, 2, 3], 0.01);
    const b = sketchOf([1, 2, 3], 0.02);
    expect(() => a.merge(b)).toThrow(/relative accuracy differs/);
    expect(a.count).toBe(3);
  });
});

describe('QuantileSketch bucket limit', () => {
  it('collapses the lowest buckets and keeps high quantiles accurate', () => {
    const rand = mulberry32(99);
    const values = Array.from(
      { length: 100_000 },
      () => 10 ** (-6 + 12 * rand()),
    );
    const sketch = sketchOf(values, 0.01, 64);
    expect(sketch.bucketCount).toBeLessThanOrEqual(64);
    expect(
      accuracyViolations(sketch, values, [0.97, 0.99, 0.995, 0.999], 0.01),
    ).toEqual([]);
    expect(sketch.quantile(1)).toBe(Math.max(...values));
    expect(sketch.quantile(0)).toBe(Math.min(...values));
    expect(sketch.count).toBe(100_000);
    expect(sketch.sum).toBe(values.reduce((s, v) => s + v, 0));
    // Collapsed low quantiles are overestimated, never underestimated.
    const sorted = [...values].sort((a, b) => a - b);
    expect(sketch.quantile(0.1)!).toBeGreaterThanOrEqual(
      exactQuantile(sorted, 0.1),
    );

    const coarse = sketchOf(values, 0.05, 64);
    expect(coarse.bucketCount).toBeLessThanOrEqual(64);
    expect(
      accuracyViolations(coarse, values, [0.8, 0.9, 0.95, 0.99], 0.05),
    ).toEqual([]);
  });

  it('collapses to the same buckets whatever the order of the values', () => {
    const rand = mulberry32(5);
    const values = Array.from({ length: 20_000 }, () => 10 ** (8 * rand()));
    const ascending = [...values].sort((a, b) => a - b);
    const descending = [...ascending].reverse();
    const halves = sketchOf(values.slice(0, 10_000), 0.01, 64);
    halves.merge(sketchOf(values.slice(10_000), 0.01, 64));
    const reference = sketchOf(values, 0.01, 64);
    expect(reference.bucketCount).toBe(64);
    for (const other of [
      sketchOf(ascending, 0.01, 64),
      sketchOf(descending, 0.01, 64),
      halves,
    ]) {
      expect(other.bucketCount).toBe(64);
      expect(other.count).toBe(reference.count);
      expect(GRID.map(q => other.quantile(q))).toEqual(
        GRID.map(q => reference.quantile(q)),
      );
    }
  });

  it('keeps the limit when merging', () => {
    const a = Array.from({ length: 5000 }, (_, i) => 1.001 ** i);
    const b = Array.from({ length: 5000 }, (_, i) => 1e4 * 1.001 ** i);
    const left = sketchOf(a, 0.01, 64);
    left.merge(sketchOf(b, 0.01, 64));
    expect(left.bucketCount).toBeLessThanOrEqual(64);
    expect(accuracyViolations(left, [...a, ...b], [0.99, 0.999], 0.01)).toEqual(
      [],
    );
  });

  it('collapses negative buckets once the positive store is down to one bucket', () => {
    const sketch = new QuantileSketch(0.01, 8);
    for (let i = 0; i < 20; i++) {
      sketch.add(-(2 ** i));
      sketch.add(2 ** i);
    }
    expect(sketch.bucketCount).toBe(8);
    expect(sketch.count).toBe(40);
    expect(sketch.quantile(0)).toBe(-(2 ** 19));
    expect(relativeError(sketch.quantile(0.01)!, -(2 ** 19))).toBeLessThan(
      0.01 + SLACK,
    );
  });
});

describe('QuantileSketch encoding', () => {
  function expectSame(a: QuantileSketch, b: QuantileSketch) {
    expect(b.count).toBe(a.count);
    expect(b.min).toBe(a.min);
    expect(b.max).toBe(a.max);
    expect(b.sum).toBe(a.sum);
    expect(b.bucketCount).toBe(a.bucketCount);
    expect(b.relativeAccuracy).toBe(a.relativeAccuracy);
    expect(b.maxBuckets).toBe(a.maxBuckets);
    for (const q of GRID) expect(b.quantile(q)).toBe(a.quantile(q));
  }

  it('round trips every quantile, count, min, max and sum through bytes', () => {
    const sketch = sketchOf(lognormalSamples(100_000, 21));
    const bytes = sketch.toBytes();
    expect(bytes[0]).toBe(1);
    const decoded = QuantileSketch.fromBytes(bytes);
    expectSame(sketch, decoded);
    // Compact: a few bytes per bucket.
    expect(bytes.length).toBeLessThan(60 + sketch.bucketCount * 5);
    expect(decoded.toBytes()).toEqual(bytes);
  });

  it('round trips negatives, zeros, fractional weights, empty and collapsed sketches', () => {
    const mixed = sketchOf([-5, -0.25, 0, 0, 1e-12, 3, 3, 1e6]);
    mixed.add(42, 0.5);
    const empty = new QuantileSketch(0.02, 100);
    const collapsed = sketchOf(
      Array.from({ length: 3000 }, (_, i) => 1.01 ** i),
      0.005,
      32,
    );
    for (const sketch of [mixed, empty, collapsed]) {
      expectSame(sketch, QuantileSketch.fromBytes(sketch.toBytes()));
    }
    expect(QuantileSketch.fromBytes(empty.toBytes()).quantile(0.5)).toBe(
      undefined,
    );
  });

  it('decodes from a view into a larger buffer', () => {
    const sketch = sketchOf([1, 2, 3, 4, 5]);
    const bytes = sketch.toBytes();
    const framed = new Uint8Array(bytes.length + 10);
    framed.set(bytes, 7);
    const decoded = QuantileSketch.fromBytes(
      framed.subarray(7, 7 + bytes.length),
    );
    expectSame(sketch, decoded);
    expect(decoded.quantile(0.5)).toBe(sketch.quantile(0.5));
  });

  it('rejects truncated, unknown-version and corrupt input', () => {
    const bytes = sketchOf([-3, 0, 1, 10, 100, 1000]).toBytes();
    expect(() => QuantileSketch.fromBytes(new Uint8Array(0))).toThrow(
      /truncated/,
    );
    for (let n = 1; n < bytes.length; n++) {
      expect(() => QuantileSketch.fromBytes(bytes.subarray(0, n))).toThrow(
        /truncated/,
      );
    }
    const future = bytes.slice();
    future[0] = 2;
    expect(() => QuantileSketch.fromBytes(future)).toThrow(
      /unsupported format version 2/,
    );
    const trailing = new Uint8Array(bytes.length + 1);
    trailing.set(bytes);
    expect(() => QuantileSketch.fromBytes(trailing)).toThrow(/trailing/);
    const flags = bytes.slice();
    flags[1] = 0x80;
    expect(() => QuantileSketch.fromBytes(flags)).toThrow(/flags/);
    const count = bytes.slice();
    // version, flags, f64 accuracy, 2-byte varint maxBuckets (2048), then f64 count.
    new DataView(count.buffer).setFloat64(12, 7, true);
    expect(() => QuantileSketch.fromBytes(count)).toThrow(
      /count 7 differs from the bucket counts 6/,
    );
    const accuracy = bytes.slice();
    new DataView(accuracy.buffer).setFloat64(2, 2, true);
    expect(() => QuantileSketch.fromBytes(accuracy)).toThrow(/corrupt/);
    expect(() =>
      QuantileSketch.fromBytes([1, 2, 3] as unknown as Uint8Array),
    ).toThrow(/Uint8Array/);
  });
});

describe('QuantileSketch bad input', () => {
  it('validates constructor arguments', () => {
    for (const a of [0, 1, -0.1, 1.5, NaN, 1e-9]) {
      expect(() => new QuantileSketch(a)).toThrow(/relativeAccuracy/);
    }
    for (const m of [1, 0, 2.5, NaN]) {
      expect(() => new QuantileSketch(0.01, m)).toThrow(/maxBuckets/);
    }
  });

  it('validates values, counts and quantiles', () => {
    const sketch = new QuantileSketch();
    expect(sketch.quantile(0.5)).toBeUndefined();
    expect(sketch.min).toBeUndefined();
    expect(sketch.max).toBeUndefined();
    expect(sketch.count).toBe(0);
    expect(sketch.sum).toBe(0);
    for (const v of [NaN, Infinity, -Infinity]) {
      expect(() => sketch.add(v)).toThrow(/finite/);
    }
    for (const c of [-1, NaN, Infinity]) {
      expect(() => sketch.add(1, c)).toThrow(/count/);
    }
    for (const q of [-0.01, 1.01, NaN]) {
      expect(() => sketch.quantile(q)).toThrow(/\[0, 1\]/);
    }
    expect(sketch.count).toBe(0);
  });

  it('clears back to empty', () => {
    const sketch = sketchOf([1, 2, 3]);
    sketch.clear();
    expect(sketch.count).toBe(0);
    expect(sketch.quantile(0.5)).toBeUndefined();
    sketch.add(7);
    expect(sketch.quantile(0.5)).toBe(7);
  });
});
