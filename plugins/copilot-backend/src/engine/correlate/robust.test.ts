import { mad, median, slope } from './robust';

describe('robust statistics', () => {
  it('computes medians of odd and even samples, ignoring NaN, without touching the input', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7, NaN, 1])).toBe(4);
    expect(median([])).toBeNaN();
    expect(median([2, 2, 2, 1, 2, 2])).toBe(2);
  });

  it('agrees with sorting on random samples', () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let n = 1; n < 60; n++) {
      const xs = Array.from({ length: n }, () => Math.floor(rnd() * 10));
      const s = [...xs].sort((a, b) => a - b);
      const expected = n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
      expect(median(xs)).toBe(expected);
    }
  });

  it('computes MAD and slope', () => {
    expect(mad([1, 2, 3, 4, 100], 3)).toBe(1);
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(slope([0], [1])).toBe(0);
  });
});
