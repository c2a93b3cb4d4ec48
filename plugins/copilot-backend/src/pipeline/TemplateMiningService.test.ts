import { TestDatabases } from '@backstage/backend-test-utils';
import { applyDatabaseMigrations } from '../stores/migrations';
import {
  component,
  createTestIngest,
  fakeCatalog,
} from '../__testUtils__/ingest';

jest.setTimeout(60_000);

const T = Date.UTC(2026, 2, 1, 12, 0, 0);
const PAYMENTS = 'component:default/payments-service';
const log = (text: string, tsMs: number, service = 'payments-service') => ({
  source: 't',
  kind: 'log',
  ts: tsMs,
  text,
  labels: { service },
});

describe('template mining on ingest', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'mines templates with per-minute counts that survive a restart, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const catalog = fakeCatalog([component('payments-service')]);
      const first = createTestIngest(knex, { catalog });
      const now = new Date(T + 70_000);

      const result = await first.ingest.ingest(
        [
          log('charge 4411 authorised in 120 ms', T + 1_000),
          log('charge 4412 authorised in 98 ms', T + 2_000),
          log(
            '{"level":"error","msg":"provider timeout after 300 ms for charge 4413"}',
            T + 61_000,
          ),
          log('charge 4414 authorised in 101 ms', T + 62_000),
          {
            source: 't',
            kind: 'metric',
            ts: T,
            key: 'cpu',
            value: 1,
            labels: { service: 'payments-service' },
          },
          log('nobody claims this line', T, 'ghost'),
        ],
        { now },
      );
      expect(result).toMatchObject({ accepted: 6, unresolved: 1 });

      const templates = await first.templateStore.list(PAYMENTS);
      expect(templates.map(t => [t.template, t.count, t.level])).toEqual([
        ['charge <*> authorised in <*> ms', 3, 'unknown'],
        ['provider timeout after <*> ms for charge <*>', 1, 'error'],
      ]);
      const authorised = templates[0];
      expect(authorised.exemplars[0]).toBe('charge 4411 authorised in 120 ms');
      expect(
        await first.templateStore.counts(authorised.id, T, T + 3 * 60_000),
      ).toEqual([
        { minute: new Date(T).toISOString(), count: 2 },
        { minute: new Date(T + 60_000).toISOString(), count: 1 },
      ]);

      // Log volume per minute and level, the unclaimed line counted apart.
      expect(
        await first.rollups.logVolume({ fromMs: T, toMs: T + 180_000 }),
      ).toEqual([
        { entityRef: PAYMENTS, minuteMs: T, total: 2, errors: 0 },
        { entityRef: PAYMENTS, minuteMs: T + 60_000, total: 2, errors: 1 },
      ]);
      expect(await first.rollups.unattributedLines(T, T + 180_000)).toBe(1);
      // Lines are not stored row by row; the sample keeps them, with their template.
      expect(await first.signals.count()).toBe(0);
      const samples = await first.rollups.samples({
        fromMs: T,
        toMs: T + 180_000,
        entityRef: PAYMENTS,
      });
      expect(samples).toHaveLength(4);
      expect(samples.filter(s => s.templateId === authorised.id)).toHaveLength(
        3,
      );

      // A restarted backend rebuilds the miner from the store: same templates, counts add up.
      const second = createTestIngest(knex, { catalog });
      await second.ingest.ingest(
        [log('charge 9999 authorised in 5 ms', T + 65_000)],
        { now: new Date(T + 80_000) },
      );
      const after = await second.templateStore.list(PAYMENTS);
      expect(after).toHaveLength(2);
      expect(after[0]).toMatchObject({ id: authorised.id, count: 4 });
      expect(
        await second.templateStore.counts(
          authorised.id,
          T + 60_000,
          T + 120_000,
        ),
      ).toEqual([{ minute: new Date(T + 60_000).toISOString(), count: 2 }]);
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'flags a new error signature unlike every known template, not a variation, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const catalog = fakeCatalog([component('payments-service')]);
      const { ingest, templateStore, bus } = createTestIngest(knex, {
        catalog,
        novelty: { warmupLines: 50 },
      });
      const events: unknown[] = [];
      bus.subscribe('signal.ingest', e => {
        events.push(e);
      });
      const routine = [
        'charge <n> authorised in <n> ms for customer <n>',
        'GET /api/v1/cart/<n> returned 200 in <n> ms',
        'refreshed exchange rates from provider in <n> ms',
        'user <n> logged in from web',
      ];
      const history = Array.from({ length: 200 }, (_, i) =>
        log(
          routine[i % routine.length].replace(/<n>/g, () => String(100 + i)),
          T + i * 100,
        ),
      );
      await ingest.ingest(history, { now: new Date(T + 60_000) });
      expect(
        await templateStore.list(PAYMENTS, { novelOnly: true }),
      ).toHaveLength(0); // the first templates of an entity are its baseline

      await ingest.ingest(
        [
          // a variation of a known template: not novel
          log(
            'charge 7 authorised in 9 ms for customer 3 via wallet',
            T + 30_000,
          ),
          // never seen before: novel
          log(
            'ERROR pool exhausted: could not acquire connection to ledger-db within 30000 ms',
            T + 31_000,
          ),
        ],
        { now: new Date(T + 60_000) },
      );
      const novel = await templateStore.list(PAYMENTS, { novelOnly: true });
      expect(novel.map(t => [t.template, t.level])).toEqual([
        [
          'ERROR pool exhausted : could not acquire connection to ledger-db within <*> ms',
          'error',
        ],
      ]);
      expect(events.at(-1)).toMatchObject({
        topic: 'signal.ingest',
        payload: { novelTemplates: [{ entityRef: PAYMENTS, level: 'error' }] },
      });
      await knex.destroy();
    },
  );
});
