// @ts-check

/**
 * Remediation (issue 7): links from a fix plan to where its change went, e.g. the pull request a
 * Scaffolder template opened with the plan's files (`copilot:fix:record`). One row per plan, kind and
 * URL, so recording the same pull request twice is a no-op.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('fix_plan_links', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('plan_id', 64)
      .notNullable()
      .references('id')
      .inTable('fix_plans')
      .onDelete('CASCADE');
    t.string('kind', 32).notNullable().comment('pull-request');
    t.string('url', 2048).notNullable().comment('https URL, no credentials');
    t.text('note').nullable();
    t.string('created_by', 300).notNullable();
    t.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    t.unique(['plan_id', 'kind', 'url'], {
      indexName: 'fix_plan_links_uq',
    });
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('fix_plan_links');
};
