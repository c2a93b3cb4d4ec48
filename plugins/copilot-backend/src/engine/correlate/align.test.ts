import { alignByEntity, combineStrengths, mergeSeriesAnomalies } from './align';
import type { SeriesAnomaly } from './types';

const MIN = 60_000;
function a(
  entityRef: string,
  metric: string,
  onsetMin: number,
  score: number,
  symptom: SeriesAnomaly['symptom'] = 'failure',
): SeriesAnomaly {
  return {
    id: `${entityRef}:${metric}`,
    entityRef,
    seriesKey: `metric:${entityRef}:${metric}`,
    kind: 'metric',
    metric,
    onsetMs: onsetMin * MIN,
    peakMs: onsetMin * MIN,
    endMs: (onsetMin + 5) * MIN,
    score,
    robustSigmas: 10,
    direction: 'up',
    symptom,
    summary: metric,
  };
}

describe('alignByEntity', () => {
  it('takes the earliest strong onset and combines strengths with diminishing returns', () => {
    const e = alignByEntity([
      a('x', 'weak-early', 1, 0.2),
      a('x', 'latency', 5, 0.9),
      a('x', 'errors', 6, 0.8),
      a('x', 'requests', 3, 0.6, 'load'),
    ]).get('x')!;
    expect(e.onsetMs).toBe(3 * MIN);
    expect(e.failure).toBeGreaterThan(0.9);
    expect(e.failure).toBeLessThan(1);
    expect(e.load).toBeCloseTo(0.6);
    expect(e.loadOnsetMs).toBe(3 * MIN);
    expect(e.anomalies[0].metric).toBe('latency');
  });

  it('drops entities whose anomalies are too weak', () => {
    expect(alignByEntity([a('y', 'latency', 1, 0.1)]).size).toBe(0);
  });

  it('merges duplicates of a series, keeping the stronger and the earlier onset', () => {
    const merged = mergeSeriesAnomalies([
      a('x', 'm', 5, 0.5),
      a('x', 'm', 3, 0.7),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0].score).toBe(0.7);
    expect(merged[0].onsetMs).toBe(3 * MIN);
  });

  it('combines strengths monotonically', () => {
    expect(combineStrengths([])).toBe(0);
    expect(combineStrengths([0.5, 0.5])).toBeGreaterThan(
      combineStrengths([0.5]),
    );
    expect(combineStrengths([0.9, 0.9, 0.9, 0.9])).toBeLessThan(1);
  });
});
