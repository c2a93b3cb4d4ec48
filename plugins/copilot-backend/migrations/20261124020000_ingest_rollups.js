// @ts-check

/**
 * Ingest keeps aggregates, not raw lines (DESIGN.md section 3):
 * - `log_rollups`: log volume per entity, minute and level (entity_ref '' counts unattributed lines);
 * - `log_samples`: a bounded raw sample per entity, minute and template, partitioned by hour so that
 *   retention drops whole partitions;
 * - `metric_rollups` is re-created with a `writer` column: each backend instance merges its own rows
 *   (min/max/sum/count and a quantile sketch) and readers merge across writers, so replicas never
 *   overwrite each other's sketches;
 * - log templates record their MinHash signature, whether they were novel for the entity when first
 *   seen, and the template they merged into when two converged.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  /** @type {(t: import('knex').Knex.CreateTableBuilder, name: string) => import('knex').Knex.ColumnBuilder} */
  const ts = (t, name) => t.timestamp(name, { useTz: true, precision: 3 });

  await knex.schema.createTable('log_rollups', t => {
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300)
      .notNullable()
      .comment("'' for lines not attributed to a catalog entity");
    ts(t, 'minute').notNullable();
    t.string('level', 16).notNullable();
    t.bigInteger('count').notNullable();
    t.primary(['org_id', 'entity_ref', 'minute', 'level']);
    t.index(['org_id', 'minute'], 'log_rollups_minute_idx');
  });

  await knex.schema.createTable('log_samples', t => {
    t.bigIncrements('id').primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.integer('partition')
      .notNullable()
      .comment('hours since the epoch of ts; retention drops whole partitions');
    t.string('entity_ref', 300).nullable();
    t.string('source', 200).notNullable();
    ts(t, 'ts').notNullable();
    t.string('template_id', 64).nullable();
    t.string('level', 16).nullable();
    t.string('trace_id', 64).nullable();
    t.text('text').notNullable();
    t.text('labels').notNullable().defaultTo('{}');
    t.index(['org_id', 'partition'], 'log_samples_partition_idx');
    t.index(['org_id', 'entity_ref', 'ts'], 'log_samples_entity_ts_idx');
    t.index(['template_id', 'ts'], 'log_samples_template_idx');
  });

  await knex.schema.dropTable('metric_rollups');
  await knex.schema.createTable('metric_rollups', t => {
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300).notNullable();
    t.string('metric', 500).notNullable();
    t.string('series_key', 64)
      .notNullable()
      .defaultTo('')
      .comment('hash of the labels that split the series');
    ts(t, 'minute').notNullable();
    t.string('writer', 64)
      .notNullable()
      .comment('backend instance that owns the row');
    t.double('min').notNullable();
    t.double('max').notNullable();
    t.double('sum').notNullable();
    t.integer('count').notNullable();
    t.text('labels').notNullable().defaultTo('{}');
    t.binary('sketch').nullable().comment('quantile sketch (DDSketch bytes)');
    t.primary([
      'org_id',
      'entity_ref',
      'metric',
      'series_key',
      'minute',
      'writer',
    ]);
    t.index(['org_id', 'metric', 'minute'], 'metric_rollups_metric_idx');
  });

  await knex.schema.alterTable('log_templates', t => {
    t.boolean('novel')
      .notNullable()
      .defaultTo(false)
      .comment('unlike every earlier template of the entity when first seen');
    t.string('merged_into', 64)
      .nullable()
      .comment('template this one converged with');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('log_templates', t => {
    t.dropColumn('novel');
    t.dropColumn('merged_into');
  });
  await knex.schema.dropTable('metric_rollups');
  await knex.schema.createTable('metric_rollups', t => {
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300).notNullable();
    t.string('metric', 500).notNullable();
    t.string('series_key', 64).notNullable().defaultTo('');
    t.timestamp('minute', { useTz: true, precision: 3 }).notNullable();
    t.double('min').notNullable();
    t.double('max').notNullable();
    t.double('sum').notNullable();
    t.integer('count').notNullable();
    t.binary('sketch').nullable();
    t.primary(['org_id', 'entity_ref', 'metric', 'series_key', 'minute']);
  });
  await knex.schema.dropTable('log_samples');
  await knex.schema.dropTable('log_rollups');
};
