// @ts-check

/**
 * The detect stage (issue 4):
 * - `detector_states`: the streaming detectors' state per series, checkpointed every few minutes; on a
 *   restart the stage resumes from the checkpoint and replays the rollups written since `last_minute`,
 *   so it continues as if it had never stopped;
 * - `anomalies`: what the detectors found, one row per anomaly window (opened on the first anomalous
 *   point, extended while the series stays abnormal, closed after a few normal minutes). These are the
 *   evidence candidates that correlation and root-cause analysis cite.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  /** @type {(t: import('knex').Knex.CreateTableBuilder, name: string) => import('knex').Knex.ColumnBuilder} */
  const ts = (t, name) => t.timestamp(name, { useTz: true, precision: 3 });

  await knex.schema.createTable('detector_states', t => {
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('series_key', 700)
      .notNullable()
      .comment('kind:entity:metric or template id');
    t.string('entity_ref', 300).notNullable();
    t.string('kind', 32)
      .notNullable()
      .comment('metric | log-volume | log-errors | template');
    t.text('state').notNullable().comment('JSON of SeriesDetectorState');
    ts(t, 'last_minute').notNullable();
    t.boolean('cold').notNullable().defaultTo(true);
    t.integer('warmup_remaining').notNullable().defaultTo(0);
    ts(t, 'updated_at').notNullable();
    t.primary(['org_id', 'series_key']);
    t.index(['org_id', 'entity_ref'], 'detector_states_entity_idx');
  });

  await knex.schema.createTable('anomalies', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300).notNullable();
    t.string('series_key', 700).notNullable();
    t.string('kind', 32)
      .notNullable()
      .comment('metric | log-volume | log-errors | template | novel-template');
    t.string('metric', 500).nullable();
    t.string('template_id', 64).nullable();
    t.string('status', 16).notNullable().comment('open | closed');
    ts(t, 'window_from').notNullable();
    ts(t, 'window_to').notNullable();
    ts(t, 'peak_at').notNullable();
    t.double('score').notNullable().comment('peak ensemble score in [0, 1]');
    t.string('direction', 8).notNullable();
    t.double('value').nullable();
    t.double('expected').nullable();
    t.double('band_low').nullable();
    t.double('band_high').nullable();
    t.double('robust_sigmas').nullable();
    t.text('detectors').notNullable().defaultTo('[]');
    t.text('seasonality').notNullable().defaultTo('[]');
    t.text('summary').notNullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'updated_at').notNullable();
    t.index(['org_id', 'entity_ref', 'window_from'], 'anomalies_entity_idx');
    t.index(['org_id', 'window_from'], 'anomalies_window_idx');
    t.index(['org_id', 'series_key', 'status'], 'anomalies_series_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('anomalies');
  await knex.schema.dropTable('detector_states');
};
