import {
  pooledRelativeScale,
  scoreSeries,
  seriesBaseline,
  sigmaStrength,
} from './series';
import type { SeriesInput } from './types';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

function make(
  fn: (minute: number) => number,
  metric = 'latency_p95_ms',
  kind: SeriesInput['kind'] = 'metric',
): SeriesInput {
  const tsMs: number[] = [];
  const values: number[] = [];
  for (let m = 0; m < 90; m++) {
    tsMs.push(T0 + m * MIN);
    values.push(fn(m));
  }
  return { entityRef: 'component:default/x', metric, kind, tsMs, values };
}

/** Deterministic noise in [-1, 1]. */
const noise = (m: number) =>
  Math.sin(m * 12.9898) * 0.8 + Math.cos(m * 4.1414) * 0.2;
const window = { fromMs: T0 + 60 * MIN, toMs: T0 + 90 * MIN };

describe('scoreSeries', () => {
  it('finds the onset of a sustained shift and scores it', () => {
    const a = scoreSeries(
      make(m => 100 + 5 * noise(m) + (m >= 70 ? 200 : 0)),
      window,
    )!;
    expect(a.onsetMs).toBe(T0 + 70 * MIN);
    expect(a.direction).toBe('up');
    expect(a.score).toBeGreaterThan(0.8);
    expect(a.symptom).toBe('failure');
    expect(a.relativeChange).toBeGreaterThan(1.5);
    expect(a.summary).toMatch(/latency_p95_ms up to/);
  });

  it('stays quiet on noise alone and on a lone spike in mid window', () => {
    expect(
      scoreSeries(
        make(m => 100 + 5 * noise(m)),
        window,
      ),
    ).toBeUndefined();
    expect(
      scoreSeries(
        make(m => 100 + 5 * noise(m) + (m === 75 ? 300 : 0)),
        window,
      ),
    ).toBeUndefined();
  });

  it('dates a ramp from where it left the band, not where it crossed k sigmas', () => {
    const a = scoreSeries(
      make(m => 100 + 2 * noise(m) + (m >= 70 ? (m - 69) * 4 : 0)),
      window,
    )!;
    expect(a.onsetMs).toBeLessThanOrEqual(T0 + 72 * MIN);
    expect(a.slopePerMin).toBeGreaterThan(3);
  });

  it('reads request volume up as load, and damps volume down', () => {
    const up = scoreSeries(
      make(
        m => 1000 + 20 * noise(m) + (m >= 70 ? 3000 : 0),
        'http_requests_total',
      ),
      window,
    )!;
    expect(up.symptom).toBe('load');
    const down = scoreSeries(
      make(
        m => 1000 + 20 * noise(m) - (m >= 70 ? 600 : 0),
        'http_requests_total',
      ),
      window,
    )!;
    expect(down.symptom).toBe('failure');
    expect(down.score).toBeLessThan(up.score);
    // A small traffic drift is significant in sigmas but weak as load.
    const drift = scoreSeries(
      make(
        m => 1000 + 5 * noise(m) + (m >= 70 ? 100 : 0),
        'http_requests_total',
      ),
      window,
    )!;
    expect(drift.score).toBeLessThan(0.3);
  });

  it('treats a drop of availability as a failure, and counts log series with a Poisson floor', () => {
    const avail = scoreSeries(
      make(m => (m >= 75 ? 96 : 100), 'availability'),
      window,
    )!;
    expect(avail.direction).toBe('down');
    expect(avail.symptom).toBe('failure');
    expect(avail.score).toBeGreaterThan(0.5);
    const errors = scoreSeries(
      make(
        m => {
          if (m >= 70) return 30;
          return m % 7 === 0 ? 1 : 0;
        },
        'log_errors',
        'log-errors',
      ),
      window,
    )!;
    expect(errors.score).toBeGreaterThan(0.7);
    // One or two stray errors are not an anomaly.
    expect(
      scoreSeries(
        make(m => (m === 80 || m === 81 ? 2 : 0), 'log_errors', 'log-errors'),
        window,
      ),
    ).toBeUndefined();
  });

  it('needs a baseline, and can fall back to the start of the window', () => {
    const s = make(m => 100 + 5 * noise(m) + (m >= 80 ? 200 : 0));
    const noHistory = { fromMs: T0, toMs: T0 + 90 * MIN };
    expect(scoreSeries(s, noHistory)).toBeUndefined();
    const a = scoreSeries(s, { ...noHistory, fallbackSplitMs: T0 + 60 * MIN })!;
    expect(a.onsetMs).toBe(T0 + 80 * MIN);
  });

  it('maps sigmas to a saturating strength', () => {
    expect(sigmaStrength(0, 4)).toBe(0);
    expect(sigmaStrength(4, 4)).toBeCloseTo(0.33, 2);
    expect(sigmaStrength(8, 4)).toBeGreaterThan(sigmaStrength(4, 4));
    expect(sigmaStrength(1000, 4)).toBeLessThanOrEqual(1);
  });

  it('reports the strongest abnormal run, preferring one still going on by preferEndAfterMs', () => {
    // A small early excursion does not hide the main one.
    const a = scoreSeries(
      make(
        m =>
          100 +
          5 * noise(m) +
          (m >= 62 && m <= 64 ? 40 : 0) +
          (m >= 78 ? 300 : 0),
      ),
      window,
    )!;
    expect(a.onsetMs).toBe(T0 + 78 * MIN);
    // An older, stronger excursion loses against one that lasts into the period of interest.
    const older = make(
      m =>
        100 +
        5 * noise(m) +
        (m >= 62 && m <= 66 ? 300 : 0) +
        (m >= 78 ? 80 : 0),
    );
    expect(scoreSeries(older, window)!.onsetMs).toBe(T0 + 62 * MIN);
    const b = scoreSeries(older, {
      ...window,
      preferEndAfterMs: T0 + 70 * MIN,
    })!;
    expect(b.onsetMs).toBe(T0 + 78 * MIN);
  });

  it('dates the main excursion apart from a milder lead-in merged into the run', () => {
    const a = scoreSeries(
      make(
        m =>
          100 +
          5 * noise(m) +
          (m >= 70 && m < 75 ? 12 : 0) +
          (m >= 75 ? 300 : 0),
      ),
      window,
    )!;
    expect(a.onsetMs).toBeLessThan(T0 + 75 * MIN);
    expect(a.mainOnsetMs).toBe(T0 + 75 * MIN);
  });

  describe('thin baselines (a few coarse points)', () => {
    /** Six 5-minute points from minute 65; the alert at minute 75 is the third point. */
    const coarse = (
      values: number[],
      metric = 'latency_avg_ms',
    ): SeriesInput => ({
      entityRef: 'component:default/x',
      metric,
      kind: 'metric',
      tsMs: values.map((_, i) => T0 + (65 + 5 * i) * MIN),
      values,
    });
    const thin = {
      fromMs: T0 + 60 * MIN,
      toMs: T0 + 90 * MIN,
      fallbackSplitMs: T0 + 70 * MIN,
      thinSplitMaxMs: T0 + 75 * MIN,
    };

    it('uses the points before the alert as baseline, down to two', () => {
      const b = seriesBaseline(coarse([100, 104, 300, 310, 305, 300]), thin)!;
      expect(b.values).toEqual([100, 104]);
      expect(b.fromMs).toBe(T0 + 75 * MIN);
      expect(b.thin).toBe(true);
      const a = scoreSeries(coarse([100, 104, 300, 310, 305, 300]), thin)!;
      expect(a.onsetMs).toBe(T0 + 75 * MIN);
      expect(a.direction).toBe('up');
      // One point before the alert is no baseline.
      expect(
        seriesBaseline(coarse([100, 104, 300, 310, 305, 300]), {
          ...thin,
          thinSplitMaxMs: T0 + 70 * MIN,
        }),
      ).toBeUndefined();
    });

    it('pools the relative noise of comparable series from consecutive differences', () => {
      // Relative steps of 4%, 6%, 0% and 8%: median 5%, / (0.6745 * sqrt 2).
      const scale = pooledRelativeScale([
        [100, 104],
        [50, 47],
        [20, 20],
        [10, 10.8],
      ])!;
      expect(scale).toBeCloseTo(0.05 / (0.6745 * Math.SQRT2), 2);
      // A fleet of two is no fleet; constant-zero series have no level to be relative to.
      expect(
        pooledRelativeScale([
          [1, 2],
          [3, 4],
        ]),
      ).toBeUndefined();
      expect(
        pooledRelativeScale([
          [0, 0],
          [0, 0],
          [0, 0],
          [1, 2],
        ]),
      ).toBeUndefined();
    });

    it('does not take a wobble within the fleet’s noise for an anomaly when two points agree', () => {
      // Two identical baseline points: the own MAD is 0, and 106 would read as ~60 sigmas.
      const wobble = coarse([100, 100, 106, 97, 104, 101]);
      expect(scoreSeries(wobble, thin)).toBeDefined();
      expect(
        scoreSeries(wobble, { ...thin, relativeScale: 0.06 }),
      ).toBeUndefined();
      // A real shift still stands out against the pooled scale.
      const shift = scoreSeries(coarse([100, 100, 250, 260, 255, 250]), {
        ...thin,
        relativeScale: 0.06,
      })!;
      expect(shift.robustSigmas).toBeGreaterThan(20);
      // With a long baseline the pooled scale is not used.
      const long = scoreSeries(
        make(m => 100 + 0.5 * noise(m) + (m >= 70 ? 6 : 0)),
        { ...window, relativeScale: 0.06 },
      );
      expect(long?.direction).toBe('up');
    });
  });

  it('marks an excursion that is over and stayed over as recovered', () => {
    const blip = scoreSeries(
      make(m => 100 + 2 * noise(m) + (m >= 72 && m < 74 ? 150 : 0)),
      window,
    )!;
    expect(blip.recovered).toBe(true);
    const ongoing = scoreSeries(
      make(m => 100 + 2 * noise(m) + (m >= 72 ? 150 : 0)),
      window,
    )!;
    expect(ongoing.recovered).toBeUndefined();
    // Back for less time than it lasted: not yet a recovery.
    const late = scoreSeries(
      make(m => 100 + 2 * noise(m) + (m >= 70 && m < 84 ? 150 : 0)),
      window,
    )!;
    expect(late.recovered).toBeUndefined();
  });
});
