import { scoreSeries, sigmaStrength } from './series';
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
});
