import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  CumulativeToDelta,
  deltaOfCumulativeSignal,
  type HistogramValue,
} from './cumulative';
import { otlpMetricsToSignals, type OtlpSignal } from './otlp';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const MIN = 60_000;

/** A converter whose clock stands at `clock.now` (it starts at T0). */
function converterAt(options: { maxSeries?: number; maxIdleMs?: number } = {}) {
  const clock = { now: T0 };
  const converter = new CumulativeToDelta({ ...options, now: () => clock.now });
  return { converter, clock };
}

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

type SumPoint = { start?: number; time: number; value: number; route?: string };

/** An OTLP JSON export of one sum metric. */
function sumExport(
  points: SumPoint[],
  opts: { monotonic?: boolean; temporality?: 1 | 2; name?: string } = {},
) {
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'http' },
            metrics: [
              {
                name: opts.name ?? 'http.server.request.count',
                sum: {
                  aggregationTemporality: opts.temporality ?? 2,
                  isMonotonic: opts.monotonic ?? true,
                  dataPoints: points.map(p => ({
                    ...(p.start !== undefined
                      ? { startTimeUnixNano: ns(p.start) }
                      : {}),
                    timeUnixNano: ns(p.time),
                    asInt: String(p.value),
                    attributes: [
                      {
                        key: 'route',
                        value: { stringValue: p.route ?? '/pay' },
                      },
                    ],
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** An OTLP JSON export of one cumulative explicit-bounds histogram point. */
function histogramExport(
  point: {
    start: number;
    time: number;
    counts: number[];
    sum: number;
    min?: number;
    max?: number;
  },
  bounds = [10, 50, 100, 250, 500, 1000],
) {
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
          ],
        },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'http.server.duration',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                  dataPoints: [
                    {
                      startTimeUnixNano: ns(point.start),
                      timeUnixNano: ns(point.time),
                      count: String(point.counts.reduce((a, b) => a + b, 0)),
                      sum: point.sum,
                      ...(point.min !== undefined ? { min: point.min } : {}),
                      ...(point.max !== undefined ? { max: point.max } : {}),
                      explicitBounds: bounds,
                      bucketCounts: point.counts.map(String),
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

const values = (items: OtlpSignal[], key: string) =>
  items.filter(i => i.key === key).map(i => i.value);
const one = (items: OtlpSignal[], key: string) => {
  const found = items.filter(i => i.key === key);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('CumulativeToDelta', () => {
  it('turns a steady counter into constant deltas; its first point is the baseline', () => {
    const { converter, clock } = converterAt();
    const start = T0 - 3600_000; // started before the converter: increments it never saw
    const out = [1000, 1060, 1120, 1180].map((value, k) => {
      clock.now = T0 + k * MIN;
      return converter.scalar('c', {
        startMs: start,
        timeMs: T0 + k * MIN,
        value,
      });
    });
    expect(out).toEqual([
      { kind: 'baseline' },
      { kind: 'delta', value: 60 },
      { kind: 'delta', value: 60 },
      { kind: 'delta', value: 60 },
    ]);
    expect(converter.stats()).toMatchObject({
      series: 1,
      baselines: 1,
      deltas: 3,
      resets: 0,
    });
  });

  it('emits the value of a first point whose counter started after the converter did', () => {
    const { converter } = converterAt();
    expect(
      converter.scalar('new', {
        startMs: T0 + 5000,
        timeMs: T0 + MIN,
        value: 7,
      }),
    ).toEqual({ kind: 'delta', value: 7 });
    // no start time: nothing says which increments were missed
    expect(converter.scalar('nostart', { timeMs: T0 + MIN, value: 7 })).toEqual(
      {
        kind: 'baseline',
      },
    );
    expect(converter.stats().startedInside).toBe(1);
  });

  it('never emits a negative delta on a reset: the counter restarted from zero (Prometheus)', () => {
    const { converter } = converterAt();
    const s1 = T0 - 3600_000;
    const step = (startMs: number | undefined, k: number, value: number) =>
      converter.scalar('c', { startMs, timeMs: T0 + k * MIN, value });
    step(s1, 0, 1000);
    expect(step(s1, 1, 1060)).toEqual({ kind: 'delta', value: 60 });
    // the process restarted 30 s before this point: its 25 requests are the increase
    const s2 = T0 + 1.5 * MIN;
    expect(step(s2, 2, 25)).toEqual({ kind: 'delta', value: 25 });
    expect(step(s2, 3, 85)).toEqual({ kind: 'delta', value: 60 });
    // a decrease under an unchanged start time is no restart a single writer makes: re-baseline only
    expect(step(s2, 4, 10)).toEqual({ kind: 'baseline' });
    expect(step(s2, 5, 70)).toEqual({ kind: 'delta', value: 60 });
    expect(converter.stats().resets).toBe(2);

    // without start times (the JSON API, Prometheus-style): a decrease is a restart from zero
    const plain = (k: number, value: number) =>
      converter.scalar('p', { timeMs: T0 + k * MIN, value });
    plain(0, 500);
    expect(plain(1, 560)).toEqual({ kind: 'delta', value: 60 });
    expect(plain(2, 40)).toEqual({ kind: 'delta', value: 40 });
  });

  it('takes a changed start time for a restart, even when the value went up', () => {
    const { converter } = converterAt();
    converter.scalar('c', { startMs: T0 - 3600_000, timeMs: T0, value: 100 });
    // restarted 10 s after the last point and already past the old total
    expect(
      converter.scalar('c', {
        startMs: T0 + 10_000,
        timeMs: T0 + MIN,
        value: 150,
      }),
    ).toEqual({ kind: 'delta', value: 150 });
    // a start time moved back before the last point: nothing to trust, re-baseline
    expect(
      converter.scalar('c', {
        startMs: T0 - 7200_000,
        timeMs: T0 + 2 * MIN,
        value: 400,
      }),
    ).toEqual({ kind: 'baseline' });
    expect(
      converter.scalar('c', {
        startMs: T0 - 7200_000,
        timeMs: T0 + 3 * MIN,
        value: 460,
      }),
    ).toEqual({ kind: 'delta', value: 60 });
  });

  it('drops and counts out-of-order and duplicate points', () => {
    const { converter } = converterAt();
    const start = T0 - 3600_000;
    const at = (k: number, value: number) =>
      converter.scalar('c', { startMs: start, timeMs: T0 + k * MIN, value });
    at(0, 100);
    expect(at(2, 220)).toEqual({ kind: 'delta', value: 120 });
    expect(at(1, 160)).toEqual({ kind: 'stale' }); // late
    expect(at(2, 220)).toEqual({ kind: 'stale' }); // retried
    expect(at(3, 280)).toEqual({ kind: 'delta', value: 60 });
    expect(converter.stats().stale).toBe(2);
  });

  it('leaves points too far in the future alone', () => {
    const { converter } = converterAt();
    expect(converter.scalar('c', { timeMs: T0 + 10 * MIN, value: 5 })).toEqual({
      kind: 'future',
    });
    expect(converter.stats()).toMatchObject({ series: 0, future: 1 });
  });

  it('keeps at most maxSeries, evicting the least recently updated; a forgotten series re-baselines', () => {
    const { converter, clock } = converterAt({ maxSeries: 2 });
    const startedLater = T0 + 1000; // after the converter started: first points would count
    clock.now = T0 + MIN;
    converter.scalar('a', {
      startMs: startedLater,
      timeMs: T0 + MIN,
      value: 1,
    });
    converter.scalar('b', {
      startMs: startedLater,
      timeMs: T0 + MIN,
      value: 1,
    });
    converter.scalar('a', {
      startMs: startedLater,
      timeMs: T0 + 2 * MIN,
      value: 2,
    }); // a is fresher
    converter.scalar('c', {
      startMs: startedLater,
      timeMs: T0 + 2 * MIN,
      value: 1,
    }); // evicts b
    expect(converter.stats()).toMatchObject({ series: 2, evicted: 1 });
    // b comes back: its counter started before it was forgotten, so its total is no delta
    expect(
      converter.scalar('b', {
        startMs: startedLater,
        timeMs: T0 + 3 * MIN,
        value: 9,
      }),
    ).toEqual({ kind: 'baseline' });
    // remembering b again evicted a, the stalest now
    expect(converter.stats()).toMatchObject({ series: 2, evicted: 2 });
    // a counter that started after the eviction still counts from its first point
    expect(
      converter.scalar('d', {
        startMs: T0 + 2.5 * MIN,
        timeMs: T0 + 3 * MIN,
        value: 4,
      }),
    ).toEqual({ kind: 'delta', value: 4 });
  });

  it('forgets series idle for maxIdleMs', () => {
    const { converter, clock } = converterAt({ maxIdleMs: 10 * MIN });
    const start = T0 - 3600_000;
    converter.scalar('idle', { startMs: start, timeMs: T0, value: 10 });
    converter.scalar('busy', { startMs: start, timeMs: T0, value: 10 });
    clock.now = T0 + 8 * MIN;
    converter.scalar('busy', {
      startMs: start,
      timeMs: T0 + 8 * MIN,
      value: 20,
    });
    clock.now = T0 + 11 * MIN;
    converter.scalar('busy', {
      startMs: start,
      timeMs: T0 + 11 * MIN,
      value: 30,
    });
    expect(converter.stats()).toMatchObject({ series: 1, expired: 1 });
    expect(
      converter.scalar('idle', {
        startMs: start,
        timeMs: T0 + 11 * MIN,
        value: 99,
      }),
    ).toEqual({ kind: 'baseline' });
  });

  it('subtracts histograms bucket by bucket and treats a decreasing bucket or new bounds as a reset', () => {
    const { converter } = converterAt();
    const start = T0 - 3600_000;
    const h = (
      counts: number[],
      sum: number,
      bounds = [1, 2],
    ): HistogramValue => ({
      count: counts.reduce((a, b) => a + b, 0),
      sum,
      buckets: { type: 'explicit', bounds, counts },
    });
    converter.histogram('h', {
      startMs: start,
      timeMs: T0,
      value: h([5, 3, 1], 10),
    });
    expect(
      converter.histogram('h', {
        startMs: start,
        timeMs: T0 + MIN,
        value: h([6, 5, 4], 20),
      }),
    ).toEqual({ kind: 'delta', value: h([1, 2, 3], 10) });
    // a bucket went down while the count went up: a reset, and the start time did not change
    expect(
      converter.histogram('h', {
        startMs: start,
        timeMs: T0 + 2 * MIN,
        value: h([0, 9, 9], 30),
      }),
    ).toEqual({ kind: 'baseline' });
    // new bounds under the same start time cannot be subtracted
    expect(
      converter.histogram('h', {
        startMs: start,
        timeMs: T0 + 3 * MIN,
        value: h([1, 9, 9], 31, [1, 3]),
      }),
    ).toEqual({ kind: 'baseline' });
  });

  it('subtracts exponential histograms, bringing the previous point to a coarser scale', () => {
    const { converter } = converterAt();
    const start = T0 - 3600_000;
    const prev: HistogramValue = {
      count: 6,
      buckets: {
        type: 'exponential',
        scale: 1,
        zeroCount: 1,
        zeroThreshold: 0,
        positive: { offset: 2, counts: [1, 2, 1, 1] }, // indexes 2..5
        negative: { offset: 0, counts: [] },
      },
    };
    converter.histogram('e', { startMs: start, timeMs: T0, value: prev });
    // scale 0: index i of scale 1 falls into i >> 1, so 2,3 -> 1 and 4,5 -> 2
    const cur: HistogramValue = {
      count: 10,
      buckets: {
        type: 'exponential',
        scale: 0,
        zeroCount: 2,
        zeroThreshold: 0,
        positive: { offset: 1, counts: [4, 2, 1] }, // indexes 1..3
        negative: { offset: 0, counts: [] },
      },
    };
    expect(
      converter.histogram('e', {
        startMs: start,
        timeMs: T0 + MIN,
        value: cur,
      }),
    ).toEqual({
      kind: 'delta',
      value: {
        count: 4,
        buckets: {
          type: 'exponential',
          scale: 0,
          zeroCount: 1,
          zeroThreshold: 0,
          positive: { offset: 1, counts: [1, 0, 1] },
          negative: { offset: 0, counts: [] },
        },
      },
    });
  });
});

describe('otlpMetricsToSignals with a cumulative converter', () => {
  it('emits monotonic cumulative sums as deltas under the same name, labelled delta', () => {
    const { converter, clock } = converterAt();
    const start = T0 - 3600_000;
    const out: OtlpSignal[] = [];
    [1000, 1060, 1120].forEach((value, k) => {
      clock.now = T0 + k * MIN;
      const { items, errors } = otlpMetricsToSignals(
        sumExport([
          { start, time: T0 + k * MIN, value },
          { start, time: T0 + k * MIN, value: value * 2, route: '/cart' },
        ]),
        { cumulative: converter },
      );
      expect(errors).toEqual([]);
      out.push(...items);
    });
    expect(out).toHaveLength(4); // the first export is the baseline of both series
    const pay = out.filter(i => i.labels.route === '/pay');
    expect(pay.map(i => i.value)).toEqual([60, 60]);
    expect(pay.map(i => i.ts)).toEqual([T0 + MIN, T0 + 2 * MIN]);
    expect(pay[0]).toMatchObject({
      key: 'http.server.request.count',
      labels: {
        'otel.temporality': 'delta',
        'otel.monotonic': 'true',
        service: 'checkout',
      },
    });
    expect(
      out.filter(i => i.labels.route === '/cart').map(i => i.value),
    ).toEqual([120, 120]);
  });

  it('passes UpDownCounters (non-monotonic cumulative sums) and delta sums on as sent', () => {
    const { converter } = converterAt();
    const start = T0 - 3600_000;
    const levels = [40, 42, 38].flatMap(
      (value, k) =>
        otlpMetricsToSignals(
          sumExport([{ start, time: T0 + k * MIN, value }], {
            monotonic: false,
            name: 'db.client.connections.usage',
          }),
          { cumulative: converter },
        ).items,
    );
    expect(levels.map(i => i.value)).toEqual([40, 42, 38]);
    expect(levels[0].labels).toMatchObject({
      'otel.temporality': 'cumulative',
      'otel.monotonic': 'false',
    });
    const deltas = [5, 7].flatMap(
      (value, k) =>
        otlpMetricsToSignals(
          sumExport(
            [{ start: T0 + k * MIN, time: T0 + (k + 1) * MIN, value }],
            {
              temporality: 1,
            },
          ),
          { cumulative: converter },
        ).items,
    );
    expect(deltas.map(i => i.value)).toEqual([5, 7]);
    expect(converter.stats().series).toBe(0);
    // a JSON signal marked cumulative but not monotonic is a level too
    const level = {
      source: 's',
      kind: 'metric',
      key: 'queue.depth',
      tsMs: T0,
      value: 3,
      labels: { temporality: 'cumulative', monotonic: 'false' },
    };
    expect(deltaOfCumulativeSignal(converter, level)).toBe(level);
  });

  it('gives the p95 of the interval from the delta buckets, not of all time', () => {
    const { converter, clock } = converterAt();
    const start = T0 - 3600_000;
    // all time until now: 10 000 fast requests (10, 50]
    const first = histogramExport({
      start,
      time: T0,
      counts: [0, 10_000, 0, 0, 0, 0, 0],
      sum: 200_000,
      min: 12,
      max: 48,
    });
    // this minute: 100 slow ones (250, 500]
    const second = histogramExport({
      start,
      time: T0 + MIN,
      counts: [0, 10_000, 0, 0, 100, 0, 0],
      sum: 240_000,
      min: 12,
      max: 450,
    });
    // without the converter the p95 is over all time and hides the slow minute
    const allTime = otlpMetricsToSignals(second).items;
    expect(one(allTime, 'http.server.duration_p95').value).toBeLessThanOrEqual(
      50,
    );

    expect(
      otlpMetricsToSignals(first, { cumulative: converter }).items,
    ).toEqual([]);
    clock.now = T0 + MIN;
    const { items, errors } = otlpMetricsToSignals(second, {
      cumulative: converter,
    });
    expect(errors).toEqual([]);
    expect(one(items, 'http.server.duration_count').value).toBe(100);
    expect(one(items, 'http.server.duration_sum').value).toBe(40_000);
    const p95 = one(items, 'http.server.duration_p95');
    expect(p95.value).toBeGreaterThan(250);
    expect(p95.value).toBeLessThanOrEqual(450); // clamped by the (all-time) max
    expect(p95.labels['otel.temporality']).toBe('delta');
    // all-time min and max are no interval's: not emitted once converted
    expect(values(items, 'http.server.duration_min')).toEqual([]);
    expect(values(items, 'http.server.duration_max')).toEqual([]);

    // a minute without requests: count 0, no quantiles
    clock.now = T0 + 2 * MIN;
    const idle = otlpMetricsToSignals(
      histogramExport({
        start,
        time: T0 + 2 * MIN,
        counts: [0, 10_000, 0, 0, 100, 0, 0],
        sum: 240_000,
      }),
      { cumulative: converter },
    ).items;
    expect(idle.map(i => [i.key, i.value])).toEqual([
      ['http.server.duration_count', 0],
      ['http.server.duration_sum', 0],
    ]);
  });

  it('converts histograms exported by the OpenTelemetry SDK with cumulative temporality, exponential ones too', async () => {
    // The SDK's clock (performance.timeOrigin + now) may run a little behind Date.now(): this converter
    // says it started a second before the meter provider below.
    const converter = new CumulativeToDelta({ now: () => Date.now() - 1000 });
    class CumulativeReader extends MetricReader {
      constructor() {
        super({
          aggregationTemporalitySelector: () =>
            AggregationTemporality.CUMULATIVE,
        });
      }
      protected async onShutdown(): Promise<void> {}
      protected async onForceFlush(): Promise<void> {}
    }
    const reader = new CumulativeReader();
    // created after the converter: the first export's totals are what happened since then
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      readers: [reader],
      views: [
        {
          instrumentName: 'payload.size',
          aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
        },
      ],
    });
    const meter = provider.getMeter('checkout');
    const duration = meter.createHistogram('rpc.duration', {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [10, 50, 100, 250, 500] },
    });
    const sizes = meter.createHistogram('payload.size');
    const requests = meter.createCounter('rpc.requests');
    const collect = async () => {
      await new Promise(r => setTimeout(r, 5)); // a later timeUnixNano
      const { resourceMetrics } = await reader.collect();
      const body = JSON.parse(
        new TextDecoder().decode(
          JsonMetricsSerializer.serializeRequest(resourceMetrics),
        ),
      );
      return otlpMetricsToSignals(body, { cumulative: converter }).items;
    };

    for (let k = 0; k < 1000; k++) duration.record(20);
    for (let k = 1; k <= 100; k++) sizes.record(k);
    requests.add(10);
    const first = await collect();
    expect(one(first, 'rpc.requests').value).toBe(10);
    expect(one(first, 'rpc.duration_count').value).toBe(1000);

    for (let k = 0; k < 50; k++) duration.record(300);
    for (let k = 0; k < 50; k++) sizes.record(100_000); // the range grows: the SDK downscales
    requests.add(5);
    const second = await collect();
    expect(one(second, 'rpc.requests').value).toBe(5);
    expect(one(second, 'rpc.duration_count').value).toBe(50);
    expect(one(second, 'rpc.duration_sum').value).toBeCloseTo(15_000, 6);
    const p50 = one(second, 'rpc.duration_p50').value!;
    expect(p50).toBeGreaterThan(250);
    expect(p50).toBeLessThanOrEqual(500);
    expect(one(second, 'payload.size_count').value).toBe(50);
    const sizeP50 = one(second, 'payload.size_p50').value!;
    expect(sizeP50).toBeGreaterThan(50_000);
    expect(sizeP50).toBeLessThanOrEqual(100_000);
    expect(converter.stats()).toMatchObject({ series: 3, baselines: 0 });
    await provider.shutdown();
  });

  it('converts a summary’s count and sum and keeps its quantiles, also on the first point', () => {
    const { converter } = converterAt();
    const start = T0 - 3600_000;
    const summary = (k: number, count: number, sum: number) => ({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'gc.pause',
                  summary: {
                    dataPoints: [
                      {
                        startTimeUnixNano: ns(start),
                        timeUnixNano: ns(T0 + k * MIN),
                        count,
                        sum,
                        quantileValues: [{ quantile: 0.99, value: 0.4 + k }],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const first = otlpMetricsToSignals(summary(0, 100, 5), {
      cumulative: converter,
    }).items;
    expect(first.map(i => [i.key, i.value])).toEqual([['gc.pause_p99', 0.4]]);
    const second = otlpMetricsToSignals(summary(1, 130, 6.5), {
      cumulative: converter,
    }).items;
    expect(second.map(i => [i.key, i.value])).toEqual([
      ['gc.pause_count', 30],
      ['gc.pause_sum', 1.5],
      ['gc.pause_p99', 1.4],
    ]);
  });

  it('reports a non-finite count before it can become a baseline', () => {
    const { converter } = converterAt();
    const body = histogramExport({
      start: T0 - MIN,
      time: T0,
      counts: [1, 0, 0, 0, 0, 0, 0],
      sum: 1,
    });
    (
      body.resourceMetrics[0].scopeMetrics[0].metrics[0].histogram
        .dataPoints[0] as any
    ).count = 'lots';
    const { items, errors } = otlpMetricsToSignals(body, {
      cumulative: converter,
    });
    expect(items).toEqual([]);
    expect(errors).toEqual([
      expect.objectContaining({
        field: expect.stringMatching(/dataPoints\[0\]\.count$/),
      }),
    ]);
    expect(converter.stats().series).toBe(0);
  });
});

describe('deltaOfCumulativeSignal (JSON ingest API)', () => {
  const signal = (
    k: number,
    value: number,
    labels: Record<string, string>,
  ) => ({
    source: 'billing',
    kind: 'metric',
    key: 'http_requests_total',
    tsMs: T0 + k * MIN,
    value,
    labels,
  });

  it('converts metrics labelled temporality: cumulative (or otel.temporality) and relabels them delta', () => {
    const { converter } = converterAt();
    for (const marker of ['temporality', 'otel.temporality']) {
      const labels = { [marker]: 'cumulative', route: '/pay' };
      expect(
        deltaOfCumulativeSignal(converter, signal(0, 500, labels)),
      ).toBeUndefined();
      expect(
        deltaOfCumulativeSignal(converter, signal(1, 560, labels)),
      ).toEqual(signal(1, 60, { [marker]: 'delta', route: '/pay' }));
      expect(
        deltaOfCumulativeSignal(converter, signal(1, 560, labels)),
      ).toBeUndefined();
      expect(deltaOfCumulativeSignal(converter, signal(2, 10, labels))).toEqual(
        signal(2, 10, { [marker]: 'delta', route: '/pay' }),
      );
    }
    // another label value is another series
    expect(
      deltaOfCumulativeSignal(
        converter,
        signal(3, 700, { temporality: 'cumulative', route: '/cart' }),
      ),
    ).toBeUndefined();
  });

  it('leaves unmarked metrics, Prometheus-style names included, and other kinds as sent', () => {
    const { converter } = converterAt();
    const plain = signal(0, 500, { route: '/pay' });
    expect(deltaOfCumulativeSignal(converter, plain)).toBe(plain);
    const log = { ...signal(0, 1, { temporality: 'cumulative' }), kind: 'log' };
    expect(deltaOfCumulativeSignal(converter, log)).toBe(log);
    expect(converter.stats().series).toBe(0);
  });
});
