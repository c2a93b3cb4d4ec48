// @ts-check

/**
 * The responders' record of an incident: what fixed it and its confirmed root cause (PATCH
 * /v1/incidents/:id). Confirmed root causes are read back by later analyses (the history term of the
 * change-impact likelihood), by entity, hence the index.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('incidents', t => {
    t.text('resolution_summary').nullable();
    t.string('root_cause_entity_ref', 300).nullable();
    t.string('root_cause_kind', 64).nullable();
    t.string('root_cause_hypothesis_id', 64).nullable();
    t.string('resolution_by', 300).nullable();
    t.timestamp('resolution_at', { useTz: true, precision: 3 }).nullable();
    t.index(
      ['org_id', 'root_cause_entity_ref'],
      'incidents_root_cause_entity_idx',
    );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('incidents', t => {
    t.dropIndex(
      ['org_id', 'root_cause_entity_ref'],
      'incidents_root_cause_entity_idx',
    );
    t.dropColumn('resolution_at');
    t.dropColumn('resolution_by');
    t.dropColumn('root_cause_hypothesis_id');
    t.dropColumn('root_cause_kind');
    t.dropColumn('root_cause_entity_ref');
    t.dropColumn('resolution_summary');
  });
};
