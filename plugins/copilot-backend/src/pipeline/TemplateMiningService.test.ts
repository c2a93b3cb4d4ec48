import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { applyDatabaseMigrations } from '../stores/migrations';
import { TemplateStore } from '../stores/TemplateStore';
import { TemplateMiningService } from './TemplateMiningService';
import type { StoredSignalInput } from '../stores/SignalStore';

jest.setTimeout(60_000);

const T = Date.UTC(2026, 2, 1, 12, 0, 0);
const log = (
  text: string,
  tsMs: number,
  entityRef = 'component:default/payments-service',
): StoredSignalInput => ({
  entityRef,
  source: 't',
  kind: 'log',
  tsMs,
  text,
  labels: {},
});

describe('TemplateMiningService', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'mines templates with per-minute counts that survive a restart, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const store = TemplateStore.create({ database: knex });
      const logger = mockServices.logger.mock();
      const first = TemplateMiningService.create({ store, logger });

      const batch = [
        log('charge 4411 authorised in 120 ms', T + 1_000),
        log('charge 4412 authorised in 98 ms', T + 2_000),
        log('provider timeout after 300 ms for charge 4413', T + 61_000),
        log('charge 4414 authorised in 101 ms', T + 62_000),
        { ...log('metric, not a log', T), kind: 'metric' as const },
        { ...log('unattributed', T), entityRef: undefined },
      ];
      expect(await first.observe(batch, new Date(T + 70_000))).toBe(4);

      const templates = await store.list('component:default/payments-service');
      expect(templates.map(t => [t.template, t.count])).toEqual([
        ['charge <*> authorised in <*> ms', 3],
        ['provider timeout after <*> ms for charge <*>', 1],
      ]);
      const authorised = templates[0];
      expect(authorised.exemplars[0]).toBe('charge 4411 authorised in 120 ms');
      expect(await store.counts(authorised.id, T, T + 3 * 60_000)).toEqual([
        { minute: new Date(T).toISOString(), count: 2 },
        { minute: new Date(T + 60_000).toISOString(), count: 1 },
      ]);

      // A restarted backend rebuilds the miner from the store: same templates, counts add up.
      const second = TemplateMiningService.create({ store, logger });
      await second.observe(
        [log('charge 9999 authorised in 5 ms', T + 65_000)],
        new Date(T + 80_000),
      );
      const after = await store.list('component:default/payments-service');
      expect(after).toHaveLength(2);
      expect(after[0]).toMatchObject({ id: authorised.id, count: 4 });
      expect(
        await store.counts(authorised.id, T + 60_000, T + 120_000),
      ).toEqual([{ minute: new Date(T + 60_000).toISOString(), count: 2 }]);
    },
  );
});
