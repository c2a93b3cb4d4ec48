import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@devops-copilot/backstage-plugin-copilot-backend',
  'migrations',
);

/** Brings the copilot's schema to the latest version. */
export async function applyDatabaseMigrations(knex: Knex): Promise<void> {
  await knex.migrate.latest({
    directory: migrationsDir,
    tableName: 'copilot_knex_migrations',
  });
}

/** Rolls every copilot migration back (used by tests and uninstall scripts). */
export async function rollbackDatabaseMigrations(knex: Knex): Promise<void> {
  await knex.migrate.rollback(
    { directory: migrationsDir, tableName: 'copilot_knex_migrations' },
    true,
  );
}
