import { TestDatabases } from '@backstage/backend-test-utils';
import { generateKeyPairSync } from 'node:crypto';
import { verifyChain } from '../engine/remediate';
import { applyDatabaseMigrations } from './migrations';
import { AuditStore } from './AuditStore';

jest.setTimeout(60_000);

describe('AuditStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  it.each(databases.eachSupportedId())(
    'appends a signed hash chain that verifies, and detects a tampered row, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const store = AuditStore.create({ database: knex });
      expect(Object.getOwnPropertyNames(AuditStore.prototype).sort()).toEqual([
        'all',
        'append',
        'constructor',
        'forIncident',
      ]);
      const at = (i: number) =>
        new Date(Date.UTC(2026, 11, 2, 6, 0, i)).toISOString();
      for (let i = 0; i < 5; i++)
        await store.append(
          {
            at: at(i),
            actor: 'user:default/alice',
            action: i % 2 ? 'fix.preflight' : 'fix.plan',
            subject: `plan:plan-${i}`,
            data: { i, nested: { b: [1, 'x', null], a: true } },
            incidentId: i < 3 ? 'inc-1' : 'inc-2',
          },
          privateKey,
        );
      // Concurrent appends: the loser of a race retries on the new head; the chain stays linear.
      await Promise.all(
        [5, 6, 7].map(i =>
          store.append(
            {
              at: at(i),
              actor: 'service:x',
              action: 'fix.execute',
              subject: `execution:${i}`,
            },
            privateKey,
          ),
        ),
      );
      const rows = await store.all();
      expect(rows.map(r => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(verifyChain(rows, publicKey)).toEqual({ ok: true, brokenAt: -1 });
      expect((await store.forIncident('inc-1')).map(r => r.seq)).toEqual([
        0, 1, 2,
      ]);

      await knex('audit_log')
        .where({ chain_seq: 2 })
        .update({ actor: 'user:default/mallory' });
      expect(verifyChain(await store.all(), publicKey)).toMatchObject({
        ok: false,
        brokenAt: 2,
        reason: 'hash',
      });
      await knex('audit_log')
        .where({ chain_seq: 2 })
        .update({ actor: 'user:default/alice' });
      await knex('audit_log').where({ chain_seq: 4 }).delete();
      expect(verifyChain(await store.all(), publicKey)).toMatchObject({
        ok: false,
        brokenAt: 4,
        reason: 'sequence',
      });
    },
  );
});
