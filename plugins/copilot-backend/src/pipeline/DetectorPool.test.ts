import type {
  Decision,
  SeriesDetector,
  SeriesDetectorState,
} from '../engine/detect/types';
import {
  DetectorPool,
  metricSeriesSpec,
  seriesSpecFromKey,
  templateSeriesSpec,
} from './DetectorPool';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 1);
const now = new Date(T0);

/**
 * A scripted detector: warm after 3 points; the score is value / 100 (capped at 1) and a point alerts at
 * 0.9. Its state is the number of points it saw, so a restore can be checked.
 */
function scripted(
  _options: unknown,
  state?: SeriesDetectorState,
): SeriesDetector {
  let seen = (state?.seen as number | undefined) ?? 0;
  return {
    update({ ts, value }): Decision {
      if (!Number.isNaN(value)) seen++;
      const cold = seen < 3;
      const score = cold || Number.isNaN(value) ? 0 : Math.min(1, value / 100);
      return {
        ts,
        value,
        score,
        anomalous: score >= 0.9,
        direction: score > 0.5 ? 'up' : 'none',
        expected: 10,
        band: [5, 15],
        robustSigmas: (value - 10) / 2,
        seasonality: [],
        fired:
          score >= 0.9
            ? [{ detector: 'seasonal-mad', score, detail: 'spike' }]
            : [],
        cold,
        warmupRemaining: Math.max(0, 3 - seen),
      };
    },
    snapshot: () => ({ version: 1, seen }),
  };
}

describe('DetectorPool', () => {
  const spec = metricSeriesSpec('component:default/a', 'latency_ms', true);

  it('opens a window on an alert, extends it while the score stays high and closes it after the normal minutes', () => {
    const pool = new DetectorPool({
      createDetector: scripted,
      closeAfterMinutes: 2,
      continueScore: 0.5,
    });
    const values = [10, 10, 10, 10, 95, 60, 99, 10, 10, 10];
    const changes = values.map((v, i) =>
      pool.feed(spec, T0 + i * MINUTE, v, now),
    );
    expect(changes.map(c => c?.change ?? '-')).toEqual([
      '-',
      '-',
      '-',
      '-',
      'opened',
      'updated',
      'updated',
      '-',
      'closed',
      '-',
    ]);
    const opened = changes[4]!.anomaly;
    const closed = changes[8]!.anomaly;
    expect(closed.id).toBe(opened.id);
    expect(closed).toMatchObject({
      status: 'closed',
      entityRef: 'component:default/a',
      seriesKey: 'metric:component:default/a:latency_ms:p95',
      kind: 'metric',
      metric: 'latency_ms',
      windowFrom: new Date(T0 + 4 * MINUTE).toISOString(),
      windowTo: new Date(T0 + 7 * MINUTE).toISOString(),
      peakAt: new Date(T0 + 6 * MINUTE).toISOString(),
      score: 0.99,
      value: 99,
      expected: 10,
      band: [5, 15],
      direction: 'up',
    });
    expect(closed.detectors.map(d => d.detector)).toEqual(['seasonal-mad']);
    expect(closed.summary).toContain('p95 latency_ms');
  });

  it('never alerts while cold, ignores replays of decided minutes and does not create a series from a missing point', () => {
    const pool = new DetectorPool({ createDetector: scripted });
    expect(pool.feed(spec, T0, 99, now)).toBeUndefined();
    expect(pool.feed(spec, T0 + MINUTE, 99, now)).toBeUndefined();
    expect(pool.feed(spec, T0 + 2 * MINUTE, 99, now)?.change).toBe('opened');
    expect(pool.feed(spec, T0 + MINUTE, 99, now)).toBeUndefined();
    const other = metricSeriesSpec('component:default/b', 'cpu', false);
    expect(pool.feed(other, T0, NaN, now)).toBeUndefined();
    expect(pool.has(other.key)).toBe(false);
    expect(pool.size).toBe(1);
  });

  it('checkpoints only what changed and resumes from it, open windows included', () => {
    const pool = new DetectorPool({ createDetector: scripted });
    for (let i = 0; i < 4; i++) pool.feed(spec, T0 + i * MINUTE, 10, now);
    const opened = pool.feed(spec, T0 + 4 * MINUTE, 95, now)!.anomaly;
    const states = pool.takeDirty();
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({
      seriesKey: spec.key,
      kind: 'metric',
      lastMinuteMs: T0 + 4 * MINUTE,
      cold: false,
      warmupRemaining: 0,
      state: { version: 1, seen: 5 },
    });
    expect(pool.takeDirty()).toHaveLength(0);

    const resumed = new DetectorPool({ createDetector: scripted });
    resumed.restore(JSON.parse(JSON.stringify(states)), [opened]);
    expect(resumed.lastMinuteMs()).toBe(T0 + 4 * MINUTE);
    expect(resumed.feed(spec, T0 + 4 * MINUTE, 99, now)).toBeUndefined();
    const next = resumed.feed(spec, T0 + 5 * MINUTE, 97, now)!;
    expect(next.change).toBe('updated');
    expect(next.anomaly.id).toBe(opened.id);
    expect(next.anomaly.windowFrom).toBe(opened.windowFrom);
  });

  it('forgets idle log-template series but keeps metric series', () => {
    const pool = new DetectorPool({
      createDetector: scripted,
      idleMinutes: 10,
    });
    const t = templateSeriesSpec('component:default/a', 'tpl-1', 'GET <*>');
    pool.feed(t, T0, 3, now);
    pool.feed(spec, T0, 10, now);
    for (let i = 1; i <= 20; i++) {
      pool.feed(t, T0 + i * MINUTE, 0, now);
      pool.feed(spec, T0 + i * MINUTE, 10, now);
    }
    expect(pool.evict(T0 + 20 * MINUTE)).toEqual([t.key]);
    expect(pool.has(spec.key)).toBe(true);
  });

  it('rebuilds series specs from their keys', () => {
    expect(seriesSpecFromKey(spec.key, spec.entityRef, 'metric')).toEqual(spec);
    expect(
      seriesSpecFromKey(
        'metric:component:default/a:http:requests:total',
        'component:default/a',
        'metric',
      ).metric,
    ).toBe('http:requests:total');
    expect(
      seriesSpecFromKey('template:abc', 'component:default/a', 'template'),
    ).toMatchObject({ templateId: 'abc', kind: 'template' });
    expect(
      seriesSpecFromKey(
        'logs:component:default/a:errors',
        'component:default/a',
        'log-errors',
      ).key,
    ).toBe('logs:component:default/a:errors');
  });
});
