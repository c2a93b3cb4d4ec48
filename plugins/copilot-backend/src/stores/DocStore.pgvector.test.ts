import { knex as createKnex, type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  applyDatabaseMigrations,
  rollbackDatabaseMigrations,
} from './migrations';
import { DocStore, type NewDoc } from './DocStore';
import { VectorIndex, type Chunk } from '../engine/knowledge';
import { mulberry32 } from '../engine/knowledge/svd';
import { KnowledgeService } from '../knowledge/KnowledgeService';
import { readKnowledgeConfig } from '../knowledge/config';

// The pgvector path (a `vec` column with per-dimension HNSW indexes) on a real PostgreSQL with the real
// pgvector extension: PGlite (PostgreSQL 18 compiled to WASM, in process) with @electric-sql/pglite-pgvector,
// behind the knex-pglite dialect. DocStore.test.ts covers the float32 path (SQLite, PostgreSQL 15 without
// pgvector); here the same data is ranked both ways and compared.

jest.setTimeout(120_000);

/**
 * PGlite's CommonJS build loads its WASM and file-system bundle with dynamic `import()`, which Jest's
 * CommonJS runtime rejects without `--experimental-vm-modules` (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG).
 * So PGlite and the extension are loaded with Node's own `require` (outside Jest's module registry and VM
 * context); knex, knex-pglite and the plugin run inside Jest as usual. Only Dates need care across the
 * realm boundary (PGlite's serializer checks `instanceof Date` against its own realm): timestamps are
 * serialized to ISO strings and parsed into this realm's Date. Buffers are Node's own on both sides.
 */
function nodeRequire(id: string): any {
  const nodeModule = process.getBuiltinModule('node:module');
  return nodeModule.createRequire(__filename)(id);
}

const TIMESTAMP_OIDS = [1082, 1114, 1184]; // date, timestamp, timestamptz

function newPglite(): PGlite {
  const { PGlite: PGliteClass } = nodeRequire('@electric-sql/pglite');
  const { vector } = nodeRequire('@electric-sql/pglite-pgvector');
  const toText = (v: unknown) =>
    typeof v === 'string' ? v : new Date(v as number).toISOString();
  const options: PGliteOptions = {
    extensions: { vector },
    serializers: Object.fromEntries(TIMESTAMP_OIDS.map(o => [o, toText])),
    parsers: Object.fromEntries(
      TIMESTAMP_OIDS.map(o => [o, (v: string) => new Date(v)]),
    ),
  };
  return new PGliteClass(options);
}

interface PgliteDb {
  knex: Knex;
  pglite: PGlite;
}

const opened: Knex[] = [];

async function pgliteDb(
  options: { migrate?: boolean } = {},
): Promise<PgliteDb> {
  const pglite = newPglite();
  const knex = createKnex({
    client: ClientPgLite,
    // knex-pglite takes an existing PGlite instance through a connection function.
    connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
  });
  opened.push(knex);
  if (options.migrate ?? true) await applyDatabaseMigrations(knex);
  return { knex, pglite };
}

afterEach(async () => {
  for (const k of opened.splice(0)) await k.destroy();
});

async function vectorIndexes(
  knex: Knex,
): Promise<Array<{ indexname: string; indexdef: string }>> {
  const r = await knex.raw(
    `SELECT indexname, indexdef FROM pg_indexes
      WHERE tablename = 'chunks' AND indexdef LIKE '%USING hnsw%' ORDER BY indexname`,
  );
  return r.rows;
}

/** The plan PostgreSQL picks for the next DocStore.denseCandidates query (captured from knex). */
async function planOf(
  { knex, pglite }: PgliteDb,
  run: () => Promise<unknown>,
): Promise<string> {
  const queries: Array<{ sql: string; bindings: unknown[] }> = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => {
    if (/<=>/.test(q.sql))
      queries.push({ sql: q.sql, bindings: q.bindings ?? [] });
  };
  knex.on('query', listener);
  try {
    await run();
  } finally {
    knex.off('query', listener);
  }
  expect(queries).toHaveLength(1);
  const r = await pglite.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN ${queries[0].sql}`,
    queries[0].bindings as any[],
  );
  return r.rows.map(row => row['QUERY PLAN']).join('\n');
}

/** Seeded vectors with components in [-1, 1). */
function randomVectors(seed: number, n: number, dims: number): Float32Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () =>
    Float32Array.from({ length: dims }, () => rand() * 2 - 1),
  );
}

const DOCS = 30;
const CHUNKS_PER_DOC = 4;

function newDoc(i: number): NewDoc {
  return {
    title: `Runbook ${i}`,
    kind: 'runbook',
    source: `git:runbooks/${i}.md`,
    tags: [],
    format: 'markdown',
    origin: 'upload',
    contentType: 'text/markdown',
    contentHash: `h${i}`,
    sizeBytes: 100,
  };
}

function chunksOf(i: number, vectors: Float32Array[]) {
  return vectors.map(
    (embedding, ordinal): Chunk & { embedding: Float32Array } => ({
      ordinal,
      text: `runbook ${i} part ${ordinal}`,
      headingPath: [`Runbook ${i}`],
      lineStart: ordinal + 1,
      lineEnd: ordinal + 1,
      kind: 'prose',
      embedding,
    }),
  );
}

/** Loads DOCS documents of CHUNKS_PER_DOC chunks each; returns each document's vectors. */
async function loadCorpus(
  store: DocStore,
  seed: number,
  dims: number,
  embedder: string,
): Promise<Float32Array[][]> {
  const vectors = randomVectors(seed, DOCS * CHUNKS_PER_DOC, dims);
  const byDoc: Float32Array[][] = [];
  for (let i = 0; i < DOCS; i++) {
    const own = vectors.slice(i * CHUNKS_PER_DOC, (i + 1) * CHUNKS_PER_DOC);
    byDoc.push(own);
    await store.upsert(newDoc(i), chunksOf(i, own), embedder);
  }
  return byDoc;
}

/** chunk id -> "source#ordinal", the identity a chunk has in every store. */
async function chunkKeys(store: DocStore): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for await (const d of store.all())
    for (const c of d.chunks) keys.set(c.id, `${d.doc.source}#${c.ordinal}`);
  return keys;
}

/**
 * The float32 path: the chunks' stored embeddings (as read back from `store`) ranked exactly in process
 * with the VectorIndex the KnowledgeIndex uses. Returns keys and cosine distances, best first.
 */
async function inProcessRanking(
  store: DocStore,
  query: Float32Array,
  embedder: string,
  k: number,
): Promise<Array<{ key: string; distance: number }>> {
  const index = new VectorIndex(query.length);
  const keys: string[] = [];
  for await (const d of store.all())
    for (const c of d.chunks) {
      if (c.embedder !== embedder || c.embedding?.length !== query.length)
        continue;
      index.set(keys.length, c.embedding);
      keys.push(`${d.doc.source}#${c.ordinal}`);
    }
  return index
    .search(query, k)
    .map(r => ({ key: keys[r.id], distance: 1 - r.score }));
}

async function pgvectorRanking(
  store: DocStore,
  query: Float32Array,
  embedder: string,
  k: number,
): Promise<Array<{ key: string; distance: number }>> {
  const keys = await chunkKeys(store);
  const hits = await store.denseCandidates(query, embedder, k);
  return hits.map(h => ({ key: keys.get(h.chunkId)!, distance: h.distance }));
}

function expectSameRanking(
  actual: Array<{ key: string; distance: number }>,
  expected: Array<{ key: string; distance: number }>,
) {
  expect(actual.map(a => a.key)).toEqual(expected.map(e => e.key));
  actual.forEach((a, i) =>
    expect(a.distance).toBeCloseTo(expected[i].distance, 5),
  );
}

describe('DocStore with pgvector (PGlite)', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('migrates to a vec column with the extension enabled', async () => {
    const { knex } = await pgliteDb();
    const store = DocStore.create({ database: knex });
    expect(await store.hasVectorColumn()).toBe(true);
    const ext = await knex.raw(
      "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
    );
    expect(ext.rows).toHaveLength(1);
    const cols = await knex.raw(
      `SELECT column_name, udt_name FROM information_schema.columns
        WHERE table_name = 'chunks' AND column_name IN ('vec', 'vec_dims') ORDER BY column_name`,
    );
    expect(cols.rows).toEqual([
      { column_name: 'vec', udt_name: 'vector' },
      { column_name: 'vec_dims', udt_name: 'int4' },
    ]);
    // No index until the embedder's dimensions are known.
    expect(await vectorIndexes(knex)).toEqual([]);

    // The migration rolls back (with an index on vec in place) and applies again.
    await expect(store.ensureVectorIndex(8)).resolves.toBe(true);
    await rollbackDatabaseMigrations(knex);
    expect(await knex.schema.hasTable('chunks')).toBe(false);
    await applyDatabaseMigrations(knex);
    expect(await DocStore.create({ database: knex }).hasVectorColumn()).toBe(
      true,
    );
  });

  it('needs CREATE EXTENSION rights only when the extension is not installed yet', async () => {
    const asApp = async (db: PgliteDb) => {
      await db.knex.raw('CREATE ROLE app NOSUPERUSER');
      await db.knex.raw('GRANT CREATE ON DATABASE postgres TO app');
      await db.knex.raw('GRANT ALL ON SCHEMA public TO app');
      await db.knex.raw('SET ROLE app');
    };

    // pgvector is not a trusted extension: a plain role cannot create it, and the migration falls back.
    const plain = await pgliteDb({ migrate: false });
    await asApp(plain);
    await applyDatabaseMigrations(plain.knex);
    const fallback = DocStore.create({ database: plain.knex });
    expect(await fallback.hasVectorColumn()).toBe(false);
    await expect(fallback.ensureVectorIndex(3)).resolves.toBe(false);
    const { doc } = await fallback.upsert(
      newDoc(1),
      chunksOf(1, [new Float32Array([1, 0, 0])]),
      'e3',
    );
    expect((await fallback.chunks(doc.id))[0].embedding).toEqual(
      new Float32Array([1, 0, 0]),
    );

    // Installed beforehand by an administrator: the same role gets the vec column.
    const prepared = await pgliteDb({ migrate: false });
    await prepared.knex.raw('CREATE EXTENSION vector');
    await asApp(prepared);
    await applyDatabaseMigrations(prepared.knex);
    const store = DocStore.create({ database: prepared.knex });
    expect(await store.hasVectorColumn()).toBe(true);
    await expect(store.ensureVectorIndex(3)).resolves.toBe(true);
    await store.upsert(
      newDoc(1),
      chunksOf(1, [new Float32Array([1, 0, 0])]),
      'e3',
    );
    const hits = await store.denseCandidates(
      new Float32Array([1, 0, 0]),
      'e3',
      5,
    );
    expect(hits).toHaveLength(1);
    expect(hits[0].distance).toBeCloseTo(0, 6);
  });

  it('creates one HNSW index per dimension, and the nearest-neighbour query uses it', async () => {
    const db = await pgliteDb();
    const store = DocStore.create({ database: db.knex });
    await expect(store.ensureVectorIndex(16)).resolves.toBe(true);
    await expect(store.ensureVectorIndex(16)).resolves.toBe(true);
    // Another replica (another store) finds it in place.
    await expect(
      DocStore.create({ database: db.knex }).ensureVectorIndex(16),
    ).resolves.toBe(true);
    await store.ensureVectorIndex(24);
    const indexes = await vectorIndexes(db.knex);
    expect(indexes.map(i => i.indexname)).toEqual([
      'chunks_vec_hnsw_16',
      'chunks_vec_hnsw_24',
    ]);
    expect(indexes[0].indexdef).toMatch(
      /USING hnsw \(\(\(?vec\)?::vector\(16\)\) vector_cosine_ops\) WHERE \(vec_dims = 16\)/,
    );

    // Enough chunks (with statistics) for the planner to prefer the index on its own.
    const vectors = randomVectors(1, 6000, 16);
    for (let i = 0; i < 60; i++)
      await store.upsert(
        newDoc(i),
        chunksOf(i, vectors.slice(i * 100, (i + 1) * 100)),
        'e16',
      );
    await db.knex.raw('ANALYZE');
    const [query] = randomVectors(99, 1, 16);
    const plan = await planOf(db, () => store.denseCandidates(query, 'e16', 5));
    expect(plan).toMatch(/Index Scan using chunks_vec_hnsw_16 on chunks/);
    const hits = await store.denseCandidates(query, 'e16', 5);
    expect(hits).toHaveLength(5);

    // Beyond HNSW's 2000 dimensions for `vector` there is no index: exact scans, no error.
    await expect(store.ensureVectorIndex(3072)).resolves.toBe(false);
    expect(await vectorIndexes(db.knex)).toHaveLength(2);
  });

  it('writes vec on upsert and ranks like the in-process float32 scan on SQLite', async () => {
    const db = await pgliteDb();
    const pg = DocStore.create({ database: db.knex });
    const sqliteKnex = await databases.init('SQLITE_3');
    await applyDatabaseMigrations(sqliteKnex);
    const sqlite = DocStore.create({ database: sqliteKnex });
    expect(await sqlite.hasVectorColumn()).toBe(false);

    const vectors = await loadCorpus(pg, 7, 16, 'e16');
    await loadCorpus(sqlite, 7, 16, 'e16');
    await pg.ensureVectorIndex(16);

    // vec holds exactly the float32 embedding, vec_dims its length.
    const keys = await chunkKeys(pg);
    const rows = (
      await db.knex.raw('SELECT id, vec::text AS vec, vec_dims FROM chunks')
    ).rows as Array<{ id: string; vec: string; vec_dims: number }>;
    expect(rows).toHaveLength(DOCS * CHUNKS_PER_DOC);
    for (const r of rows) {
      const [source, ordinal] = keys.get(r.id)!.split('#');
      const doc = Number(source.replace(/\D/g, ''));
      expect(r.vec_dims).toBe(16);
      expect(Float32Array.from(JSON.parse(r.vec))).toEqual(
        vectors[doc][Number(ordinal)],
      );
    }

    const queries = randomVectors(1234, 6, 16);
    // Once through the executor's choice (a sequential scan at this size), once through the HNSW index.
    for (const seqscan of ['on', 'off']) {
      await db.knex.raw(`SET enable_seqscan = ${seqscan}`);
      for (const q of queries) {
        const expected = await inProcessRanking(sqlite, q, 'e16', 10);
        expectSameRanking(await pgvectorRanking(pg, q, 'e16', 10), expected);
        // k as large as the corpus: every chunk, in the same order as the exact scan.
        const everything = await inProcessRanking(sqlite, q, 'e16', 1000);
        expect(everything).toHaveLength(DOCS * CHUNKS_PER_DOC);
        expectSameRanking(
          await pgvectorRanking(pg, q, 'e16', DOCS * CHUNKS_PER_DOC),
          everything,
        );
      }
    }
  });

  it('keeps other organisations and embedders out of the nearest neighbours', async () => {
    const db = await pgliteDb();
    const store = DocStore.create({ database: db.knex });
    const other = DocStore.create({ database: db.knex, orgId: 'acme' });
    await loadCorpus(store, 3, 16, 'e16');
    // Another organisation with vectors close to ours, and a document of ours with another embedder.
    await loadCorpus(other, 3, 16, 'e16');
    await store.upsert(
      { ...newDoc(1000), source: 'git:other-embedder.md' },
      chunksOf(1000, randomVectors(3, CHUNKS_PER_DOC, 16)),
      'e16-old',
    );
    await store.ensureVectorIndex(16);
    await db.knex.raw('SET enable_seqscan = off');
    const own = new Set((await chunkKeys(store)).keys());
    const ownIds = [...own];
    for (const q of randomVectors(55, 3, 16)) {
      const hits = await store.denseCandidates(q, 'e16', DOCS * CHUNKS_PER_DOC);
      // All of this organisation's chunks of that embedder, although the index holds twice as many.
      expect(hits).toHaveLength(DOCS * CHUNKS_PER_DOC);
      for (const h of hits) expect(ownIds).toContain(h.chunkId);
      const otherDoc = await store.findBySource('git:other-embedder.md');
      expect(hits.some(h => h.docId === otherDoc!.id)).toBe(false);
      const distances = hits.map(h => h.distance);
      expect(distances).toEqual([...distances].sort((a, b) => a - b));
      expectSameRanking(
        await pgvectorRanking(store, q, 'e16', 10),
        await inProcessRanking(store, q, 'e16', 10),
      );
    }
  });

  it('replaces vectors on re-upload and removes them on delete', async () => {
    const db = await pgliteDb();
    const store = DocStore.create({ database: db.knex });
    await loadCorpus(store, 11, 16, 'e16');
    await store.ensureVectorIndex(16);
    await db.knex.raw('SET enable_seqscan = off');
    const target = (await store.findBySource(newDoc(5).source))!;
    const oldIds = (await store.chunks(target.id)).map(c => c.id);
    const [query] = randomVectors(777, 1, 16);

    // Re-upload document 5 with two chunks, the first exactly the query.
    const { doc, replaced } = await store.upsert(
      newDoc(5),
      chunksOf(5, [query, randomVectors(778, 1, 16)[0]]),
      'e16',
    );
    expect(replaced).toBe(true);
    expect(doc.id).toBe(target.id);
    const newIds = (await store.chunks(doc.id)).map(c => c.id);
    const hits = await store.denseCandidates(query, 'e16', 1000);
    expect(hits).toHaveLength((DOCS - 1) * CHUNKS_PER_DOC + 2);
    expect(hits[0].chunkId).toBe(newIds[0]);
    expect(hits[0].distance).toBeCloseTo(0, 6);
    expect(hits.map(h => h.chunkId)).toEqual(expect.arrayContaining(newIds));
    for (const id of oldIds) expect(hits.map(h => h.chunkId)).not.toContain(id);
    const vecRows = await db
      .knex('chunks')
      .whereNotNull('vec')
      .count({ n: '*' });
    expect(Number(vecRows[0].n)).toBe((DOCS - 1) * CHUNKS_PER_DOC + 2);

    await store.delete(doc.id);
    const after = await store.denseCandidates(query, 'e16', 1000);
    expect(after).toHaveLength((DOCS - 1) * CHUNKS_PER_DOC);
    expect(after.some(h => h.docId === doc.id)).toBe(false);
  });

  it('follows a change of embedder dimensions (setEmbeddings), including half-migrated states', async () => {
    const db = await pgliteDb();
    const store = DocStore.create({ database: db.knex });
    await loadCorpus(store, 21, 16, 'e16');
    await store.ensureVectorIndex(16);
    const all: string[] = [];
    for await (const d of store.all()) all.push(...d.chunks.map(c => c.id));
    const wide = randomVectors(22, all.length, 24);
    const half = all.length / 2;

    // Half re-embedded with a 24-dimensional model.
    await store.setEmbeddings(
      all.slice(0, half).map((chunkId, i) => ({ chunkId, vector: wide[i] })),
      'e24',
    );
    await store.ensureVectorIndex(24);
    const [q16] = randomVectors(31, 1, 16);
    const [q24] = randomVectors(32, 1, 24);
    for (const seqscan of ['on', 'off']) {
      await db.knex.raw(`SET enable_seqscan = ${seqscan}`);
      const narrow = await store.denseCandidates(q16, 'e16', 1000);
      expect(narrow.map(h => h.chunkId).sort()).toEqual(all.slice(half).sort());
      expectSameRanking(
        await pgvectorRanking(store, q24, 'e24', 1000),
        await inProcessRanking(store, q24, 'e24', 1000),
      );
    }

    await store.setEmbeddings(
      all
        .slice(half)
        .map((chunkId, i) => ({ chunkId, vector: wide[half + i] })),
      'e24',
    );
    const dims = await db.knex('chunks').distinct('vec_dims');
    expect(dims).toEqual([{ vec_dims: 24 }]);
    expect(await store.denseCandidates(q16, 'e16', 1000)).toEqual([]);
    await db.knex.raw('SET enable_seqscan = off');
    const plan = await planOf(db, () => store.denseCandidates(q24, 'e24', 5));
    expect(plan).toMatch(/Index Scan using chunks_vec_hnsw_24 on chunks/);
    expectSameRanking(
      await pgvectorRanking(store, q24, 'e24', 1000),
      await inProcessRanking(store, q24, 'e24', 1000),
    );
  });
});

const RUNBOOKS: Array<{ title: string; body: string }> = [
  {
    title: 'Payments 5xx',
    body: 'Payments answers 5xx when the orders database connection pool is exhausted.\n\n## Mitigation\n\nRaise max_connections on orders-db back to 200 and restart the payments pods.',
  },
  {
    title: 'Cart latency',
    body: 'The cart service is slow when the redis cache is evicting keys.\n\n## Mitigation\n\nScale the redis cluster and check the maxmemory-policy.',
  },
  {
    title: 'Kafka consumer lag',
    body: 'Consumer lag on the orders topic grows when the consumer group rebalances too often.\n\n## Mitigation\n\nIncrease session.timeout.ms and add partitions to the topic.',
  },
  {
    title: 'TLS certificate expiry',
    body: 'Ingress returns handshake errors when the TLS certificate expired.\n\n## Mitigation\n\nRenew the certificate with cert-manager and reload the ingress controller.',
  },
  {
    title: 'Disk full on logging nodes',
    body: 'Elasticsearch stops indexing when the data disk is above the flood stage watermark.\n\n## Mitigation\n\nDelete old indices and raise the disk size of the logging nodes.',
  },
  {
    title: 'DNS resolution failures',
    body: 'Pods fail to resolve service names when CoreDNS is overloaded or crash looping.\n\n## Mitigation\n\nScale CoreDNS replicas and enable NodeLocal DNSCache.',
  },
  {
    title: 'Memory leak in search API',
    body: 'The search API is OOMKilled every few hours because of a heap leak in the query cache.\n\n## Mitigation\n\nRoll back to the previous release and cap the query cache size.',
  },
  {
    title: 'Node not ready',
    body: 'Kubernetes nodes turn NotReady when the kubelet loses contact with the API server.\n\n## Mitigation\n\nCordon and drain the node, then restart the kubelet.',
  },
];

const QUERIES = [
  'orders database connection pool exhausted',
  'redis cache evicting keys, cart slow',
  'consumer group rebalancing lag',
  'certificate expired handshake errors',
  'elasticsearch disk watermark',
  'pods cannot resolve service names',
  'OOMKilled heap leak',
  'kubelet NotReady node',
];

async function ingestRunbooks(knowledge: KnowledgeService) {
  for (const r of RUNBOOKS)
    await knowledge.ingest({
      kind: 'runbook',
      source: `git:${r.title}`,
      content: `# ${r.title}\n\n${r.body}\n`,
      format: 'markdown',
      origin: 'upload',
    });
}

describe('KnowledgeService with pgvector (PGlite)', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const logger = mockServices.logger.mock();

  async function service(database: Knex, copilot: object = {}, fetch?: any) {
    const store = DocStore.create({ database });
    const knowledge = new KnowledgeService({
      store,
      logger,
      config: readKnowledgeConfig(new ConfigReader(copilot)),
      fetch,
    });
    await knowledge.rebuild();
    return { store, knowledge };
  }

  it('uses pgvector and finds what the SQLite deployment finds', async () => {
    const db = await pgliteDb();
    const pg = await service(db.knex);
    const sqliteKnex = await databases.init('SQLITE_3');
    await applyDatabaseMigrations(sqliteKnex);
    const sqlite = await service(sqliteKnex);
    await ingestRunbooks(pg.knowledge);
    await ingestRunbooks(sqlite.knowledge);

    expect(pg.knowledge.usesPgvector).toBe(true);
    expect(sqlite.knowledge.usesPgvector).toBe(false);
    expect(pg.knowledge.embedderId).toMatch(/^local-lsa-128-/);
    expect((await vectorIndexes(db.knex)).map(i => i.indexname)).toEqual([
      'chunks_vec_hnsw_128',
    ]);
    // Every chunk carries the current embedder's vector in both forms.
    const stale = await db
      .knex('chunks')
      .whereNull('vec')
      .orWhereNot('embedder', pg.knowledge.embedderId)
      .orWhereNot('vec_dims', 128)
      .count({ n: '*' });
    expect(Number(stale[0].n)).toBe(0);

    const dense = jest.spyOn(pg.store, 'denseCandidates');
    await db.knex.raw('SET enable_seqscan = off');
    for (const [i, q] of QUERIES.entries()) {
      const a = await pg.knowledge.search(q, { k: 3 });
      const b = await sqlite.knowledge.search(q, { k: 3 });
      expect(a.items[0].title).toBe(RUNBOOKS[i].title);
      expect(b.items[0].title).toBe(RUNBOOKS[i].title);
      // The same corpus gives the same snippets in the same order: the local embedder is fitted on fewer
      // chunks than its 128 dimensions, so its LSA keeps the whole row space and the order the stores
      // list chunks in (by random document id) does not change any cosine.
      const view = (r: typeof a) =>
        r.items.map(s => [s.title, s.headingPath, s.lineStart, s.lineEnd]);
      expect(view(a)).toEqual(view(b));
    }
    expect(dense).toHaveBeenCalledTimes(QUERIES.length);
  });

  it('ranks exactly like the in-process path on the same store', async () => {
    const db = await pgliteDb();
    const pg = await service(db.knex);
    await ingestRunbooks(pg.knowledge);
    // A second replica on the same data that ignores the vec column.
    const plain = DocStore.create({ database: db.knex });
    jest.spyOn(plain, 'hasVectorColumn').mockResolvedValue(false);
    const inProcess = new KnowledgeService({
      store: plain,
      logger,
      config: readKnowledgeConfig(undefined),
    });
    await inProcess.rebuild();
    expect(inProcess.usesPgvector).toBe(false);
    expect(inProcess.embedderId).toBe(pg.knowledge.embedderId);
    await db.knex.raw('SET enable_seqscan = off');
    for (const q of [...QUERIES, 'restart pods after a config change']) {
      expect(await pg.knowledge.search(q, { k: 5 })).toEqual(
        await inProcess.search(q, { k: 5 }),
      );
    }
  });

  it('re-embeds into a new dimension and indexes it', async () => {
    const db = await pgliteDb();
    const first = await service(db.knex);
    await ingestRunbooks(first.knowledge);
    const wider = await service(db.knex, {
      knowledge: { embeddings: { dimensions: 64 } },
    });
    expect(wider.knowledge.usesPgvector).toBe(true);
    expect(wider.knowledge.embedderId).toMatch(/^local-lsa-64-/);
    const dims = await db.knex('chunks').distinct('vec_dims', 'embedder');
    expect(dims).toEqual([
      { vec_dims: 64, embedder: wider.knowledge.embedderId },
    ]);
    expect((await vectorIndexes(db.knex)).map(i => i.indexname)).toEqual([
      'chunks_vec_hnsw_128',
      'chunks_vec_hnsw_64',
    ]);
    await db.knex.raw('SET enable_seqscan = off');
    for (const [i, q] of QUERIES.entries())
      expect((await wider.knowledge.search(q, { k: 1 })).items[0].title).toBe(
        RUNBOOKS[i].title,
      );
  });

  it('indexes the dimension an OpenAI-compatible embedder reports on its first answer', async () => {
    // A deterministic stand-in for the embeddings endpoint: hashed words into 8 dimensions.
    const embed = (text: string) => {
      const v = new Array(8).fill(0);
      for (const w of text.toLowerCase().match(/[a-z]+/g) ?? [])
        v[[...w].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 8, 7)] += 1;
      return v;
    };
    const fetch = async (_url: string, init: { body: string }) => {
      const { input } = JSON.parse(init.body) as { input: string[] };
      return new Response(
        JSON.stringify({
          data: input.map((t, index) => ({ index, embedding: embed(t) })),
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    };
    const db = await pgliteDb();
    const { knowledge } = await service(
      db.knex,
      {
        knowledge: {
          embeddings: {
            provider: 'openai',
            baseUrl: 'http://embeddings.test',
            model: 'm',
          },
        },
      },
      fetch,
    );
    expect(knowledge.usesPgvector).toBe(true);
    expect(await vectorIndexes(db.knex)).toEqual([]);
    await ingestRunbooks(knowledge);
    expect((await vectorIndexes(db.knex)).map(i => i.indexname)).toEqual([
      'chunks_vec_hnsw_8',
    ]);
    const { items } = await knowledge.search(QUERIES[1], { k: 1 });
    expect(items[0].title).toBe(RUNBOOKS[1].title);
  });
});
