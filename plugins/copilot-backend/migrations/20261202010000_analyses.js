// @ts-check

/**
 * Root-cause analyses (issue 5): one `analyses` row per run of `POST /incidents/:id/analyze` with its
 * window, whether it abstained and the blast radius of the top candidate; the evidence and hypotheses it
 * stored carry its id (a new analysis of the same incident replaces the previous one's rows).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  /** @type {(t: import('knex').Knex.CreateTableBuilder, name: string) => import('knex').Knex.ColumnBuilder} */
  const ts = (t, name) => t.timestamp(name, { useTz: true, precision: 3 });

  await knex.schema.createTable('analyses', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('incident_id', 64)
      .notNullable()
      .references('id')
      .inTable('incidents')
      .onDelete('CASCADE');
    t.string('task_id', 64).nullable();
    ts(t, 'window_from').notNullable();
    ts(t, 'window_to').notNullable();
    t.boolean('abstained').notNullable();
    t.text('abstain_reason').nullable();
    t.double('unexplained').notNullable();
    t.text('blast_radius')
      .nullable()
      .comment('JSON: impacted, owners, SLOs at risk, risk');
    t.integer('duration_ms').notNullable();
    ts(t, 'created_at').notNullable();
    t.index(['incident_id'], 'analyses_incident_idx');
  });
  await knex.schema.alterTable('evidence', t => {
    t.string('analysis_id', 64).nullable();
  });
  await knex.schema.alterTable('hypotheses', t => {
    t.string('analysis_id', 64).nullable();
    t.double('score').nullable().comment('raw ranking score');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('hypotheses', t => {
    t.dropColumn('analysis_id');
    t.dropColumn('score');
  });
  await knex.schema.alterTable('evidence', t => {
    t.dropColumn('analysis_id');
  });
  await knex.schema.dropTable('analyses');
};
