// @ts-check

/**
 * Reads of many series over a time range, fast.
 *
 * Time-range reads over every entity (the detect stage each closed minute, root-cause analyses over a
 * window and its baseline) need the minute first: the primary keys of metric_rollups and
 * template_counts lead with the entity and the template, so those reads scanned every row ever kept.
 * And each sketched row keeps its p95, so that a read of many minutes need not decode every sketch:
 * only minutes with several rows (writers, label sets) merge their sketches. Rows written before have
 * none and are decoded as before.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('metric_rollups', t => {
    t.index(['org_id', 'minute'], 'metric_rollups_minute_idx');
    t.double('p95').nullable().comment("the row's sketch's 95th percentile");
  });
  await knex.schema.alterTable('template_counts', t => {
    t.index(['minute'], 'template_counts_minute_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('template_counts', t => {
    t.dropIndex(['minute'], 'template_counts_minute_idx');
  });
  await knex.schema.alterTable('metric_rollups', t => {
    t.dropIndex(['org_id', 'minute'], 'metric_rollups_minute_idx');
    t.dropColumn('p95');
  });
};
