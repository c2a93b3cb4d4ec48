import { TestDatabases } from '@backstage/backend-test-utils';
import { applyDatabaseMigrations } from '../stores/migrations';
import {
  component,
  createTestIngest,
  fakeCatalog,
} from '../__testUtils__/ingest';

jest.setTimeout(60_000);

const PAYMENTS = 'component:default/payments-service';

describe('IngestService', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'attributes signals that arrived before their entity was in the catalog, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const catalog = fakeCatalog([]);
      const { ingest, signals, rollups, templateStore } = createTestIngest(
        knex,
        { catalog },
      );
      const now = Date.now();
      const minute = Math.floor((now - 60_000) / 60_000) * 60_000;

      const result = await ingest.ingest([
        {
          source: 't',
          kind: 'metric',
          ts: now - 60_000,
          key: 'http_5xx_rate',
          value: 0.01,
          labels: { service: 'payments-service' },
        },
        {
          source: 't',
          kind: 'deploy',
          ts: now - 60_000,
          key: 'deploy',
          labels: { service: 'payments-service', version: 'v2' },
        },
        {
          source: 't',
          kind: 'log',
          ts: now - 60_000,
          text: 'level=error msg="card declined for order 12"',
          labels: { service: 'payments-service' },
        },
        {
          source: 't',
          kind: 'log',
          ts: now - 60_000,
          text: 'x',
          labels: { service: 'ghost' },
        },
      ]);
      expect(result.unresolved).toBe(4);
      expect(await ingest.reresolve(now)).toBe(0); // nothing resolves yet

      catalog.set([component('payments-service')]);
      // the metric point and the log line are rolled up, the deploy and its change event attributed
      expect(await ingest.reresolve(now)).toBe(4);
      expect(await signals.count({ entityRef: PAYMENTS })).toBe(1); // the deploy row
      expect(await signals.count({ entityRef: null })).toBe(0);
      const changes = await signals.changes({
        fromMs: now - 3600_000,
        toMs: now,
      });
      expect(changes.map(c => c.entityRef)).toEqual([PAYMENTS]);
      expect(
        await rollups.metricSeries({
          metric: 'http_5xx_rate',
          fromMs: now - 3600_000,
          toMs: now,
        }),
      ).toEqual([
        {
          entityRef: PAYMENTS,
          minuteMs: minute,
          min: 0.01,
          max: 0.01,
          sum: 0.01,
          count: 1,
        },
      ]);
      expect(
        await rollups.logVolume({ fromMs: now - 3600_000, toMs: now }),
      ).toEqual([
        { entityRef: PAYMENTS, minuteMs: minute, total: 1, errors: 1 },
      ]);
      // the ghost line stays unclaimed, still counted and sampled
      expect(await rollups.unattributedLines(now - 3600_000, now)).toBe(1);
      expect((await templateStore.list(PAYMENTS)).map(t => t.template)).toEqual(
        ['card declined for order <*>'],
      );
      // Same catalog version: no second pass.
      expect(await ingest.reresolve(now)).toBe(0);
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'rolls metrics up per minute with quantile sketches merged across batches and writers, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const catalog = fakeCatalog([component('payments-service')]);
      const a = createTestIngest(knex, { catalog });
      const b = createTestIngest(knex, { catalog }); // a second backend instance
      const T = Date.UTC(2026, 2, 1, 12, 0, 0);
      const point = (i: number, value: number) => ({
        source: 't',
        kind: 'metric',
        ts: T + (i % 60) * 1000,
        key: 'latency_ms',
        value,
        labels: { service: 'payments-service', route: '/charge' },
      });
      const values = Array.from({ length: 1000 }, (_, i) => i + 1);
      const now = new Date(T + 120_000);
      await a.ingest.ingest(
        values.slice(0, 300).map((v, i) => point(i, v)),
        {
          now,
        },
      );
      await a.ingest.ingest(
        values.slice(300, 600).map((v, i) => point(i, v)),
        {
          now,
        },
      );
      await b.ingest.ingest(
        values.slice(600).map((v, i) => point(i, v)),
        {
          now,
        },
      );
      // a restarted instance reads its row back before merging
      const a2 = createTestIngest(knex, { catalog });
      expect(a2.rollups.writer).not.toBe(a.rollups.writer);

      const series = await a.rollups.metricSeries({
        metric: 'latency_ms',
        fromMs: T,
        toMs: T + 60_000,
      });
      expect(series).toEqual([
        {
          entityRef: PAYMENTS,
          minuteMs: T,
          min: 1,
          max: 1000,
          sum: 500500,
          count: 1000,
        },
      ]);
      const q = await a.rollups.quantiles({
        entityRef: PAYMENTS,
        metric: 'latency_ms',
        fromMs: T,
        toMs: T + 60_000,
        qs: [0.5, 0.99],
      });
      expect(q.count).toBe(1000);
      expect(q.values.p50).toBeGreaterThan(500 * 0.98);
      expect(q.values.p50).toBeLessThan(501 * 1.02);
      expect(q.values.p99).toBeGreaterThan(990 * 0.98);
      expect(q.values.p99).toBeLessThan(990 * 1.02);
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'keeps a bounded raw sample and prunes it by partition, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const catalog = fakeCatalog([component('payments-service')]);
      const { ingest, rollups } = createTestIngest(knex, {
        catalog,
        sampling: {
          perTemplateMinute: 2,
          perEntityMinute: 5,
          unattributedPerMinute: 10,
        },
      });
      const T = Date.UTC(2026, 2, 1, 12, 0, 0);
      const lines = Array.from({ length: 500 }, (_, i) => ({
        source: 't',
        kind: 'log',
        ts: T + (i % 2) * 3600_000 + i,
        text:
          i % 5 === 0
            ? `cache miss for key ${i}`
            : `request ${i} served in ${i % 97} ms by worker ${i % 7}`,
        labels: { service: 'payments-service' },
      }));
      await ingest.ingest(lines, { now: new Date(T + 2 * 3600_000) });
      const all = await rollups.samples({
        fromMs: T,
        toMs: T + 3 * 3600_000,
        limit: 1000,
      });
      // two minutes (one per hour) x two templates x two lines each
      expect(all).toHaveLength(8);
      expect(await rollups.pruneSamples(T + 3600_000)).toBe(4);
      expect(
        await rollups.samples({ fromMs: T, toMs: T + 3 * 3600_000 }),
      ).toHaveLength(4);
      await knex.destroy();
    },
  );
});
