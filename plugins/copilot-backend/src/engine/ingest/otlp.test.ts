import {
  ROOT_CONTEXT,
  SeverityNumber,
  TraceFlags,
  ValueType,
  trace,
} from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  OtlpPayloadError,
  OtlpSignal,
  anyValueToJs,
  otlpLogsToSignals,
  otlpMetricsToSignals,
} from './otlp';

const T0_MS = Date.UTC(2026, 2, 1, 12, 0, 0, 123);

/** A pull reader: sums of counters are delta, everything else cumulative. */
class TestReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: type =>
        type === InstrumentType.COUNTER
          ? AggregationTemporality.DELTA
          : AggregationTemporality.CUMULATIVE,
    });
  }

  protected async onShutdown(): Promise<void> {}

  protected async onForceFlush(): Promise<void> {}
}

function decode(bytes: Uint8Array | undefined): unknown {
  if (!bytes) throw new Error('the serializer returned nothing');
  return JSON.parse(new TextDecoder().decode(bytes));
}

function byKey(items: OtlpSignal[], key: string): OtlpSignal[] {
  return items.filter(i => i.key === key);
}

function one(items: OtlpSignal[], key: string): OtlpSignal {
  const found = byKey(items, key);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('otlpLogsToSignals', () => {
  it('converts logs emitted through the OpenTelemetry SDK and serialized by JsonLogsSerializer', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({
        'service.name': 'checkout',
        'k8s.namespace.name': 'shop',
        'deployment.environment': 'prod',
      }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('checkout.payments', '1.4.0');
    const spanContext = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
    };
    logger.emit({
      timestamp: T0_MS,
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: 'charge failed: upstream 502',
      attributes: {
        'http.route': '/pay',
        retry: 2,
        cached: false,
        tags: ['card', 'eu'],
        'deployment.environment': 'canary',
      },
      context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
    });
    logger.emit({
      timestamp: T0_MS + 1500,
      severityNumber: SeverityNumber.WARN2,
      body: { order: 'o-17', amount: 12.5 },
    });
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records).toHaveLength(2);

    const payload = decode(JsonLogsSerializer.serializeRequest(records)) as {
      resourceLogs: Array<{
        scopeLogs: Array<{ logRecords: Array<Record<string, unknown>> }>;
      }>;
    };
    // the official JSON encoding: nanoseconds as decimal strings, ids as hex
    const wire = payload.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(wire.timeUnixNano).toBe(`${T0_MS}000000`);
    expect(wire.traceId).toBe(spanContext.traceId);

    const { items, errors } = otlpLogsToSignals(payload);
    expect(errors).toEqual([]);
    expect(items).toHaveLength(2);

    const [first, second] = items;
    expect(first).toMatchObject({
      source: 'checkout',
      kind: 'log',
      ts: T0_MS,
      text: 'charge failed: upstream 502',
    });
    expect(first.labels).toMatchObject({
      service: 'checkout',
      'service.name': 'checkout',
      'k8s.namespace.name': 'shop',
      // record attributes win over resource attributes
      'deployment.environment': 'canary',
      'http.route': '/pay',
      retry: '2',
      cached: 'false',
      tags: '["card","eu"]',
      level: 'error',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      'otel.scope': 'checkout.payments',
    });

    expect(second.ts).toBe(T0_MS + 1500);
    // no severityText: the level comes from severityNumber's range
    expect(second.labels.level).toBe('warn');
    expect(JSON.parse(second.text!)).toEqual({ order: 'o-17', amount: 12.5 });
    expect(second.labels.trace_id).toBeUndefined();
    expect(second.labels['deployment.environment']).toBe('prod');

    expect(
      otlpLogsToSignals(payload, { defaultSource: 'otel-collector' }).items[0]
        .source,
    ).toBe('otel-collector');
    await provider.shutdown();
  });

  it('reads snake_case field names and string-encoded integers', () => {
    const { items, errors } = otlpLogsToSignals({
      resource_logs: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { string_value: 'orders' } },
              { key: 'service', value: { stringValue: 'orders-api' } },
              { key: 'host.cpus', value: { int_value: '8' } },
            ],
          },
          scope_logs: [
            {
              scope: { name: 'orders.db', version: '2.0.0' },
              log_records: [
                {
                  time_unix_nano: '1772366400123456789',
                  severity_number: 21,
                  body: { stringValue: 'pool exhausted' },
                  attributes: [
                    { key: 'db.pool.max', value: { intValue: '50' } },
                    {
                      key: 'big',
                      value: { intValue: '9007199254740993' },
                    },
                    {
                      key: 'ctx',
                      value: {
                        kvlistValue: {
                          values: [
                            { key: 'shard', value: { intValue: 3 } },
                            {
                              key: 'hosts',
                              value: {
                                arrayValue: {
                                  values: [
                                    { stringValue: 'a' },
                                    { stringValue: 'b' },
                                  ],
                                },
                              },
                            },
                          ],
                        },
                      },
                    },
                  ],
                  trace_id: '00000000000000000000000000000000',
                  span_id: '',
                },
                {
                  observed_time_unix_nano: 1772366401000000000,
                  severity_number: 'SEVERITY_NUMBER_DEBUG3',
                  body: { doubleValue: 0.25 },
                  // base64, as a generic protobuf-JSON encoder would write the bytes
                  traceId: 'S/kvNXezTaajzpKdDg5HNg==',
                },
              ],
            },
          ],
        },
      ],
    });
    expect(errors).toEqual([]);
    expect(items).toHaveLength(2);
    const [a, b] = items;
    expect(a.source).toBe('orders');
    expect(a.ts).toBeCloseTo(1772366400123.4568, 3);
    expect(a.text).toBe('pool exhausted');
    expect(a.labels).toEqual({
      'service.name': 'orders',
      // an existing service label is kept
      service: 'orders-api',
      'host.cpus': '8',
      'db.pool.max': '50',
      // beyond Number's safe range: kept exact as its decimal string
      big: '9007199254740993',
      ctx: '{"shard":3,"hosts":["a","b"]}',
      level: 'fatal',
      'otel.scope': 'orders.db',
    });
    // timeUnixNano missing: observedTimeUnixNano is used
    expect(b.ts).toBe(1772366401000);
    expect(b.labels.level).toBe('debug');
    expect(b.text).toBe('0.25');
    expect(b.labels.trace_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('maps every severityNumber range to a level', () => {
    const levels = [1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 0].map(n => {
      const { items } = otlpLogsToSignals({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: '1',
                    severityNumber: n,
                    body: { stringValue: 'x' },
                  },
                ],
              },
            ],
          },
        ],
      });
      return items[0].labels.level;
    });
    expect(levels).toEqual([
      'trace',
      'trace',
      'debug',
      'debug',
      'info',
      'info',
      'warn',
      'warn',
      'error',
      'error',
      'fatal',
      'fatal',
      undefined,
    ]);
  });

  it('reports records without a timestamp by running index and path and keeps the others', () => {
    const record = (ts?: string) => ({
      ...(ts ? { timeUnixNano: ts } : {}),
      body: { stringValue: `line ${ts}` },
    });
    const { items, errors } = otlpLogsToSignals({
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'billing' } },
            ],
          },
          scopeLogs: [
            { logRecords: [record('1000000'), record('2000000')] },
            {
              logRecords: [
                record('3000000'),
                { timeUnixNano: '0', observedTimeUnixNano: 0, body: {} },
                record('5000000'),
              ],
            },
          ],
        },
        {
          scopeLogs: [
            { logRecords: [record('6000000'), { timeUnixNano: 'soon' }] },
          ],
        },
      ],
    });
    expect(errors).toEqual([
      {
        index: 3,
        field: 'resourceLogs[0].scopeLogs[1].logRecords[1].timeUnixNano',
        reason: expect.stringContaining('no timestamp'),
      },
      {
        index: 6,
        field: 'resourceLogs[1].scopeLogs[0].logRecords[1].timeUnixNano',
        reason: expect.stringContaining('nanoseconds since the epoch'),
      },
    ]);
    expect(items.map(i => i.ts)).toEqual([1, 2, 3, 5, 6]);
    expect(items.map(i => i.source)).toEqual([
      'billing',
      'billing',
      'billing',
      'billing',
      'otlp',
    ]);
  });

  it('throws a helpful error on a malformed request', () => {
    expect(() => otlpLogsToSignals('{"resourceLogs":[]}')).toThrow(
      /logs request body must be a JSON object.*got a string \(parse the JSON text/,
    );
    expect(() => otlpLogsToSignals(null)).toThrow(/got null/);
    expect(() => otlpLogsToSignals([])).toThrow(/got an array/);
    expect(() => otlpMetricsToSignals(42)).toThrow(
      /metrics request body must be a JSON object.*application\/json/,
    );
    let caught: unknown;
    try {
      otlpLogsToSignals({ resourceLogs: { scopeLogs: [] } });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OtlpPayloadError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as OtlpPayloadError).field).toBe('resourceLogs');
    expect((caught as Error).message).toMatch(
      /resourceLogs must be an array, got an object; an ExportLogsServiceRequest is \{"resourceLogs":\[/,
    );
    expect(() =>
      otlpLogsToSignals({ resourceLogs: [{ scopeLogs: [{ logRecords: 5 }] }] }),
    ).toThrow(/resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords must be an array/);
    // an empty request is valid and yields nothing
    expect(otlpLogsToSignals({})).toEqual({ items: [], errors: [] });
  });
});

describe('otlpMetricsToSignals', () => {
  it('converts metrics recorded through the OpenTelemetry SDK and serialized by JsonMetricsSerializer', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      readers: [reader],
      views: [
        {
          instrumentName: 'http.server.request.duration',
          aggregation: {
            type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
            options: { boundaries: [10, 50, 100, 250, 500] },
          },
        },
        {
          instrumentName: 'payload.size',
          aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
        },
      ],
    });
    const meter = provider.getMeter('checkout.http');

    const requests = meter.createCounter('http.server.requests', {
      valueType: ValueType.INT,
    });
    requests.add(3, { route: '/pay' });
    requests.add(4, { route: '/pay' });
    requests.add(1, { route: '/cart' });

    meter
      .createGauge('queue.depth', { unit: '{message}' })
      .record(12, { queue: 'orders' });
    meter
      .createObservableGauge('process.cpu.utilization', { unit: '1' })
      .addCallback(result => result.observe(0.42));

    const duration = meter.createHistogram('http.server.request.duration', {
      unit: 'ms',
    });
    for (let k = 0; k < 90; k++) duration.record(20, { route: '/pay' });
    for (let k = 0; k < 10; k++) duration.record(200, { route: '/pay' });

    const sizes = meter.createHistogram('payload.size', { unit: 'By' });
    for (let k = 1; k <= 100; k++) sizes.record(k * 10);

    const { resourceMetrics, errors: collectErrors } = await reader.collect();
    expect(collectErrors).toEqual([]);
    const payload = decode(
      JsonMetricsSerializer.serializeRequest(resourceMetrics),
    );

    const { items, errors } = otlpMetricsToSignals(payload);
    expect(errors).toEqual([]);
    for (const item of items) {
      expect(item.kind).toBe('metric');
      expect(item.source).toBe('checkout');
      expect(item.labels.service).toBe('checkout');
      expect(Number.isFinite(item.ts)).toBe(true);
      expect(Math.abs(item.ts - Date.now())).toBeLessThan(60_000);
    }

    // counter (sum, asInt, delta, monotonic)
    const counter = byKey(items, 'http.server.requests');
    expect(counter).toHaveLength(2);
    const pay = counter.find(c => c.labels.route === '/pay')!;
    expect(pay.value).toBe(7);
    expect(pay.labels).toMatchObject({
      'otel.temporality': 'delta',
      'otel.monotonic': 'true',
    });
    expect(counter.find(c => c.labels.route === '/cart')!.value).toBe(1);

    // gauges
    const depth = one(items, 'queue.depth');
    expect(depth.value).toBe(12);
    expect(depth.labels).toMatchObject({ queue: 'orders', unit: '{message}' });
    expect(depth.labels['otel.temporality']).toBeUndefined();
    expect(one(items, 'process.cpu.utilization').value).toBeCloseTo(0.42);

    // explicit-bucket histogram
    const name = 'http.server.request.duration';
    expect(one(items, `${name}_count`).value).toBe(100);
    expect(one(items, `${name}_count`).labels.unit).toBeUndefined();
    expect(one(items, `${name}_sum`).value).toBe(90 * 20 + 10 * 200);
    expect(one(items, `${name}_sum`).labels).toMatchObject({
      unit: 'ms',
      route: '/pay',
      'otel.temporality': 'cumulative',
    });
    expect(one(items, `${name}_min`).value).toBe(20);
    expect(one(items, `${name}_max`).value).toBe(200);
    // 90 observations in (10, 50], 10 in (100, 250]
    const p50 = one(items, `${name}_p50`).value!;
    expect(p50).toBeGreaterThan(10);
    expect(p50).toBeLessThanOrEqual(50);
    const p95 = one(items, `${name}_p95`).value!;
    expect(p95).toBeGreaterThan(100);
    expect(p95).toBeLessThanOrEqual(250);
    const p99 = one(items, `${name}_p99`).value!;
    expect(p99).toBeGreaterThanOrEqual(p95);
    expect(p99).toBeLessThanOrEqual(200);

    // exponential histogram: count, sum, min, max and quantile estimates near the true ones
    expect(one(items, 'payload.size_count').value).toBe(100);
    expect(one(items, 'payload.size_sum').value).toBe(50_500);
    expect(one(items, 'payload.size_min').value).toBe(10);
    expect(one(items, 'payload.size_max').value).toBe(1000);
    const sizeP50 = one(items, 'payload.size_p50').value!;
    expect(sizeP50).toBeGreaterThan(450);
    expect(sizeP50).toBeLessThan(550);
    const sizeP99 = one(items, 'payload.size_p99').value!;
    expect(sizeP99).toBeGreaterThan(950);
    expect(sizeP99).toBeLessThanOrEqual(1000);

    await provider.shutdown();
  });

  it('reads hand-written snake_case payloads with string-encoded integers, summaries included', () => {
    const { items, errors } = otlpMetricsToSignals(
      {
        resource_metrics: [
          {
            resource: {
              attributes: [
                { key: 'service.name', value: { stringValue: 'orders' } },
              ],
            },
            scope_metrics: [
              {
                scope: { name: 'manual' },
                metrics: [
                  {
                    name: 'db.connections',
                    unit: '{connection}',
                    sum: {
                      aggregation_temporality: 2,
                      is_monotonic: false,
                      data_points: [
                        {
                          time_unix_nano: '1772366400000000000',
                          as_int: '42',
                          attributes: [
                            { key: 'pool', value: { stringValue: 'rw' } },
                          ],
                        },
                      ],
                    },
                  },
                  {
                    name: 'rpc.duration',
                    unit: 's',
                    histogram: {
                      aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA',
                      data_points: [
                        {
                          time_unix_nano: '1772366400000000000',
                          count: '10',
                          sum: 3.2,
                          explicit_bounds: [0.1, 0.5, 1],
                          bucket_counts: ['4', '4', '2', '0'],
                        },
                      ],
                    },
                  },
                  {
                    name: 'gc.pause',
                    summary: {
                      data_points: [
                        {
                          time_unix_nano: 1772366400000000000,
                          count: '20',
                          sum: 1.5,
                          quantile_values: [
                            { quantile: 0.5, value: 0.05 },
                            { quantile: 0.99, value: 0.4 },
                            { quantile: 0.999, value: 0.6 },
                          ],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
      { defaultSource: 'otel' },
    );
    expect(errors).toEqual([]);
    const ts = 1772366400000;
    expect(one(items, 'db.connections')).toEqual({
      source: 'otel',
      kind: 'metric',
      ts,
      key: 'db.connections',
      value: 42,
      labels: {
        'service.name': 'orders',
        service: 'orders',
        pool: 'rw',
        unit: '{connection}',
        'otel.temporality': 'cumulative',
        'otel.monotonic': 'false',
      },
    });
    expect(one(items, 'rpc.duration_count').value).toBe(10);
    expect(one(items, 'rpc.duration_sum').value).toBe(3.2);
    expect(one(items, 'rpc.duration_sum').labels['otel.temporality']).toBe(
      'delta',
    );
    // rank 5 of 10: the second bucket (0.1, 0.5], a quarter in
    expect(one(items, 'rpc.duration_p50').value).toBeCloseTo(0.2, 10);
    // rank 9.5: the third bucket (0.5, 1], three quarters in
    expect(one(items, 'rpc.duration_p95').value).toBeCloseTo(0.875, 10);
    expect(items.some(i => i.key === 'rpc.duration_min')).toBe(false);

    expect(one(items, 'gc.pause_count').value).toBe(20);
    expect(one(items, 'gc.pause_sum').value).toBe(1.5);
    expect(one(items, 'gc.pause_p50').value).toBe(0.05);
    expect(one(items, 'gc.pause_p99').value).toBe(0.4);
    expect(one(items, 'gc.pause_p99.9').value).toBe(0.6);
    expect(items.every(i => i.ts === ts)).toBe(true);
  });

  it('reports points without a timestamp or with a non-finite value and keeps the others', () => {
    const point = (ts: string | undefined, value: unknown) => ({
      ...(ts ? { timeUnixNano: ts } : {}),
      asDouble: value,
    });
    const { items, errors } = otlpMetricsToSignals({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'temp',
                  gauge: {
                    dataPoints: [
                      point('1000000', 1),
                      point(undefined, 2),
                      point('3000000', 'NaN'),
                    ],
                  },
                },
                {
                  name: 'latency',
                  histogram: {
                    dataPoints: [
                      { timeUnixNano: '4000000', count: 1, sum: 'Infinity' },
                      { timeUnixNano: '5000000', count: '2', sum: 0.5 },
                    ],
                  },
                },
                {
                  name: 'hits',
                  sum: { dataPoints: [{ timeUnixNano: '6000000', flags: 1 }] },
                },
              ],
            },
          ],
        },
      ],
    });
    const path = 'resourceMetrics[0].scopeMetrics[0]';
    expect(errors).toEqual([
      {
        index: 1,
        field: `${path}.metrics[0].gauge.dataPoints[1].timeUnixNano`,
        reason: expect.stringContaining('no timestamp'),
      },
      {
        index: 2,
        field: `${path}.metrics[0].gauge.dataPoints[2].asDouble`,
        reason: 'asDouble must be a finite number',
      },
      {
        index: 3,
        field: `${path}.metrics[1].histogram.dataPoints[0].sum`,
        reason: 'sum must be a finite number',
      },
      {
        index: 5,
        field: `${path}.metrics[2].sum.dataPoints[0].asDouble`,
        reason: 'the point is flagged as having no recorded value',
      },
    ]);
    expect(items.map(i => [i.key, i.value, i.ts])).toEqual([
      ['temp', 1, 1],
      ['latency_count', 2, 5],
      ['latency_sum', 0.5, 5],
    ]);
  });
});

describe('anyValueToJs', () => {
  it('turns every AnyValue kind into a plain JS value', () => {
    expect(anyValueToJs({ stringValue: 'a' })).toBe('a');
    expect(anyValueToJs({ boolValue: true })).toBe(true);
    expect(anyValueToJs({ intValue: '-12' })).toBe(-12);
    expect(anyValueToJs({ intValue: 7 })).toBe(7);
    expect(anyValueToJs({ doubleValue: 1.5 })).toBe(1.5);
    expect(anyValueToJs({ doubleValue: 'Infinity' })).toBe(Infinity);
    expect(anyValueToJs({ bytesValue: 'AQID' })).toBe('AQID');
    expect(
      anyValueToJs({
        arrayValue: { values: [{ intValue: 1 }, { stringValue: 'x' }, {}] },
      }),
    ).toEqual([1, 'x', null]);
    expect(
      anyValueToJs({
        kvlistValue: {
          values: [
            { key: 'a', value: { boolValue: false } },
            { key: 'b', value: { arrayValue: {} } },
          ],
        },
      }),
    ).toEqual({ a: false, b: [] });
    expect(anyValueToJs({})).toBeNull();
    expect(anyValueToJs('plain')).toBeUndefined();
  });
});
