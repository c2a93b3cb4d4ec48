import { mulberry32 } from './svd';
import { fromBytes, toBytes, VectorIndex } from './vectors';

function randomUnit(rand: () => number, d: number): Float32Array {
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) v[i] = rand() - 0.5;
  return v;
}

describe('VectorIndex', () => {
  it('round-trips float32 through bytes', () => {
    const v = Float32Array.from([0.5, -1.25, 3.4028234663852886e38, 1e-30]);
    const bytes = toBytes(v);
    expect(bytes).toHaveLength(16);
    expect(Array.from(fromBytes(bytes))).toEqual(Array.from(v));
    expect(() => fromBytes(new Uint8Array(3))).toThrow();
  });

  it('finds exact nearest neighbours by cosine, over candidates or all', () => {
    const idx = new VectorIndex(3);
    idx.set(0, Float32Array.from([1, 0, 0]));
    idx.set(1, Float32Array.from([0.9, 0.1, 0]));
    idx.set(2, Float32Array.from([0, 0, 5]));
    const q = Float32Array.from([2, 0, 0]);
    expect(idx.search(q, 2).map(r => r.id)).toEqual([0, 1]);
    expect(idx.search(q, 1)[0].score).toBeCloseTo(1, 6);
    expect(idx.search(q, 2, [1, 2]).map(r => r.id)).toEqual([1, 2]);
    idx.remove(0);
    expect(idx.search(q, 1)[0].id).toBe(1);
    expect(idx.size).toBe(2);
    expect(() => idx.set(3, Float32Array.from([1, 2]))).toThrow();
  });

  it('IVF probing returns (nearly) the exact neighbours and covers vectors added later', () => {
    const rand = mulberry32(3);
    const d = 16;
    const idx = new VectorIndex(d);
    // 20 clusters of 100 points each
    const centers = Array.from({ length: 20 }, () => randomUnit(rand, d));
    for (let i = 0; i < 2000; i++) {
      const c = centers[i % 20];
      idx.set(
        i,
        c.map(x => x + (rand() - 0.5) * 0.1),
      );
    }
    idx.partition(20);
    let agree = 0;
    for (let t = 0; t < 20; t++) {
      const q = centers[t].map(x => x + (rand() - 0.5) * 0.1);
      const exact = idx.search(q, 10).map(r => r.id);
      const cand = idx.probe(q, 3)!;
      expect(cand.length).toBeLessThan(2000);
      const approx = idx.search(q, 10, cand).map(r => r.id);
      agree += approx.filter(id => exact.includes(id)).length;
    }
    expect(agree / 200).toBeGreaterThan(0.9);
    const late = centers[5].map(x => x * 3);
    idx.set(5000, late);
    expect(Array.from(idx.probe(late, 1)!)).toContain(5000);
  });
});
