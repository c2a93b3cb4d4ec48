import { buildSeries } from './AnalysisService';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 3, 3, 9, 0, 0);

describe('buildSeries', () => {
  it('zero-fills count series only from the first minute anything was logged', () => {
    // A 6 h baseline before a window whose data starts at T0 + 10 min (a backfilled case, a new install).
    const fromMs = T0 - 6 * 60 * MINUTE;
    const series = buildSeries(
      [
        {
          entityRef: 'component:default/cart',
          metric: 'latency_ms',
          minutesMs: [T0 + 10 * MINUTE, T0 + 11 * MINUTE],
          means: [100, 120],
          p95: { minutesMs: [T0 + 11 * MINUTE], values: [300] },
        },
      ],
      [
        {
          entityRef: 'component:default/cart',
          minutesMs: [T0 + 10 * MINUTE, T0 + 12 * MINUTE],
          totals: [5, 7],
          errors: [0, 2],
        },
      ],
      [
        {
          templateId: 't1',
          entityRef: 'component:default/cart',
          template: 'timeout after <*>',
          minutesMs: [T0 + 12 * MINUTE],
          counts: [2],
        },
      ],
      fromMs,
      T0 + 14 * MINUTE,
    );
    const byMetric = new Map(series.map(s => [s.metric, s]));
    expect([...byMetric.keys()].sort()).toEqual([
      'latency_ms',
      'latency_ms:p95',
      'log_errors',
      'log_lines',
      't1',
    ]);
    expect(byMetric.get('latency_ms:p95')!.values).toEqual([300]);
    const minutes = (T0 + 14 * MINUTE - (T0 + 10 * MINUTE)) / MINUTE;
    for (const name of ['log_lines', 'log_errors', 't1']) {
      const s = byMetric.get(name)!;
      expect(s.tsMs[0]).toBe(T0 + 10 * MINUTE);
      expect(s.tsMs).toHaveLength(minutes);
    }
    expect(byMetric.get('log_lines')!.values).toEqual([5, 0, 7, 0]);
    expect(byMetric.get('log_errors')!.values).toEqual([0, 0, 2, 0]);
    expect(byMetric.get('t1')!.values).toEqual([0, 0, 2, 0]);
  });

  it('zero-fills from the window start when logging began before it', () => {
    const series = buildSeries(
      [],
      [
        {
          entityRef: 'component:default/cart',
          minutesMs: [T0 - 5 * MINUTE, T0 + MINUTE],
          totals: [4, 4],
          errors: [0, 0],
        },
      ],
      [],
      T0,
      T0 + 3 * MINUTE,
    );
    expect(series.find(s => s.metric === 'log_lines')!.values).toEqual([
      0, 4, 0,
    ]);
  });
});
