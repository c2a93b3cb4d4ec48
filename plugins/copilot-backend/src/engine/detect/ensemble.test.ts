import { createSeriesDetector, describeDecision } from './ensemble';
import { gaussian, mulberry32 } from './stats';
import { DAY, HOUR, MINUTE, daily, synth } from '../../__testUtils__/series';
import type { Decision, SeriesPoint } from './types';

function run(
  points: SeriesPoint[],
  kind: 'gauge' | 'count' = 'gauge',
): Decision[] {
  const d = createSeriesDetector({ kind });
  return points.map(p => d.update(p));
}

const alerts = (ds: Decision[]) =>
  ds.map((d, i) => (d.anomalous ? i : -1)).filter(i => i >= 0);

describe('createSeriesDetector', () => {
  it('is cold first and never alerts while cold', () => {
    const ds = run(synth(200, MINUTE, i => (i === 50 ? 100 : 0)));
    expect(ds[0].cold).toBe(true);
    expect(ds[0].warmupRemaining).toBeGreaterThan(ds[10].warmupRemaining);
    expect(ds.slice(0, 100).every(d => !d.anomalous && d.score === 0)).toBe(
      true,
    );
    expect(ds[199].cold).toBe(false);
    expect(ds[199].warmupRemaining).toBe(0);
  });

  it('does not fire on a flat series', () => {
    const ds = run(synth(3000, MINUTE, () => 5, 0));
    expect(alerts(ds)).toEqual([]);
    expect(Math.max(...ds.map(d => d.score))).toBeLessThan(0.5);
  });

  it('does not fire on white noise', () => {
    const ds = run(synth(6000, MINUTE, () => 100, 3, 11));
    expect(alerts(ds)).toEqual([]);
  });

  it('does not fire on a noisy daily pattern and finds its period', () => {
    const ds = run(
      synth(6 * 1440, MINUTE, (_, ts) => 100 + daily(ts, 20), 1, 5),
    );
    expect(alerts(ds)).toEqual([]);
    expect(ds[ds.length - 1].seasonality[0]?.label).toBe('daily');
  });

  it('fires on a spike, at the spike', () => {
    const ds = run(synth(3000, MINUTE, i => 100 + (i === 2000 ? 25 : 0), 1, 3));
    expect(alerts(ds)).toEqual([2000]);
    expect(ds[2000].direction).toBe('up');
    expect(ds[2000].fired.map(f => f.detector)).toContain('seasonal-mad');
    expect(ds[2000].fired.map(f => f.detector)).toContain('gesd');
    expect(ds[2000].robustSigmas).toBeGreaterThan(10);
  });

  it('fires once on a level shift, right after it, and re-arms later', () => {
    const ds = run(synth(4000, MINUTE, i => 50 + (i >= 2000 ? 12 : 0), 1, 9));
    const a = alerts(ds);
    expect(a.length).toBeGreaterThanOrEqual(1);
    expect(a[0]).toBeGreaterThanOrEqual(2000);
    expect(a[0]).toBeLessThanOrEqual(2005);
    expect(a.filter(i => i > 2005 && i < 2200)).toEqual([]);
    const fired = ds
      .slice(2000, 2100)
      .flatMap(d => d.fired.map(f => f.detector));
    expect(fired).toContain('cusum');
  });

  it('fires on a seasonal shift (the daily pattern moves by 6 hours)', () => {
    const shiftAt = 5 * 1440;
    const ds = run(
      synth(
        6 * 1440,
        MINUTE,
        (i, ts) => 100 + daily(ts, 20, i >= shiftAt ? 6 * HOUR : 0),
        1,
        13,
      ),
    );
    expect(alerts(ds).filter(i => i < shiftAt)).toEqual([]);
    const madAt = (from: number, to: number) =>
      ds
        .slice(from, to)
        .filter(
          d =>
            Math.abs(d.robustSigmas) >= 8 &&
            d.fired.some(f => f.detector === 'seasonal-mad'),
        ).length;
    // Before the shift (once the daily profile is learnt) the baseline explains the data ...
    expect(madAt(3 * 1440, shiftAt)).toBe(0);
    // ... right after it, the residuals against the daily profile are large and the score peaks.
    expect(madAt(shiftAt, shiftAt + 3 * 60)).toBeGreaterThan(0);
    // The point evidence (fast and seasonal-baseline residuals) peaks right after the shift.
    const peak = (from: number, to: number) =>
      Math.max(...ds.slice(from, to).map(d => d.evidence?.point ?? 0));
    expect(peak(shiftAt, shiftAt + 3 * 60)).toBeGreaterThan(
      peak(3 * 1440, shiftAt),
    );
  });

  it('reports a slow leak with the slope detector and not before it', () => {
    const start = 3000;
    const ds = run(
      synth(
        8000,
        MINUTE,
        i => 200 + (i > start ? 0.02 * (i - start) : 0),
        1,
        17,
      ),
    );
    const slopeAt = ds
      .map((d, i) => (d.fired.some(f => f.detector === 'slope') ? i : -1))
      .filter(i => i >= 0);
    expect(slopeAt.filter(i => i < start)).toEqual([]);
    expect(slopeAt.length).toBeGreaterThan(0);
    expect(
      ds[slopeAt[0]].fired.find(f => f.detector === 'slope')?.detail,
    ).toMatch(/slope \+/);
  });

  it('treats NaN as a missing point without touching the state', () => {
    const pts = synth(500, MINUTE, () => 10, 1);
    const d = createSeriesDetector();
    pts.slice(0, 300).forEach(p => d.update(p));
    const before = JSON.stringify(d.snapshot());
    const miss = d.update({ ts: pts[300].ts, value: NaN });
    expect(miss.score).toBe(0);
    expect(miss.anomalous).toBe(false);
    expect(JSON.stringify(d.snapshot())).toBe(before);
    const next = d.update(pts[301]);
    expect(Number.isFinite(next.score)).toBe(true);
  });

  it('handles gaps and irregular timestamps', () => {
    const rand = mulberry32(21);
    const pts: SeriesPoint[] = [];
    let ts = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 5 * 1440; i++) {
      ts += MINUTE * (0.5 + rand()) + (i === 3000 ? 3 * HOUR : 0);
      pts.push({ ts, value: 100 + daily(ts, 20) + gaussian(rand) });
    }
    pts.push({ ts: ts + MINUTE, value: 100 + daily(ts + MINUTE, 20) + 40 });
    const ds = run(pts);
    expect(alerts(ds)).toEqual([pts.length - 1]);
    expect(ds[ds.length - 2].seasonality[0]?.label).toBe('daily');
  });

  it('restores from a JSON snapshot and continues identically', () => {
    const pts = synth(
      4 * 1440,
      MINUTE,
      (i, ts) => 100 + daily(ts, 20) + (i === 5000 ? 30 : 0),
      1,
      4,
    );
    const a = createSeriesDetector();
    const cut = 3500;
    pts.slice(0, cut).forEach(p => a.update(p));
    const b = createSeriesDetector(
      undefined,
      JSON.parse(JSON.stringify(a.snapshot())),
    );
    for (const p of pts.slice(cut)) {
      expect(b.update(p)).toEqual(a.update(p));
    }
  });

  it('keeps the snapshot bounded', () => {
    const d = createSeriesDetector();
    synth(30_000, MINUTE, (_, ts) => 100 + daily(ts, 20), 2, 6).forEach(p =>
      d.update(p),
    );
    expect(JSON.stringify(d.snapshot()).length).toBeLessThan(16_384);
  });

  it('does not alert on 0 -> 2 changes of a sparse count series but on a burst', () => {
    const rand = mulberry32(99);
    const pts: SeriesPoint[] = [];
    const t0 = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 4000; i++) {
      // Poisson(0.3) by inversion.
      let k = 0;
      let p = Math.exp(-0.3);
      let c = p;
      const u = rand();
      while (u > c) {
        k++;
        p *= 0.3 / k;
        c += p;
      }
      pts.push({ ts: t0 + i * MINUTE, value: i === 3500 ? 25 : k });
    }
    const ds = run(pts, 'count');
    expect(alerts(ds)).toEqual([3500]);
  });

  it('describes a decision as evidence text', () => {
    const ds = run(
      synth(3000, MINUTE, i => 150 + (i === 2500 ? 700 : 0), 10, 8),
    );
    const text = describeDecision(ds[2500], {
      metric: 'p95 latency',
      unit: 'ms',
    });
    expect(text).toMatch(
      /^p95 latency \d+ ms vs expected \d+-\d+ ms, [\d.]+ robust sigmas, no seasonality; fired: /,
    );
    expect(text).toContain('seasonal-mad');
    expect(describeDecision({ ...ds[10] }, { metric: 'x' })).toContain('cold');
  });

  it('is deterministic', () => {
    const pts = synth(2000, 5 * MINUTE, (_, ts) => daily(ts, 5), 1, 2);
    expect(run(pts)).toEqual(run(pts));
  });

  it('accepts partial options', () => {
    const d = createSeriesDetector({
      warmupPoints: 10,
      cusum: { k: 1, h: 4, clip: 3 },
    });
    const ds = synth(20, MINUTE, () => 1).map(p => d.update(p));
    expect(ds[15].cold).toBe(false);
  });
});

describe('period detection through the ensemble', () => {
  it('finds a weekly period on hourly data', () => {
    const pts = synth(
      6 * 7 * 24,
      HOUR,
      (_, ts) => {
        const day = Math.floor(ts / DAY) % 7;
        return 100 + (day === 2 || day === 3 ? -30 : 0) + daily(ts, 10);
      },
      1,
      31,
    );
    const ds = run(pts);
    expect(ds[ds.length - 1].seasonality[0]?.label).toBe('weekly');
  });

  it('finds none on white noise', () => {
    const ds = run(synth(5000, MINUTE, () => 0, 1, 77));
    expect(ds[ds.length - 1].seasonality).toEqual([]);
  });
});
