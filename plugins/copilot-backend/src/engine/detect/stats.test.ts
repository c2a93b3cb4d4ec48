import {
  mad,
  median,
  normalCdf,
  normalQuantile,
  poissonUpperTail,
  t4TwoSidedSurprise,
  tCdf,
  tQuantile,
} from './stats';

describe('stats', () => {
  it('inverts the normal CDF', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 6);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424, 4);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
  });

  it('matches textbook Student t quantiles', () => {
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    expect(tQuantile(0.95, 5)).toBeCloseTo(2.015048, 5);
    expect(tQuantile(0.995, 1)).toBeCloseTo(63.65674, 3);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042272, 5);
    expect(tQuantile(0.025, 10)).toBeCloseTo(-2.228139, 5);
    expect(tCdf(tQuantile(0.9995, 52), 52)).toBeCloseTo(0.9995, 9);
  });

  it('gives the t4 tail in closed form', () => {
    const p = 2 * (1 - tCdf(3, 4));
    expect(t4TwoSidedSurprise(3)).toBeCloseTo(-Math.log(p), 6);
    expect(t4TwoSidedSurprise(0)).toBeCloseTo(0, 9);
    expect(Number.isFinite(t4TwoSidedSurprise(1e6))).toBe(true);
  });

  it('computes Poisson tails', () => {
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 10);
    // P(X >= 5 | 1) = 1 - e^-1 (1 + 1 + 1/2 + 1/6 + 1/24)
    expect(poissonUpperTail(5, 1)).toBeCloseTo(
      1 - Math.exp(-1) * (1 + 1 + 0.5 + 1 / 6 + 1 / 24),
      10,
    );
  });

  it('computes median and MAD', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(mad([1, 2, 3, 4, 100])).toBeCloseTo(1.4826, 4);
  });
});
