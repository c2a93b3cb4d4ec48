import { TestDatabases } from '@backstage/backend-test-utils';
import {
  applyDatabaseMigrations,
  rollbackDatabaseMigrations,
} from './migrations';

jest.setTimeout(60_000);

const TABLES = [
  'connectors',
  'signals',
  'log_templates',
  'template_counts',
  'log_rollups',
  'log_samples',
  'metric_rollups',
  'change_events',
  'topologies',
  'incidents',
  'evidence',
  'hypotheses',
  'docs',
  'chunks',
  'fix_plans',
  'commands',
  'approvals',
  'audit_log',
  'tasks',
  'idempotency_keys',
  'slos',
  'detector_states',
  'anomalies',
  'analyses',
];

describe('migrations', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'go up, all the way down and up again on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);

      await applyDatabaseMigrations(knex);
      for (const table of TABLES) {
        expect(await knex.schema.hasTable(table)).toBe(true);
      }
      // The schema accepts a realistic row with its foreign keys.
      await knex('incidents').insert({
        id: 'i1',
        title: 't',
        entity_ref: 'component:default/a',
        source: 'manual',
        opened_at: new Date(),
        updated_at: new Date(),
      });
      await knex('evidence').insert({
        id: 'e1',
        incident_id: 'i1',
        kind: 'metric_window',
        summary: 's',
        created_at: new Date(),
      });
      await knex('hypotheses').insert({
        id: 'h1',
        incident_id: 'i1',
        rank: 1,
        kind: 'bad_deploy',
        statement: 's',
        confidence: 0.7,
        support_evidence_ids: '["e1"]',
        created_at: new Date(),
      });
      expect(
        await knex('hypotheses').where({ incident_id: 'i1' }),
      ).toHaveLength(1);

      await rollbackDatabaseMigrations(knex);
      for (const table of TABLES) {
        expect(await knex.schema.hasTable(table)).toBe(false);
      }

      await applyDatabaseMigrations(knex);
      expect(await knex.schema.hasTable('incidents')).toBe(true);
      expect(await knex('incidents').count({ n: '*' })).toEqual([
        { n: expect.anything() },
      ]);
      expect(Number((await knex('incidents').count({ n: '*' }))[0].n)).toBe(0);
      await knex.destroy();
    },
  );
});
