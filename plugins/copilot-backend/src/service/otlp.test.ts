import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Entity } from '@backstage/catalog-model';
import { SeverityNumber, ValueType } from '@opentelemetry/api';
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
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import request from 'supertest';
import { copilotPlugin } from '../plugin';

jest.setTimeout(60_000);

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout-service', namespace: 'default' },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  },
];
const CHECKOUT = 'component:default/checkout-service';

class PullReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
    });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** An OTLP JSON logs export, produced by the OpenTelemetry SDK and its official serializer. */
async function sdkLogsExport(now: number): Promise<string> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout-service' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('checkout');
  for (let i = 0; i < 20; i++) {
    logger.emit({
      timestamp: now - 60_000 + i * 1000,
      severityNumber: i % 5 === 0 ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: i % 5 === 0 ? 'ERROR' : 'INFO',
      body:
        i % 5 === 0
          ? `payment provider returned 502 for order ${1000 + i}`
          : `order ${1000 + i} placed with ${i % 3} items`,
    });
  }
  await provider.forceFlush();
  return new TextDecoder().decode(
    JsonLogsSerializer.serializeRequest(exporter.getFinishedLogRecords()),
  );
}

/** An OTLP JSON metrics export with a counter and a latency histogram. */
async function sdkMetricsExport(): Promise<string> {
  const reader = new PullReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout-service' }),
    readers: [reader],
  });
  const meter = provider.getMeter('checkout');
  const requests = meter.createCounter('http_requests_total');
  requests.add(120, { route: '/cart' });
  const latency = meter.createHistogram('http_server_duration_ms', {
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: [10, 50, 100, 250, 500, 1000] },
  });
  for (let i = 0; i < 100; i++) latency.record(i < 90 ? 40 : 400);
  const { resourceMetrics } = await reader.collect();
  return new TextDecoder().decode(
    JsonMetricsSerializer.serializeRequest(resourceMetrics),
  );
}

describe('OTLP/HTTP JSON receiver', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'accepts logs and metrics exported by the OpenTelemetry SDK, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { server } = await startTestBackend({
        features: [
          copilotPlugin,
          mockServices.database.factory({ knex }),
          catalogServiceMock.factory({ entities }),
          mockServices.rootConfig.factory({ data: {} }),
        ],
      });
      const now = Date.now();

      const logs = await request(server)
        .post('/api/copilot/v1/otlp/v1/logs')
        .set('Content-Type', 'application/json')
        .send(await sdkLogsExport(now));
      expect(logs.status).toBe(200);
      expect(logs.body).toEqual({}); // full success: no partialSuccess

      const metrics = await request(server)
        .post('/api/copilot/v1/otlp/v1/metrics')
        .set('Content-Type', 'application/json')
        .send(await sdkMetricsExport());
      expect(metrics.status).toBe(200);
      expect(metrics.body).toEqual({});

      // The lines were mined for the entity the resource's service.name names.
      const templates = await request(server).get(
        `/api/copilot/v1/templates?entity=${encodeURIComponent(CHECKOUT)}`,
      );
      expect(templates.status).toBe(200);
      expect(
        templates.body.items.map((t: any) => [t.template, t.count, t.level]),
      ).toEqual([
        ['order <*> placed with <*> items', 16, 'info'],
        ['payment provider returned <*> for order <*>', 4, 'error'],
      ]);
      const volume = await knex('log_rollups')
        .where({ entity_ref: CHECKOUT })
        .sum({ n: 'count' });
      expect(Number(volume[0].n)).toBe(20);
      const counter = await knex('metric_rollups').where({
        entity_ref: CHECKOUT,
        metric: 'http_requests_total',
      });
      expect(counter.map(r => Number(r.sum))).toEqual([120]);
      const p95 = await knex('metric_rollups').where({
        entity_ref: CHECKOUT,
        metric: 'http_server_duration_ms_p95',
      });
      expect(Number(p95[0].max)).toBeGreaterThan(250);
      expect(Number(p95[0].max)).toBeLessThanOrEqual(500);
    },
  );

  it('answers partial success for bad records and refuses protobuf and non-OTLP bodies', async () => {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        catalogServiceMock.factory({ entities }),
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    const now = Date.now();
    const body = {
      resourceLogs: [
        {
          resource: {
            attributes: [
              {
                key: 'service.name',
                value: { stringValue: 'checkout-service' },
              },
            ],
          },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: `${now - 1000}000000`,
                  body: { stringValue: 'ok line' },
                },
                { body: { stringValue: 'no timestamp' } },
              ],
            },
          ],
        },
      ],
    };
    const partial = await request(server)
      .post('/api/copilot/v1/otlp/v1/logs')
      .send(body);
    expect(partial.status).toBe(200);
    expect(partial.body.partialSuccess.rejectedLogRecords).toBe(1);
    expect(partial.body.partialSuccess.errorMessage).toMatch(
      /logRecords\[1\]\.timeUnixNano/,
    );

    const protobuf = await request(server)
      .post('/api/copilot/v1/otlp/v1/logs')
      .set('Content-Type', 'application/x-protobuf')
      .send(Buffer.from([0x0a, 0x00]));
    expect(protobuf.status).toBe(415);
    expect(protobuf.headers['content-type']).toMatch(/problem\+json/);
    expect(protobuf.body.detail).toMatch(/encoding: json/);

    const notOtlp = await request(server)
      .post('/api/copilot/v1/otlp/v1/metrics')
      .send({ resourceMetrics: 'nope' });
    expect(notOtlp.status).toBe(400);
    expect(notOtlp.headers['content-type']).toMatch(/problem\+json/);
    expect(notOtlp.body.detail).toMatch(/resourceMetrics/);
  });
});
