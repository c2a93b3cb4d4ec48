import { TestDatabases } from '@backstage/backend-test-utils';
import { applyDatabaseMigrations } from './migrations';
import { IncidentStore } from './IncidentStore';
import { SignalStore } from './SignalStore';
import { IdempotencyStore } from './IdempotencyStore';

jest.setTimeout(60_000);

describe('stores', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function setup(databaseId: Parameters<typeof databases.init>[0]) {
    const knex = await databases.init(databaseId);
    await applyDatabaseMigrations(knex);
    return knex;
  }

  it.each(databases.eachSupportedId())(
    'IncidentStore opens, dedupes, pages and filters on %p',
    async databaseId => {
      const knex = await setup(databaseId);
      const store = IncidentStore.create({ database: knex });
      const base = Date.UTC(2026, 2, 1, 12, 0, 0);
      for (let i = 0; i < 5; i++) {
        await store.open({
          title: `incident ${i}`,
          entityRef:
            i % 2
              ? 'component:default/payments-service'
              : 'Component:default/Checkout-Service',
          source: 'manual',
          openedAt: new Date(base + i * 60_000),
        });
      }
      const first = await store.open({
        title: 'Elevated 5xx rate on payments',
        entityRef: 'component:default/payments-service',
        source: 'detector',
        fingerprint: 'fp-1',
        severity: 'high',
        affectedEntityRefs: ['component:default/checkout-service'],
        openedAt: new Date(base + 10 * 60_000),
      });
      const again = await store.open({
        title: 'Elevated 5xx rate on payments',
        entityRef: 'component:default/payments-service',
        source: 'detector',
        fingerprint: 'fp-1',
        severity: 'medium',
        summary: 'refreshed',
        affectedEntityRefs: ['component:default/storefront'],
      });
      expect(first.created).toBe(true);
      expect(again.created).toBe(false);
      expect(again.incident.id).toBe(first.incident.id);
      expect(again.incident.severity).toBe('high');
      expect(again.incident.summary).toBe('refreshed');
      expect(again.incident.affectedEntityRefs).toEqual([
        'component:default/checkout-service',
        'component:default/storefront',
      ]);

      // Paging: newest first, no overlap, all six seen.
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ limit: 4, cursor });
        seen.push(...page.items.map(i => i.title));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([
        'Elevated 5xx rate on payments',
        'incident 4',
        'incident 3',
        'incident 2',
        'incident 1',
        'incident 0',
      ]);

      // Entity filter is case-insensitive and includes incidents where the entity is affected.
      const checkout = await store.list({
        entityRef: 'component:default/checkout-service',
      });
      expect(checkout.items.map(i => i.title)).toEqual([
        'Elevated 5xx rate on payments',
        'incident 4',
        'incident 2',
        'incident 0',
      ]);

      // Permission criteria.
      const onlyPayments = await store.list({
        criteria: {
          column: 'entity_ref',
          values: ['component:default/payments-service'],
        },
      });
      expect(onlyPayments.items).toHaveLength(3);
      const none = await store.list({
        criteria: { not: { column: 'status', values: ['open'] } },
      });
      expect(none.items).toHaveLength(0);

      const resolved = await store.setStatus(first.incident.id, 'resolved');
      expect(resolved.status).toBe('resolved');
      expect(resolved.resolvedAt).toBeDefined();
      // Resolved incidents no longer absorb the fingerprint.
      const reopened = await store.open({
        title: 'again',
        entityRef: 'component:default/payments-service',
        source: 'detector',
        fingerprint: 'fp-1',
      });
      expect(reopened.created).toBe(true);

      expect(await store.getMany([first.incident.id, 'missing'])).toEqual([
        expect.objectContaining({ id: first.incident.id }),
        undefined,
      ]);
      await expect(store.get('missing')).rejects.toThrow(/No incident/);
      await expect(store.list({ cursor: 'garbage' })).rejects.toThrow(
        /cursor is not valid/,
      );
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'SignalStore stores, queries, derives changes and prunes on %p',
    async databaseId => {
      const knex = await setup(databaseId);
      const store = SignalStore.create({ database: knex });
      const t = Date.UTC(2026, 2, 1, 12, 0, 0);
      await store.insert(
        [
          {
            entityRef: 'component:default/a',
            source: 's',
            kind: 'metric',
            tsMs: t,
            key: 'http_5xx_rate',
            value: 0.5,
            labels: { service: 'a' },
          },
          {
            entityRef: 'component:default/a',
            source: 's',
            kind: 'log',
            tsMs: t + 1000,
            text: 'ERROR boom',
            labels: {},
          },
          {
            source: 's',
            kind: 'log',
            tsMs: t + 2000,
            text: 'orphan',
            labels: { service: 'ghost' },
          },
          {
            entityRef: 'component:default/a',
            source: 's',
            kind: 'deploy',
            tsMs: t + 3000,
            key: 'deploy',
            labels: { version: 'v2', author: 'alice', diff: 'pool 10->2' },
          },
          ...Array.from({ length: 1000 }, (_, i) => ({
            entityRef: 'component:default/b',
            source: 's',
            kind: 'metric' as const,
            tsMs: t + i,
            key: 'cpu',
            value: i,
            labels: {},
          })),
        ],
        new Date(t + 5000),
      );
      expect(await store.count()).toBe(1004);
      expect(await store.count({ entityRef: null })).toBe(1);
      const metrics = await store.query({
        fromMs: t,
        toMs: t + 60_000,
        kind: 'metric',
        key: 'http_5xx_rate',
      });
      expect(metrics).toEqual([
        expect.objectContaining({
          entityRef: 'component:default/a',
          value: 0.5,
          tsMs: t,
          labels: { service: 'a' },
        }),
      ]);
      const changes = await store.changes({ fromMs: t, toMs: t + 60_000 });
      expect(changes).toEqual([
        expect.objectContaining({
          kind: 'deploy',
          version: 'v2',
          author: 'alice',
          diffSummary: 'pool 10->2',
          tsMs: t + 3000,
        }),
      ]);
      expect(await store.prune(t + 1500)).toBe(1002);
      expect(await store.count()).toBe(2);
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'IdempotencyStore replays and refuses key reuse on %p',
    async databaseId => {
      const knex = await setup(databaseId);
      const store = IdempotencyStore.create({ database: knex, ttlMs: 60_000 });
      const now = Date.UTC(2026, 2, 1);
      expect(await store.lookup('scope', 'k1', 'h1', now)).toBeUndefined();
      await store.save(
        'scope',
        'k1',
        'h1',
        { statusCode: 202, body: { accepted: 3 } },
        new Date(now),
      );
      expect(await store.lookup('scope', 'k1', 'h1', now + 1000)).toEqual({
        statusCode: 202,
        body: { accepted: 3 },
      });
      await expect(
        store.lookup('scope', 'k1', 'other', now + 1000),
      ).rejects.toThrow(/different request body/);
      expect(
        await store.lookup('scope', 'k1', 'h1', now + 120_000),
      ).toBeUndefined();
      await knex.destroy();
    },
  );
});
