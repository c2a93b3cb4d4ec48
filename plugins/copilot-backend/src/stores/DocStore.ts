import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { NotFoundError } from '@backstage/errors';
import type {
  KnowledgeDoc,
  KnowledgeDocFormat,
  KnowledgeDocKind,
  Page,
} from '@devops-copilot/backstage-plugin-copilot-common';
import type { Chunk, ChunkKind } from '../engine/knowledge';
import { fromBytes, toBytes } from '../engine/knowledge';
import { keysetPage, parseJson, toIso } from './util';

/** A document as the knowledge service stores it (the id is assigned by the store). */
export interface NewDoc {
  title: string;
  kind: KnowledgeDocKind;
  /** Identity: a document with the same source is replaced. */
  source: string;
  ownerEntityRef?: string;
  tags: string[];
  format: KnowledgeDocFormat;
  origin: string;
  contentType: string;
  contentHash: string;
  sizeBytes: number;
}

/** A chunk with its embedding (from the provider `embedder`). */
export interface StoredChunk extends Chunk {
  id: string;
  docId: string;
  embedding?: Float32Array;
  embedder?: string;
}

export interface DocWithChunks {
  doc: KnowledgeDoc;
  chunks: StoredChunk[];
}

interface DocRow {
  id: string;
  org_id: string;
  title: string;
  kind: string;
  source: string;
  owner_entity_ref: string | null;
  tags: string | null;
  content_type: string;
  content_hash: string;
  format: string;
  origin: string;
  chunk_count: number;
  size_bytes: number;
  created_at: unknown;
  updated_at: unknown;
}

interface ChunkRow {
  id: string;
  doc_id: string;
  ordinal: number;
  heading_path: string;
  text: string;
  line_from: number | null;
  line_to: number | null;
  page: number | null;
  kind: string;
  embedding: Buffer | Uint8Array | null;
  embedder: string | null;
}

const CHUNK_COLUMNS = [
  'id',
  'doc_id',
  'ordinal',
  'heading_path',
  'text',
  'line_from',
  'line_to',
  'page',
  'kind',
  'embedding',
  'embedder',
];

const INSERT_BATCH = 100;

/** pgvector's HNSW limit for the `vector` type. */
const HNSW_MAX_DIMENSIONS = 2000;

function toDoc(row: DocRow): KnowledgeDoc {
  return {
    id: row.id,
    title: row.title,
    kind: row.kind as KnowledgeDocKind,
    source: row.source,
    ...(row.owner_entity_ref ? { ownerEntityRef: row.owner_entity_ref } : {}),
    tags: parseJson<string[]>(row.tags, []),
    format: row.format as KnowledgeDocFormat,
    origin: row.origin,
    chunkCount: Number(row.chunk_count),
    sizeBytes: Number(row.size_bytes),
    contentHash: row.content_hash,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

function toChunk(row: ChunkRow): StoredChunk {
  const bytes = row.embedding
    ? new Uint8Array(
        row.embedding.buffer,
        row.embedding.byteOffset,
        row.embedding.byteLength,
      )
    : undefined;
  return {
    id: row.id,
    docId: row.doc_id,
    ordinal: Number(row.ordinal),
    text: row.text,
    headingPath: parseJson<string[]>(row.heading_path, []),
    lineStart: Number(row.line_from ?? 1),
    lineEnd: Number(row.line_to ?? row.line_from ?? 1),
    ...(row.page !== null && row.page !== undefined
      ? { page: Number(row.page) }
      : {}),
    kind: row.kind as ChunkKind,
    ...(bytes && bytes.byteLength > 0 ? { embedding: fromBytes(bytes) } : {}),
    ...(row.embedder ? { embedder: row.embedder } : {}),
  };
}

/** Knowledge documents and their chunks (text, heading path, line range / page, kind, embedding). */
export class DocStore {
  private vectorColumn?: boolean;
  private iterativeScan?: boolean;
  private readonly vectorIndexes = new Set<number>();

  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): DocStore {
    return new DocStore(options.database, options.orgId ?? 'default');
  }

  /**
   * Stores a document and its chunks in one transaction; a document with the same source is updated in
   * place (same id) and its chunks are replaced, so re-uploads never duplicate.
   */
  async upsert(
    doc: NewDoc,
    chunks: Array<Chunk & { embedding?: Float32Array }>,
    embedder: string | undefined,
    now = new Date(),
  ): Promise<{ doc: KnowledgeDoc; replaced: boolean }> {
    const vectors = await this.hasVectorColumn();
    const id = await this.db.transaction(async tx => {
      const existing = await tx<DocRow>('docs')
        .where({ org_id: this.orgId, source: doc.source })
        .first();
      const docId = existing?.id ?? randomUUID();
      const row = {
        title: doc.title,
        kind: doc.kind,
        owner_entity_ref: doc.ownerEntityRef ?? null,
        tags: JSON.stringify(doc.tags),
        content_type: doc.contentType,
        content_hash: doc.contentHash,
        format: doc.format,
        origin: doc.origin,
        chunk_count: chunks.length,
        size_bytes: doc.sizeBytes,
        updated_at: now,
      };
      if (existing) {
        await tx('chunks').where({ doc_id: docId }).delete();
        await tx('docs').where({ id: docId }).update(row);
      } else {
        await tx('docs').insert({
          id: docId,
          org_id: this.orgId,
          source: doc.source,
          created_at: now,
          ...row,
        });
      }
      const rows = chunks.map(c => ({
        id: randomUUID(),
        doc_id: docId,
        ordinal: c.ordinal,
        heading_path: JSON.stringify(c.headingPath),
        text: c.text,
        line_from: c.lineStart,
        line_to: c.lineEnd,
        page: c.page ?? null,
        kind: c.kind,
        embedding: c.embedding ? Buffer.from(toBytes(c.embedding)) : null,
        embedder: c.embedding ? embedder ?? null : null,
        ...(vectors && c.embedding
          ? {
              vec: this.db.raw('?::vector', [vectorLiteral(c.embedding)]),
              vec_dims: c.embedding.length,
            }
          : {}),
      }));
      for (let i = 0; i < rows.length; i += INSERT_BATCH)
        await tx('chunks').insert(rows.slice(i, i + INSERT_BATCH));
      return { docId, replaced: !!existing };
    });
    return { doc: await this.get(id.docId), replaced: id.replaced };
  }

  async get(id: string): Promise<KnowledgeDoc> {
    const row = await this.db<DocRow>('docs')
      .where({ org_id: this.orgId, id })
      .first();
    if (!row) throw new NotFoundError(`No document with id '${id}'`);
    return toDoc(row);
  }

  async findBySource(source: string): Promise<KnowledgeDoc | undefined> {
    const row = await this.db<DocRow>('docs')
      .where({ org_id: this.orgId, source })
      .first();
    return row ? toDoc(row) : undefined;
  }

  /** Newest first, with a cursor. */
  async list(
    options: {
      kind?: string;
      owner?: string;
      origin?: string;
      limit?: number;
      cursor?: string;
    } = {},
  ): Promise<Page<KnowledgeDoc>> {
    const q = this.db<DocRow>('docs').where({ org_id: this.orgId });
    if (options.kind) q.where('kind', options.kind);
    if (options.owner) q.where('owner_entity_ref', options.owner);
    if (options.origin) q.where('origin', options.origin);
    return keysetPage<DocRow, KnowledgeDoc>(q, 'updated_at', options, toDoc);
  }

  /** Deletes a document and its chunks; returns the document, or throws NotFoundError. */
  async delete(id: string): Promise<KnowledgeDoc> {
    const doc = await this.get(id);
    await this.db.transaction(async tx => {
      await tx('chunks').where({ doc_id: id }).delete();
      await tx('docs').where({ org_id: this.orgId, id }).delete();
    });
    return doc;
  }

  async chunks(docId: string): Promise<StoredChunk[]> {
    const rows: ChunkRow[] = await this.db('chunks')
      .select(CHUNK_COLUMNS)
      .where({ doc_id: docId })
      .orderBy('ordinal');
    return rows.map(toChunk);
  }

  /** Every document with its chunks (ordered by document id and ordinal), to build the index from. */
  async *all(batchDocs = 200): AsyncGenerator<DocWithChunks> {
    let after = '';
    for (;;) {
      const docs = await this.db<DocRow>('docs')
        .where({ org_id: this.orgId })
        .andWhere('id', '>', after)
        .orderBy('id')
        .limit(batchDocs);
      if (docs.length === 0) return;
      const rows: ChunkRow[] = await this.db('chunks')
        .select(CHUNK_COLUMNS)
        .whereIn(
          'doc_id',
          docs.map(d => d.id),
        )
        .orderBy([{ column: 'doc_id' }, { column: 'ordinal' }]);
      const byDoc = new Map<string, StoredChunk[]>();
      for (const r of rows) {
        const list = byDoc.get(r.doc_id) ?? [];
        list.push(toChunk(r));
        byDoc.set(r.doc_id, list);
      }
      for (const d of docs)
        yield { doc: toDoc(d), chunks: byDoc.get(d.id) ?? [] };
      after = docs[docs.length - 1].id;
    }
  }

  async countChunks(): Promise<number> {
    const [row] = await this.db('chunks')
      .join('docs', 'docs.id', 'chunks.doc_id')
      .where('docs.org_id', this.orgId)
      .count({ n: '*' });
    return Number((row as { n: unknown }).n);
  }

  /** Replaces chunk embeddings (after the embedder changed). */
  async setEmbeddings(
    updates: Array<{ chunkId: string; vector: Float32Array }>,
    embedder: string,
  ): Promise<void> {
    const vectors = await this.hasVectorColumn();
    await this.db.transaction(async tx => {
      for (const u of updates) {
        await tx('chunks')
          .where({ id: u.chunkId })
          .update({
            embedding: Buffer.from(toBytes(u.vector)),
            embedder,
            ...(vectors
              ? {
                  vec: this.db.raw('?::vector', [vectorLiteral(u.vector)]),
                  vec_dims: u.vector.length,
                }
              : {}),
          });
      }
    });
  }

  /** True when chunks have a pgvector `vec` column (PostgreSQL with the extension; see the migration). */
  async hasVectorColumn(): Promise<boolean> {
    if (this.vectorColumn === undefined) {
      this.vectorColumn =
        isPostgres(this.db) &&
        (await this.db.schema.hasColumn('chunks', 'vec'));
    }
    return this.vectorColumn;
  }

  /**
   * Creates the HNSW index (cosine) for vectors of this many dimensions: a partial expression index per
   * dimension, because the column holds vectors of whatever embedder is configured. Returns whether the
   * index exists; false without pgvector, beyond HNSW's 2000 dimensions for `vector`, or when creating it
   * failed (nearest-neighbour queries then scan exactly, which is slower but still correct).
   */
  async ensureVectorIndex(dimensions: number): Promise<boolean> {
    const d = Math.floor(dimensions);
    if (!(await this.hasVectorColumn()) || d < 1 || d > HNSW_MAX_DIMENSIONS)
      return false;
    if (this.vectorIndexes.has(d)) return true;
    try {
      await this.db.raw(
        `CREATE INDEX IF NOT EXISTS chunks_vec_hnsw_${d} ON chunks USING hnsw ((vec::vector(${d})) vector_cosine_ops) WHERE vec_dims = ${d}`,
      );
    } catch {
      return false; // e.g. a concurrent replica creating it; retried on the next call
    }
    this.vectorIndexes.add(d);
    return true;
  }

  /**
   * Nearest chunks by cosine distance through the pgvector HNSW index: document ids of the `k` best
   * chunks, best first. Only call when `hasVectorColumn()`.
   *
   * An HNSW scan yields at most `hnsw.ef_search` rows (default 40) before the other conditions (embedder,
   * organisation) filter them, so the search list is widened to `k` and, with pgvector 0.8+, the scan
   * continues (iterative scan, strict order) until `k` rows pass the filters.
   */
  async denseCandidates(
    vector: Float32Array,
    embedder: string,
    k: number,
  ): Promise<Array<{ chunkId: string; docId: string; distance: number }>> {
    const d = vector.length;
    const limit = Math.max(1, Math.floor(k));
    const iterative = await this.supportsIterativeScan();
    type Row = { id: string; doc_id: string; distance: number };
    const rows = await this.db.transaction(async (tx): Promise<Row[]> => {
      await tx.raw(`SELECT set_config('hnsw.ef_search', ?, true)`, [
        String(Math.min(Math.max(limit, 40), 1000)),
      ]);
      if (iterative)
        await tx.raw(
          `SELECT set_config('hnsw.iterative_scan', 'strict_order', true)`,
        );
      const result = await tx.raw(
        `SELECT c.id, c.doc_id, (c.vec::vector(${d})) <=> ?::vector(${d}) AS distance
           FROM chunks c JOIN docs ON docs.id = c.doc_id
          WHERE c.vec_dims = ${d} AND c.embedder = ? AND docs.org_id = ?
          ORDER BY (c.vec::vector(${d})) <=> ?::vector(${d})
          LIMIT ?`,
        [
          vectorLiteral(vector),
          embedder,
          this.orgId,
          vectorLiteral(vector),
          limit,
        ],
      );
      return result.rows;
    });
    return rows.map(r => ({
      chunkId: r.id,
      docId: r.doc_id,
      distance: Number(r.distance),
    }));
  }

  /** pgvector 0.8+ (hnsw.iterative_scan); older versions reject the parameter. */
  private async supportsIterativeScan(): Promise<boolean> {
    if (this.iterativeScan === undefined) {
      const r = await this.db.raw(
        "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
      );
      const [major, minor] = String(r.rows[0]?.extversion ?? '0.0')
        .split('.')
        .map(Number);
      this.iterativeScan = major > 0 || (major === 0 && minor >= 8);
    }
    return this.iterativeScan;
  }
}

function isPostgres(db: Knex): boolean {
  const dialect = String(
    (db.client as { dialect?: string } | undefined)?.dialect ?? '',
  );
  return dialect === 'postgresql' || dialect === 'pg';
}

/** pgvector's text form: `[0.1,0.2,...]`. */
export function vectorLiteral(v: Float32Array): string {
  return `[${Array.from(v, x => (Number.isFinite(x) ? x : 0)).join(',')}]`;
}
