import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { applyDatabaseMigrations } from '../stores/migrations';
import { SignalStore } from '../stores/SignalStore';
import { InProcessBus } from '../bus/InProcessBus';
import { buildEntityIndex } from '../engine/ingest/resolve';
import { IngestService } from './IngestService';
import type { CatalogIndex } from './CatalogIndex';

jest.setTimeout(60_000);

describe('IngestService', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'attributes signals that arrived before their entity was in the catalog, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const signals = SignalStore.create({ database: knex });
      const logger = mockServices.logger.mock();
      let entities: Parameters<typeof buildEntityIndex>[0] = [];
      const catalog = {
        version: 1,
        async get() {
          return { index: buildEntityIndex(entities), dependsOn: new Map() };
        },
      } as unknown as CatalogIndex & { version: number };
      const ingest = IngestService.create({
        signals,
        catalog,
        bus: new InProcessBus(logger),
        logger,
      });
      const now = Date.now();

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
          text: 'x',
          labels: { service: 'ghost' },
        },
      ]);
      expect(result.unresolved).toBe(3);
      expect(await ingest.reresolve(now)).toBe(0); // nothing resolves yet

      entities = [
        {
          ref: 'component:default/payments-service',
          kind: 'Component',
          name: 'payments-service',
          annotations: {},
        },
      ];
      (catalog as any).version = 2;
      // two signals (the metric and the deploy) and the change event derived from the deploy
      expect(await ingest.reresolve(now)).toBe(3);
      expect(
        await signals.count({
          entityRef: 'component:default/payments-service',
        }),
      ).toBe(2);
      expect(await signals.count({ entityRef: null })).toBe(1);
      const changes = await signals.changes({
        fromMs: now - 3600_000,
        toMs: now,
      });
      expect(changes.map(c => c.entityRef)).toEqual([
        'component:default/payments-service',
      ]);
      // Same catalog version: no second pass.
      expect(await ingest.reresolve(now)).toBe(0);
    },
  );
});
