import { createBocpd, stepBocpd } from './bocpd';
import { createCusum, stepCusum } from './cusum';
import { addKde, createKde, kdeTail } from './kde';
import { createLikelihood, stepLikelihood } from './likelihood';
import {
  createHistory,
  detectPeriods,
  profileFromHistory,
  profileValue,
  pushHistory,
} from './seasonality';
import { slopeTest } from './slope';
import { gaussian, mulberry32 } from './stats';
import { DAY, HOUR, MINUTE, daily } from '../../__testUtils__/series';

const PERIOD = {
  minStrength: 0.3,
  minDip: 0.15,
  minCycles: 2.5,
  minPeriodSamples: 6,
  calendarBonus: 0.1,
};
const HIST = { capacity: 512, maxBucketMs: HOUR };

describe('seasonality', () => {
  it('finds a daily period on minute data', () => {
    const rand = mulberry32(1);
    const h = createHistory();
    const t0 = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 4 * 1440; i++) {
      const ts = t0 + i * MINUTE;
      pushHistory(h, ts, daily(ts, 10) + gaussian(rand), HIST);
    }
    const found = detectPeriods(h, MINUTE, PERIOD);
    expect(found[0].label).toBe('daily');
    expect(found[0].periodMs).toBe(DAY);
    expect(found[0].strength).toBeGreaterThan(0.8);
    const p = profileFromHistory(h, DAY, 96, true);
    expect(profileValue(p, t0 + 6 * HOUR)).toBeCloseTo(10, 0);
    expect(profileValue(p, t0 + 18 * HOUR)).toBeCloseTo(-10, 0);
  });

  it('finds a weekly period on hourly data', () => {
    const rand = mulberry32(2);
    const h = createHistory();
    const t0 = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 5 * 7 * 24; i++) {
      const ts = t0 + i * HOUR;
      const weekend = Math.floor(i / 24) % 7 >= 5;
      pushHistory(
        h,
        ts,
        (weekend ? -20 : 0) + daily(ts, 5) + gaussian(rand),
        HIST,
      );
    }
    expect(detectPeriods(h, HOUR, PERIOD)[0].label).toBe('weekly');
  });

  it('finds no period in white noise', () => {
    const rand = mulberry32(3);
    const h = createHistory();
    for (let i = 0; i < 20_000; i++)
      pushHistory(h, i * MINUTE, gaussian(rand), HIST);
    expect(detectPeriods(h, MINUTE, PERIOD)).toEqual([]);
  });

  it('keeps a bounded, downsampled history', () => {
    const h = createHistory();
    for (let i = 0; i < 100_000; i++) pushHistory(h, i * MINUTE, i % 7, HIST);
    expect(h.means.length).toBeLessThanOrEqual(512);
    expect(h.widthMs).toBeGreaterThanOrEqual(HOUR);
  });
});

describe('cusum', () => {
  it('fires on a sustained shift, not on noise', () => {
    const rand = mulberry32(4);
    const s = createCusum();
    const opts = { k: 0.5, h: 8, clip: 2 };
    let firedAt = -1;
    for (let i = 0; i < 2000; i++) {
      const z = gaussian(rand) + (i >= 1500 ? 1.5 : 0);
      const step = stepCusum(s, z, opts);
      if (step.fired && firedAt < 0) firedAt = i;
    }
    expect(firedAt).toBeGreaterThanOrEqual(1500);
    expect(firedAt).toBeLessThan(1520);
  });
});

describe('bocpd', () => {
  it('puts the posterior on a recent change after a jump', () => {
    const rand = mulberry32(5);
    const s = createBocpd();
    const opts = { hazard: 1 / 250, maxRuns: 32, kappa0: 0.05, recentRuns: 8 };
    let before = 0;
    let after = 0;
    for (let i = 0; i < 400; i++) {
      const step = stepBocpd(s, gaussian(rand) + (i >= 300 ? 6 : 0), 0, opts);
      if (i > 50 && i < 300) before = Math.max(before, step.changeProbability);
      if (i >= 300 && i < 306) after = Math.max(after, step.changeProbability);
    }
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.5);
    expect(s.probs.length).toBeLessThanOrEqual(32);
  });
});

describe('kde', () => {
  it('gives routine extremes a modest tail and novel ones a tiny one', () => {
    const rand = mulberry32(6);
    const opts = {
      range: 8,
      bins: 96,
      bandwidth: 0.4,
      halfLife: 5000,
      priorWeight: 20,
    };
    const s = createKde(opts);
    for (let i = 0; i < 3000; i++)
      addKde(s, i % 100 === 0 ? 20 : gaussian(rand), opts);
    expect(kdeTail(s, 20, opts)).toBeGreaterThan(1e-3);
    expect(kdeTail(s, -20, opts)).toBeLessThan(1e-6);
    expect(kdeTail(s, 0, opts)).toBeGreaterThan(0.3);
  });
});

describe('slope', () => {
  const opts = { window: 48, minTau: 0.6, minGrowthSigmas: 6 };
  it('fires on sustained growth', () => {
    const rand = mulberry32(7);
    const values = Array.from(
      { length: 60 },
      (_, i) => i * 0.5 + 0.5 * gaussian(rand),
    );
    const r = slopeTest(values, 1, opts);
    expect(r?.fired).toBe(true);
    expect(r?.slope).toBeCloseTo(0.5, 1);
  });
  it('does not fire on a random walk-free noisy series or a tiny trend', () => {
    const rand = mulberry32(8);
    expect(
      slopeTest(
        Array.from({ length: 60 }, () => gaussian(rand)),
        1,
        opts,
      )?.fired,
    ).toBe(false);
    const tiny = Array.from(
      { length: 60 },
      (_, i) => i * 0.001 + 0.0001 * gaussian(rand),
    );
    expect(slopeTest(tiny, 1, opts)?.fired).toBe(false);
  });
});

describe('likelihood', () => {
  it('is surprised by a sustained rise of raw scores, not by their usual level', () => {
    const rand = mulberry32(9);
    const s = createLikelihood();
    const opts = { shortWindow: 10, longHalfLife: 2000, minStd: 0.01 };
    let usual = 0;
    for (let i = 0; i < 3000; i++)
      usual = Math.max(usual, stepLikelihood(s, 0.2 * rand(), opts));
    let high = 0;
    for (let i = 0; i < 10; i++)
      high = Math.max(high, stepLikelihood(s, 0.9, opts));
    expect(high).toBeGreaterThan(usual + 5);
  });
});
