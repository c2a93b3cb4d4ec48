// @ts-check

/**
 * Log templates keep the miner's routing path and their per-entity template number, so a restarted
 * backend rebuilds each entity's miner with the same template ids.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('log_templates', t => {
    t.integer('miner_id')
      .nullable()
      .comment('template number inside the entity miner');
    t.text('path').nullable().comment('routing keys of the parse tree, JSON');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('log_templates', t => {
    t.dropColumn('miner_id');
    t.dropColumn('path');
  });
};
