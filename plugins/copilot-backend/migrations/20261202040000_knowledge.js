// @ts-check

/**
 * Knowledge (issue 6): docs get their format, origin and chunk count; chunks get their kind and the id of
 * the embedder that produced `embedding` (float32 little-endian bytes; re-embedded when the id changes).
 * With PostgreSQL and the pgvector extension available, chunks also get a `vec vector` column (dimensions
 * in `vec_dims`); the HNSW index is created per dimension at runtime (DocStore.ensureVectorIndex), because
 * the embedder's dimensions are only known from config. Without pgvector (or on SQLite) nothing else changes.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('docs', t => {
    t.string('format', 16).notNullable().defaultTo('markdown');
    t.string('origin', 32)
      .notNullable()
      .defaultTo('upload')
      .comment('upload, folder, catalog, incident');
    t.integer('chunk_count').notNullable().defaultTo(0);
    t.integer('size_bytes').notNullable().defaultTo(0);
    t.index(['org_id', 'kind'], 'docs_kind_idx');
  });
  await knex.schema.alterTable('chunks', t => {
    t.string('kind', 16).notNullable().defaultTo('prose');
    t.string('embedder', 128).nullable().comment('EmbeddingProvider.id');
  });
  if (await pgvectorAvailable(knex)) {
    try {
      // A savepoint: a failure (e.g. no privilege to create extensions) must not abort the migration.
      await knex.transaction(async tx => {
        await tx.raw('CREATE EXTENSION IF NOT EXISTS vector');
        await tx.raw('ALTER TABLE chunks ADD COLUMN vec vector');
        await tx.raw('ALTER TABLE chunks ADD COLUMN vec_dims integer');
      });
    } catch {
      // pgvector present but not usable: embeddings stay float32 bytes ranked in process.
    }
  }
};

/**
 * True on PostgreSQL when the server offers the `vector` extension.
 *
 * @param {import('knex').Knex} knex
 */
async function pgvectorAvailable(knex) {
  const client = String(
    /** @type {{ dialect?: string }} */ (knex.client).dialect ?? '',
  );
  if (client !== 'postgresql' && client !== 'pg') return false;
  try {
    const result = await knex.raw(
      "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
    );
    return result.rows.length > 0;
  } catch {
    return false;
  }
}

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  if (await knex.schema.hasColumn('chunks', 'vec')) {
    await knex.raw('ALTER TABLE chunks DROP COLUMN vec');
    await knex.raw('ALTER TABLE chunks DROP COLUMN vec_dims');
  }
  await knex.schema.alterTable('chunks', t => {
    t.dropColumn('kind');
    t.dropColumn('embedder');
  });
  await knex.schema.alterTable('docs', t => {
    t.dropIndex(['org_id', 'kind'], 'docs_kind_idx');
    t.dropColumn('format');
    t.dropColumn('origin');
    t.dropColumn('chunk_count');
    t.dropColumn('size_bytes');
  });
};
