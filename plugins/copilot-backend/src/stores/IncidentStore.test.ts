import { TestDatabases } from '@backstage/backend-test-utils';
import { applyDatabaseMigrations } from './migrations';
import { IncidentStore } from './IncidentStore';

jest.setTimeout(60_000);

describe('IncidentStore resolutions', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'stores resolutions and reads confirmed root causes back on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const store = IncidentStore.create({ database: knex });
      const at = (h: number) =>
        new Date(Date.UTC(2026, 10, 1 + h / 24, h % 24));
      const open = async (h: number, entityRef: string) =>
        (
          await store.open({
            title: `incident ${h}`,
            entityRef,
            source: 'manual',
            openedAt: at(h),
          })
        ).incident.id;
      const a = await open(0, 'component:default/web');
      const b = await open(30, 'component:default/web');
      const c = await open(60, 'component:default/api');
      const d = await open(90, 'component:default/api');

      const seen: string[] = [];
      store.onUpdated(i => seen.push(`${i.id}:${i.status}`));
      const resolved = await store.update(a, {
        status: 'resolved',
        resolution: {
          summary: 'rolled back',
          rootCause: {
            entityRef: 'Resource:default/Orders-DB',
            kind: 'config_change',
            hypothesisId: 'h1',
          },
        },
        actor: 'user:default/alice',
      });
      expect(resolved.status).toBe('resolved');
      expect(resolved.resolvedAt).toBeDefined();
      expect(resolved.resolution).toMatchObject({
        summary: 'rolled back',
        rootCause: {
          entityRef: 'resource:default/orders-db',
          kind: 'config_change',
          hypothesisId: 'h1',
        },
        by: 'user:default/alice',
      });
      // A status change alone keeps the record and does not restamp resolvedAt when already resolved.
      const again = await store.update(a, { status: 'resolved' });
      expect(again.resolvedAt).toBe(resolved.resolvedAt);
      expect(again.resolution?.summary).toBe('rolled back');
      await store.update(c, {
        resolution: {
          rootCause: { entityRef: 'component:default/api', kind: 'bad_deploy' },
        },
      });
      await store.update(d, { resolution: { summary: 'no cause found' } });
      expect(seen).toEqual([
        `${a}:resolved`,
        `${a}:resolved`,
        `${c}:open`,
        `${d}:open`,
      ]);
      expect((await store.get(b)).resolution).toBeUndefined();
      expect((await store.get(d)).resolution?.rootCause).toBeUndefined();

      const all = await store.confirmedRootCauses({
        fromMs: at(0).getTime(),
        toMs: at(100).getTime(),
      });
      expect(all.map(x => [x.incidentId, x.entityRef, x.kind])).toEqual([
        [c, 'component:default/api', 'bad_deploy'],
        [a, 'resource:default/orders-db', 'config_change'],
      ]);
      expect(all[1].atMs).toBe(at(0).getTime());
      const scoped = await store.confirmedRootCauses({
        fromMs: at(0).getTime(),
        toMs: at(100).getTime(),
        entityRefs: ['RESOURCE:default/orders-db'],
      });
      expect(scoped.map(x => x.incidentId)).toEqual([a]);
      const later = await store.confirmedRootCauses({
        fromMs: at(1).getTime(),
        toMs: at(100).getTime(),
      });
      expect(later.map(x => x.incidentId)).toEqual([c]);
      await expect(store.update('missing', { status: 'open' })).rejects.toThrow(
        /No incident with id 'missing'/,
      );
    },
  );
});
