import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Entity } from '@backstage/catalog-model';
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
const MIN = 60_000;
const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** One OTLP JSON export, as the Collector's Prometheus receiver sends a counter and a histogram. */
function cumulativeExport(p: {
  start: number;
  time: number;
  requests: number;
  latencyCounts: number[];
}) {
  const resource = {
    attributes: [
      { key: 'service.name', value: { stringValue: 'checkout-service' } },
    ],
  };
  return {
    resourceMetrics: [
      {
        resource,
        scopeMetrics: [
          {
            scope: { name: 'otelcol/prometheusreceiver' },
            metrics: [
              {
                name: 'http.server.request.count',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      startTimeUnixNano: ns(p.start),
                      timeUnixNano: ns(p.time),
                      asInt: String(p.requests),
                      attributes: [
                        { key: 'route', value: { stringValue: '/pay' } },
                      ],
                    },
                  ],
                },
              },
              {
                name: 'http.server.duration',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      startTimeUnixNano: ns(p.start),
                      timeUnixNano: ns(p.time),
                      count: String(p.latencyCounts.reduce((a, b) => a + b)),
                      sum: 0,
                      explicitBounds: [50, 100, 250, 500],
                      bucketCounts: p.latencyCounts.map(String),
                    },
                  ],
                },
              },
              {
                name: 'db.client.connections.usage',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: false,
                  dataPoints: [
                    {
                      startTimeUnixNano: ns(p.start),
                      timeUnixNano: ns(p.time),
                      asInt: '12',
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

describe('cumulative OTLP metrics through POST /v1/otlp/v1/metrics', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'roll up per minute as the rate, not the running total, on %p',
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
      // Six scrapes, one per minute, mid-minute; the counter runs since long before the backend did.
      const base = Math.floor(Date.now() / MIN) * MIN - 8 * MIN;
      const firstStart = base - 3600_000;
      const restart = base + 3.75 * MIN; // the service restarts between the 4th and 5th scrape
      const scrapes = [0, 1, 2, 3, 4, 5].map(k => {
        const restarted = k >= 4;
        return {
          start: restarted ? restart : firstStart,
          time: base + k * MIN + 30_000,
          // 600 requests a minute (10/s); after the restart the total starts again from zero
          requests: restarted ? 150 + (k - 4) * 600 : 50_000 + k * 600,
          // all time: 100 000 fast requests; from minute 2 on, 60 slow ones a minute (250, 500]
          latencyCounts: restarted
            ? [0, 0, 0, 60 * (k - 3), 0]
            : [0, 100_000, 0, 60 * Math.max(0, k - 1), 0],
        };
      });
      for (const s of scrapes) {
        const res = await request(server)
          .post('/api/copilot/v1/otlp/v1/metrics')
          .set('Content-Type', 'application/json')
          .send(cumulativeExport(s));
        expect(res.status).toBe(200);
        expect(res.body).toEqual({});
      }
      // A retry of the last scrape changes nothing.
      await request(server)
        .post('/api/copilot/v1/otlp/v1/metrics')
        .send(cumulativeExport(scrapes[5]))
        .expect(200);

      const rollup = async (metric: string) =>
        (
          await knex('metric_rollups')
            .where({ entity_ref: CHECKOUT, metric })
            .orderBy('minute')
        ).map(r => ({
          sum: Number(r.sum),
          count: Number(r.count),
          max: Number(r.max),
        }));

      // The first scrape is the baseline; then 600 a minute; the restart gives its 150 (never a
      // negative or a drop to zero), then 600 again. Not the running total of ~50 000.
      const counter = await rollup('http.server.request.count');
      expect(counter.map(c => c.sum)).toEqual([600, 600, 600, 150, 600]);
      expect(counter.every(c => c.count === 1)).toBe(true);

      // Histogram counts are per minute, and the p95 is the minute's: the slow minutes show.
      const latencyCount = await rollup('http.server.duration_count');
      expect(latencyCount.map(c => c.sum)).toEqual([0, 60, 60, 60, 60]);
      const p95 = await rollup('http.server.duration_p95');
      expect(p95).toHaveLength(4); // no quantile in the minute without requests
      for (const q of p95) {
        expect(q.max).toBeGreaterThan(250);
        expect(q.max).toBeLessThanOrEqual(500);
      }

      // The UpDownCounter is a level: kept as sent (the retried scrape's point included).
      const connections = await rollup('db.client.connections.usage');
      expect(connections.map(c => c.max)).toEqual([12, 12, 12, 12, 12, 12]);

      // JSON signals ask for the same conversion with labels.temporality; unmarked ones stay as sent.
      const json = await request(server)
        .post('/api/copilot/v1/signals/ingest')
        .send(
          [0, 1, 2].flatMap(k => [
            {
              source: 'checkout-service',
              kind: 'metric',
              ts: base + k * MIN + 10_000,
              key: 'payments_total',
              value: 9000 + k * 30,
              labels: {
                service: 'checkout-service',
                temporality: 'cumulative',
              },
            },
            {
              source: 'checkout-service',
              kind: 'metric',
              ts: base + k * MIN + 10_000,
              key: 'refunds_total',
              value: 700 + k * 3,
              labels: { service: 'checkout-service' },
            },
          ]),
        );
      expect(json.status).toBe(202);
      // The first payments_total point is its baseline: withheld, not accepted, not an error.
      expect(json.body).toMatchObject({
        accepted: 5,
        rejected: 0,
        withheld: 1,
      });
      expect((await rollup('payments_total')).map(c => c.sum)).toEqual([
        30, 30,
      ]);
      expect((await rollup('refunds_total')).map(c => c.sum)).toEqual([
        700, 703, 706,
      ]);
    },
  );
});
