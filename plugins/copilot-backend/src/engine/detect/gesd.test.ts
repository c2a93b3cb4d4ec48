import { generalizedEsd, gesdCritical } from './gesd';

// NIST/SEMATECH e-Handbook 1.3.5.17.3 (Rosner 1983): 54 values, up to 10 outliers, alpha = 0.05.
const ROSNER = [
  -0.25, 0.68, 0.94, 1.15, 1.2, 1.26, 1.26, 1.34, 1.38, 1.43, 1.49, 1.49, 1.55,
  1.56, 1.58, 1.65, 1.69, 1.7, 1.76, 1.77, 1.81, 1.91, 1.94, 1.96, 1.99, 2.06,
  2.09, 2.1, 2.14, 2.15, 2.23, 2.24, 2.26, 2.35, 2.37, 2.4, 2.47, 2.54, 2.62,
  2.64, 2.9, 2.92, 2.92, 2.93, 3.21, 3.26, 3.3, 3.59, 3.68, 4.3, 4.64, 5.34,
  5.42, 6.01,
];

describe('generalizedEsd', () => {
  it('reproduces the NIST / Rosner example: 3 outliers', () => {
    expect(ROSNER).toHaveLength(54);
    const r = generalizedEsd(ROSNER, 10, 0.05);
    const stats = [
      3.118, 2.942, 3.179, 2.81, 2.815, 2.848, 2.279, 2.31, 2.101, 2.067,
    ];
    const crit = [
      3.158, 3.151, 3.143, 3.136, 3.128, 3.12, 3.111, 3.103, 3.094, 3.085,
    ];
    r.statistics.forEach((s, i) => expect(s).toBeCloseTo(stats[i], 2));
    r.critical.forEach((c, i) => expect(c).toBeCloseTo(crit[i], 2));
    expect(r.outliers).toBe(3);
    expect(r.indices.map(i => ROSNER[i]).sort()).toEqual([5.34, 5.42, 6.01]);
  });

  it('finds nothing in well-behaved data and a planted spike otherwise', () => {
    const clean = Array.from({ length: 60 }, (_, i) => Math.sin(i) * 0.5);
    expect(generalizedEsd(clean, 5).outliers).toBe(0);
    const spiked = [...clean];
    spiked[30] = 9;
    const r = generalizedEsd(spiked, 5);
    expect(r.outliers).toBe(1);
    expect(r.indices).toEqual([30]);
  });

  it('critical values decrease with the step', () => {
    expect(gesdCritical(54, 1, 0.05)).toBeGreaterThan(
      gesdCritical(54, 2, 0.05),
    );
  });
});
