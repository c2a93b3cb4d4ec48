// @ts-check

/**
 * Remediation (issue 7): what the fix API stores beyond the init schema.
 * - fix_plans: the entity's owners (for the IS_ENTITY_OWNER rule) and when preflight last ran.
 * - commands: the sha256 of the signed runner output and the id of the key that signed it; one output
 *   per command, written once (the store has no update path).
 * - audit_log: the engine's chain fields verbatim (`chain_seq` from 0, `at` as the exact ISO string that
 *   was hashed, the subject as hashed) and the incident a row belongs to, for exports.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  /** @type {(t: import('knex').Knex.CreateTableBuilder, name: string) => import('knex').Knex.ColumnBuilder} */
  const ts = (t, name) => t.timestamp(name, { useTz: true, precision: 3 });

  await knex.schema.alterTable('fix_plans', t => {
    t.text('owners')
      .notNullable()
      .defaultTo('[]')
      .comment("JSON: owner refs of the plan's entity");
    ts(t, 'preflighted_at').nullable();
  });
  await knex.schema.alterTable('commands', t => {
    t.string('output_hash', 64)
      .nullable()
      .comment('sha256 hex of the output the signature covers');
    t.string('key_id', 64)
      .nullable()
      .comment('fingerprint of the ed25519 key that signed the output');
    t.index(['plan_id'], 'commands_plan_idx');
  });
  await knex.schema.alterTable('audit_log', t => {
    t.bigInteger('chain_seq')
      .nullable()
      .unique('audit_log_chain_seq_uq')
      .comment('position in the hash chain, from 0');
    t.string('at', 40).nullable().comment('ISO time exactly as hashed');
    t.string('subject', 300).nullable().comment('subject exactly as hashed');
    t.string('incident_id', 64).nullable();
    t.index(['incident_id'], 'audit_log_incident_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('audit_log', t => {
    t.dropIndex(['incident_id'], 'audit_log_incident_idx');
    t.dropUnique(['chain_seq'], 'audit_log_chain_seq_uq');
  });
  await knex.schema.alterTable('audit_log', t => {
    t.dropColumn('incident_id');
    t.dropColumn('subject');
    t.dropColumn('at');
    t.dropColumn('chain_seq');
  });
  await knex.schema.alterTable('commands', t => {
    t.dropIndex(['plan_id'], 'commands_plan_idx');
  });
  await knex.schema.alterTable('commands', t => {
    t.dropColumn('key_id');
    t.dropColumn('output_hash');
  });
  await knex.schema.alterTable('fix_plans', t => {
    t.dropColumn('preflighted_at');
    t.dropColumn('owners');
  });
};
