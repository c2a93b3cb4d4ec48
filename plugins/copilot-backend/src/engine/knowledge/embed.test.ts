import { LocalEmbedder } from './embed';
import { randomizedSvd, symmetricEigen, type CsrMatrix } from './svd';

const dot = (a: Float32Array, b: Float32Array) =>
  a.reduce((s, x, i) => s + x * b[i], 0);

function dense(rows: number[][]): CsrMatrix {
  const rowPtr = [0];
  const colIdx: number[] = [];
  const vals: number[] = [];
  for (const r of rows) {
    r.forEach((v, c) => {
      if (v !== 0) {
        colIdx.push(c);
        vals.push(v);
      }
    });
    rowPtr.push(colIdx.length);
  }
  return {
    rows: rows.length,
    cols: rows[0].length,
    rowPtr: Int32Array.from(rowPtr),
    colIdx: Int32Array.from(colIdx),
    vals: Float64Array.from(vals),
  };
}

const CORPUS = [
  'etcd cluster has no leader, leader election failing, etcd members cannot agree',
  'etcd leader changes too often, etcd members flapping leadership',
  'etcd database size is close to the quota, defragment etcd',
  'disk space on the node filesystem is running out, filesystem almost full',
  'node filesystem inodes are running out, too many files on the filesystem',
  'the filesystem will fill up soon, predicted disk space exhaustion on node',
  'pod is crash looping, container restarts repeatedly, back-off restarting failed container',
  'container keeps restarting, crashloop backoff in pod',
  'deployment replicas mismatch, pods not ready for the deployment rollout',
  'alertmanager failed to send notifications to the receiver integration',
  'alertmanager notifications failing, webhook receiver errors',
  'prometheus remote write is behind, remote storage queue lagging',
];

describe('randomizedSvd', () => {
  it('recovers the singular values of a small exact-rank matrix', () => {
    // Rank 2: rows are combinations of two orthogonal directions with singular values 5 and 2.
    const u1 = [1, 1, 1, 1].map(x => x / 2);
    const u2 = [1, -1, 1, -1].map(x => x / 2);
    const v1 = [1, 0, 0, 0, 0];
    const v2 = [0, 0, 1, 0, 0];
    const rows = u1.map((_, r) =>
      v1.map((__, c) => 5 * u1[r] * v1[c] + 2 * u2[r] * v2[c]),
    );
    const svd = randomizedSvd(dense(rows), 2, { oversample: 2 });
    expect(svd.sigma[0]).toBeCloseTo(5, 6);
    expect(svd.sigma[1]).toBeCloseTo(2, 6);
    expect(Math.abs(svd.v[0 * 2 + 0])).toBeCloseTo(1, 6);
    expect(Math.abs(svd.v[2 * 2 + 1])).toBeCloseTo(1, 6);
  });

  it('Jacobi eigen-solver diagonalises a symmetric matrix', () => {
    const m = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
    const { values } = symmetricEigen(m, 3);
    const sorted = [...values].sort((a, b) => b - a);
    // trace and determinant are preserved
    expect(sorted.reduce((a, b) => a + b)).toBeCloseTo(9, 9);
    expect(sorted.reduce((a, b) => a * b)).toBeCloseTo(
      4 * (3 * 2 - 1) - 1 * (1 * 2 - 0),
      9,
    );
  });
});

describe('LocalEmbedder', () => {
  it('works before fitting (hashed features) and maps similar texts closer than unrelated ones', async () => {
    const e = new LocalEmbedder({ dimensions: 64 });
    expect(e.fitted).toBe(false);
    const [a, b, c] = await e.embed([
      'pod crash looping restarts',
      'pod crashlooping restarting',
      'alertmanager notification receiver',
    ]);
    expect(a).toHaveLength(64);
    expect(dot(a, a)).toBeCloseTo(1, 5);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c));
  });

  it('after fitting with LSA, a paraphrase finds its topic', async () => {
    const e = new LocalEmbedder({ dimensions: 8 });
    e.fit(CORPUS);
    expect(e.fitted).toBe(true);
    expect(e.id).toMatch(/^local-lsa-8-/);
    const docs = await e.embed(CORPUS);
    const [q] = await e.embed([
      'the filesystem on a node is almost out of disk space',
    ]);
    const best = docs
      .map((d, i) => ({ i, s: dot(q, d) }))
      .sort((x, y) => y.s - x.s)[0].i;
    expect([3, 4, 5]).toContain(best);
    const [q2] = await e.embed(['container crashloop back-off']);
    const best2 = docs
      .map((d, i) => ({ i, s: dot(q2, d) }))
      .sort((x, y) => y.s - x.s)[0].i;
    expect([6, 7]).toContain(best2);
  });

  it('is deterministic and can be exported and restored', async () => {
    const a = new LocalEmbedder({ dimensions: 8 });
    a.fit(CORPUS);
    const b = new LocalEmbedder({ dimensions: 8 });
    b.fit(CORPUS);
    expect(a.id).toBe(b.id);
    const c = new LocalEmbedder({ dimensions: 8 });
    c.load(a.export()!);
    const [x] = await a.embed(['etcd leader']);
    const [y] = await c.embed(['etcd leader']);
    expect(Array.from(y)).toEqual(Array.from(x));
  });
});
