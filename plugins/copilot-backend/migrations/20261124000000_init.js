// @ts-check

/**
 * The whole data model of the copilot (DESIGN.md section 4). `org_id` is the tenant column; entity refs
 * (`component:default/checkout`) stand for services, user entity refs for people.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  /** @type {(t: import('knex').Knex.CreateTableBuilder, name: string) => import('knex').Knex.ColumnBuilder} */
  const json = (t, name) => t.text(name).notNullable().defaultTo('{}');
  /** @type {(t: import('knex').Knex.CreateTableBuilder, name: string) => import('knex').Knex.ColumnBuilder} */
  const jsonList = (t, name) => t.text(name).notNullable().defaultTo('[]');
  /** @type {(t: import('knex').Knex.CreateTableBuilder, name: string) => import('knex').Knex.ColumnBuilder} */
  const ts = (t, name) => t.timestamp(name, { useTz: true, precision: 3 });

  await knex.schema.createTable('connectors', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('kind', 64)
      .notNullable()
      .comment('prometheus, loki, github, argocd, ...');
    t.string('name', 200).notNullable();
    json(t, 'config');
    t.binary('secret_ciphertext')
      .nullable()
      .comment('envelope-encrypted secrets');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('created_by', 300).nullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'updated_at').notNullable();
    t.unique(['org_id', 'name']);
  });

  await knex.schema.createTable('signals', t => {
    t.bigIncrements('id').primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300)
      .nullable()
      .comment('NULL when not attributed to a catalog entity');
    t.string('source', 200).notNullable();
    t.string('kind', 16).notNullable();
    ts(t, 'ts').notNullable();
    t.string('key', 500).nullable();
    t.double('value').nullable();
    t.text('text').nullable();
    json(t, 'labels');
    ts(t, 'received_at').notNullable();
    t.index(['org_id', 'entity_ref', 'ts'], 'signals_entity_ts_idx');
    t.index(['org_id', 'kind', 'ts'], 'signals_kind_ts_idx');
    t.index(['ts'], 'signals_ts_idx');
  });

  await knex.schema.createTable('log_templates', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300).notNullable();
    t.text('template').notNullable();
    t.string('level', 16).nullable();
    t.bigInteger('count').notNullable().defaultTo(0);
    jsonList(t, 'exemplars');
    t.binary('minhash').nullable();
    ts(t, 'first_seen').notNullable();
    ts(t, 'last_seen').notNullable();
    t.index(['org_id', 'entity_ref'], 'log_templates_entity_idx');
  });

  await knex.schema.createTable('template_counts', t => {
    t.string('template_id', 64)
      .notNullable()
      .references('id')
      .inTable('log_templates')
      .onDelete('CASCADE');
    ts(t, 'minute').notNullable();
    t.integer('count').notNullable();
    t.primary(['template_id', 'minute']);
  });

  await knex.schema.createTable('metric_rollups', t => {
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300).notNullable();
    t.string('metric', 500).notNullable();
    t.string('series_key', 64)
      .notNullable()
      .defaultTo('')
      .comment('hash of the labels that split the series');
    ts(t, 'minute').notNullable();
    t.double('min').notNullable();
    t.double('max').notNullable();
    t.double('sum').notNullable();
    t.integer('count').notNullable();
    t.binary('sketch').nullable().comment('quantile sketch (latency)');
    t.primary(['org_id', 'entity_ref', 'metric', 'series_key', 'minute']);
  });

  await knex.schema.createTable('change_events', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300).nullable();
    t.string('kind', 64)
      .notNullable()
      .comment('deploy, config_change, flag_change, commit, ci_run');
    ts(t, 'ts').notNullable();
    t.string('author', 300).nullable();
    t.string('version', 200).nullable();
    t.text('diff_summary').nullable();
    t.text('link').nullable();
    json(t, 'labels');
    t.index(['org_id', 'entity_ref', 'ts'], 'change_events_entity_ts_idx');
  });

  await knex.schema.createTable('topologies', t => {
    t.string('org_id', 64).primary();
    t.text('graph')
      .notNullable()
      .comment('cached catalog graph: nodes and typed edges, JSON');
    t.string('etag', 64).notNullable();
    ts(t, 'refreshed_at').notNullable();
  });

  await knex.schema.createTable('incidents', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('title', 500).notNullable();
    t.string('entity_ref', 300).notNullable();
    t.string('status', 16).notNullable().defaultTo('open');
    t.string('severity', 16).notNullable().defaultTo('medium');
    t.string('source', 64).notNullable();
    t.string('fingerprint', 500).nullable();
    t.text('summary').nullable();
    jsonList(t, 'affected_entity_refs');
    json(t, 'labels');
    ts(t, 'opened_at').notNullable();
    ts(t, 'updated_at').notNullable();
    ts(t, 'resolved_at').nullable();
    t.string('created_by', 300).nullable();
    t.index(['org_id', 'entity_ref', 'opened_at'], 'incidents_entity_idx');
    t.index(['org_id', 'status', 'opened_at'], 'incidents_status_idx');
    t.index(['org_id', 'fingerprint', 'status'], 'incidents_fingerprint_idx');
  });

  await knex.schema.createTable('evidence', t => {
    t.string('id', 64).primary();
    t.string('incident_id', 64)
      .notNullable()
      .references('id')
      .inTable('incidents')
      .onDelete('CASCADE');
    t.string('kind', 64)
      .notNullable()
      .comment('metric_window, log_template, change, doc_range, ...');
    t.string('entity_ref', 300).nullable();
    t.text('summary').notNullable();
    json(t, 'data');
    ts(t, 'window_from').nullable();
    ts(t, 'window_to').nullable();
    t.double('score').nullable();
    ts(t, 'created_at').notNullable();
    t.index(['incident_id'], 'evidence_incident_idx');
  });

  await knex.schema.createTable('hypotheses', t => {
    t.string('id', 64).primary();
    t.string('incident_id', 64)
      .notNullable()
      .references('id')
      .inTable('incidents')
      .onDelete('CASCADE');
    t.integer('rank').notNullable();
    t.string('kind', 64).notNullable();
    t.string('entity_ref', 300).nullable();
    t.text('statement').notNullable();
    t.double('confidence').notNullable();
    jsonList(t, 'support_evidence_ids').comment(
      'never empty: enforced by the store',
    );
    jsonList(t, 'counter_evidence_ids');
    ts(t, 'created_at').notNullable();
    t.index(['incident_id', 'rank'], 'hypotheses_incident_idx');
  });

  await knex.schema.createTable('docs', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('title', 500).notNullable();
    t.string('kind', 32)
      .notNullable()
      .comment('runbook, postmortem, adr, incident');
    t.string('source', 1000).notNullable();
    t.string('owner_entity_ref', 300).nullable();
    jsonList(t, 'tags');
    t.string('content_type', 100).notNullable();
    t.string('content_hash', 64).notNullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'updated_at').notNullable();
    t.unique(['org_id', 'source']);
  });

  await knex.schema.createTable('chunks', t => {
    t.string('id', 64).primary();
    t.string('doc_id', 64)
      .notNullable()
      .references('id')
      .inTable('docs')
      .onDelete('CASCADE');
    t.integer('ordinal').notNullable();
    t.text('heading_path').notNullable().defaultTo('');
    t.text('text').notNullable();
    t.integer('line_from').nullable();
    t.integer('line_to').nullable();
    t.integer('page').nullable();
    t.binary('embedding').nullable().comment('float32 little-endian');
    t.index(['doc_id', 'ordinal'], 'chunks_doc_idx');
  });

  await knex.schema.createTable('fix_plans', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('incident_id', 64)
      .nullable()
      .references('id')
      .inTable('incidents')
      .onDelete('SET NULL');
    t.string('entity_ref', 300).notNullable();
    t.string('mode', 16).notNullable().comment('k8s, helm, tf, ansible, sql');
    t.string('strategy', 64).notNullable();
    t.string('environment', 32).notNullable();
    t.string('status', 32).notNullable().defaultTo('draft');
    t.text('plan')
      .notNullable()
      .comment('summary, steps, scripts, checks, rollback: JSON');
    t.double('risk_score').nullable();
    t.string('preflight_verdict', 16).nullable();
    t.text('preflight_report').nullable();
    t.string('author', 300).notNullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'updated_at').notNullable();
    t.index(['org_id', 'incident_id'], 'fix_plans_incident_idx');
  });

  await knex.schema.createTable('approvals', t => {
    t.string('id', 64).primary();
    t.string('plan_id', 64)
      .notNullable()
      .references('id')
      .inTable('fix_plans')
      .onDelete('CASCADE');
    t.string('approver', 300).notNullable();
    t.string('decision', 16).notNullable().comment('approved, rejected');
    t.text('note').nullable();
    ts(t, 'created_at').notNullable();
    t.unique(['plan_id', 'approver']);
  });

  await knex.schema.createTable('commands', t => {
    t.string('id', 64).primary();
    t.string('plan_id', 64)
      .notNullable()
      .references('id')
      .inTable('fix_plans')
      .onDelete('CASCADE');
    t.string('runner', 16).notNullable().comment('dryrun, gitops, agent');
    t.string('status', 16).notNullable();
    t.text('output').nullable().comment('immutable once written');
    t.text('output_signature').nullable().comment('ed25519 over the output');
    t.text('pr_url').nullable();
    t.string('requested_by', 300).notNullable();
    ts(t, 'started_at').notNullable();
    ts(t, 'finished_at').nullable();
  });

  await knex.schema.createTable('audit_log', t => {
    t.bigIncrements('seq').primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('actor', 300).notNullable();
    t.string('action', 64).notNullable();
    t.string('subject_type', 64).notNullable();
    t.string('subject_id', 64).notNullable();
    json(t, 'payload');
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable().unique();
    t.text('signature').nullable();
    ts(t, 'created_at').notNullable();
  });

  await knex.schema.createTable('tasks', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('kind', 64).notNullable();
    t.string('status', 16)
      .notNullable()
      .comment('queued, running, succeeded, failed');
    t.double('progress').notNullable().defaultTo(0);
    t.text('message').nullable();
    t.text('input').nullable();
    t.text('result').nullable();
    t.text('error').nullable();
    t.string('created_by', 300).nullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'updated_at').notNullable();
  });

  await knex.schema.createTable('idempotency_keys', t => {
    t.string('key', 200).notNullable();
    t.string('scope', 300).notNullable().comment('route and caller');
    t.string('request_hash', 64).notNullable();
    t.integer('status_code').notNullable();
    t.text('response').notNullable();
    ts(t, 'created_at').notNullable();
    t.primary(['scope', 'key']);
  });

  await knex.schema.createTable('slos', t => {
    t.string('id', 64).primary();
    t.string('org_id', 64).notNullable().defaultTo('default');
    t.string('entity_ref', 300).notNullable();
    t.string('name', 200).notNullable();
    t.string('sli', 64).notNullable().comment('availability, latency, ...');
    t.double('objective').notNullable();
    t.double('threshold').nullable();
    t.string('window', 16).notNullable();
    ts(t, 'updated_at').notNullable();
    t.unique(['org_id', 'entity_ref', 'name']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  for (const table of [
    'slos',
    'idempotency_keys',
    'tasks',
    'audit_log',
    'commands',
    'approvals',
    'fix_plans',
    'chunks',
    'docs',
    'hypotheses',
    'evidence',
    'incidents',
    'topologies',
    'change_events',
    'metric_rollups',
    'template_counts',
    'log_templates',
    'signals',
    'connectors',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
};
