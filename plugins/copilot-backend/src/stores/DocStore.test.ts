import { TestDatabases } from '@backstage/backend-test-utils';
import { mockServices } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { applyDatabaseMigrations } from './migrations';
import { DocStore, vectorLiteral } from './DocStore';
import { chunkDocument, parseDocument } from '../engine/knowledge';
import { KnowledgeService } from '../knowledge/KnowledgeService';
import { readKnowledgeConfig } from '../knowledge/config';

jest.setTimeout(60_000);

const RUNBOOK = `# Payments 5xx

Payments answers 5xx when the orders database pool is exhausted.

## Diagnosis

- Check \`db_pool_in_use\` against \`db_pool_max\`.
- Look for slow queries in the orders-db log.

## Mitigation

Raise max_connections back to 200 and restart the payments pods.

\`\`\`sh
kubectl rollout restart deployment/payments
\`\`\`
`;

describe('DocStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function setup(id: Parameters<typeof databases.init>[0]) {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    return { knex, store: DocStore.create({ database: knex }) };
  }

  const docInput = (source: string, title = 'Payments 5xx') => ({
    title,
    kind: 'runbook' as const,
    source,
    ownerEntityRef: 'component:default/payments',
    tags: ['payments'],
    format: 'markdown' as const,
    origin: 'upload',
    contentType: 'text/markdown',
    contentHash: 'h1',
    sizeBytes: RUNBOOK.length,
  });

  it.each(databases.eachSupportedId())(
    'stores chunks with anchors and float32 embeddings, and replaces them on re-upload (%p)',
    async id => {
      const { store } = await setup(id);
      const chunks = chunkDocument(
        parseDocument({ content: RUNBOOK, format: 'markdown' }),
      );
      const vectors = chunks.map(
        (_, i) => new Float32Array([i + 0.5, -1.25, 3e-3]),
      );
      const first = await store.upsert(
        docInput('git:runbooks/payments.md'),
        chunks.map((c, i) => ({ ...c, embedding: vectors[i] })),
        'test-embedder',
      );
      expect(first.replaced).toBe(false);
      expect(first.doc).toMatchObject({
        title: 'Payments 5xx',
        kind: 'runbook',
        ownerEntityRef: 'component:default/payments',
        tags: ['payments'],
        chunkCount: chunks.length,
      });
      const stored = await store.chunks(first.doc.id);
      expect(stored).toHaveLength(chunks.length);
      const lines = RUNBOOK.split('\n');
      for (const [i, c] of stored.entries()) {
        expect(c.headingPath).toEqual(chunks[i].headingPath);
        expect(c.kind).toBe(chunks[i].kind);
        expect(c.embedder).toBe('test-embedder');
        expect(Array.from(c.embedding!)).toEqual(Array.from(vectors[i]));
        // The anchor maps back to the exact source lines the chunk holds.
        const source = lines.slice(c.lineStart - 1, c.lineEnd).join('\n');
        for (const part of c.text.split('\n\n')) expect(source).toContain(part);
        expect(lines[c.lineStart - 1]).toBe(c.text.split('\n')[0]);
        expect(lines[c.lineEnd - 1]).toBe(c.text.split('\n').at(-1));
      }

      const again = await store.upsert(
        docInput('git:runbooks/payments.md', 'Payments 5xx (v2)'),
        chunks.slice(0, 2),
        undefined,
      );
      expect(again.replaced).toBe(true);
      expect(again.doc.id).toBe(first.doc.id);
      expect(again.doc.title).toBe('Payments 5xx (v2)');
      expect(await store.chunks(first.doc.id)).toHaveLength(2);
      expect(await store.countChunks()).toBe(2);
      expect((await store.list()).items).toHaveLength(1);

      await store.setEmbeddings(
        [
          {
            chunkId: (await store.chunks(first.doc.id))[0].id,
            vector: new Float32Array([1, 2]),
          },
        ],
        'other',
      );
      const all = [];
      for await (const d of store.all()) all.push(d);
      expect(all).toHaveLength(1);
      expect(all[0].chunks[0]).toMatchObject({ embedder: 'other' });
      expect(Array.from(all[0].chunks[0].embedding!)).toEqual([1, 2]);

      await store.delete(first.doc.id);
      expect(await store.countChunks()).toBe(0);
      await expect(store.get(first.doc.id)).rejects.toThrow(/No document/);
    },
  );

  it.each(databases.eachSupportedId())(
    'detects pgvector and falls back to float32 bytes ranked in process without it (%p)',
    async id => {
      const { knex, store } = await setup(id);
      const available = await pgvectorOffered(knex);
      // This machine's PostgreSQL has no pgvector: the migration added no vec column, and ranking is in process.
      expect(await store.hasVectorColumn()).toBe(available);
      if (available) return; // the pgvector path (HNSW) is tested on PGlite: DocStore.pgvector.test.ts
      await expect(store.ensureVectorIndex(128)).resolves.toBe(false);

      const knowledge = new KnowledgeService({
        store,
        logger: mockServices.logger.mock(),
        config: readKnowledgeConfig(undefined),
      });
      await knowledge.rebuild();
      await knowledge.ingest({
        kind: 'runbook',
        content: RUNBOOK,
        format: 'markdown',
        origin: 'upload',
      });
      await knowledge.ingest({
        kind: 'runbook',
        title: 'Cart latency',
        content:
          '# Cart latency\n\nThe cart service is slow when the redis cache is evicting keys.\n\n## Mitigation\n\nScale the redis cluster and check maxmemory-policy.\n',
        format: 'markdown',
        origin: 'upload',
      });
      expect(knowledge.usesPgvector).toBe(false);
      expect(knowledge.embedderId).toMatch(/^local-lsa-128-/);
      const { items } = await knowledge.search(
        'orders database connection pool exhausted',
        { k: 3 },
      );
      expect(items[0].title).toBe('Payments 5xx');
      // Every stored chunk carries the current embedder's float32 vector.
      for await (const d of store.all())
        for (const c of d.chunks) {
          expect(c.embedder).toBe(knowledge.embedderId);
          expect(c.embedding).toHaveLength(128);
        }
    },
  );

  it('writes pgvector literals', () => {
    expect(vectorLiteral(new Float32Array([0.5, -1, NaN]))).toBe('[0.5,-1,0]');
  });
});

async function pgvectorOffered(knex: Knex): Promise<boolean> {
  const dialect = String((knex.client as { dialect?: string }).dialect);
  if (dialect !== 'postgresql') return false;
  const r = await knex.raw(
    "SELECT count(*) AS n FROM pg_available_extensions WHERE name = 'vector'",
  );
  return Number(r.rows[0].n) > 0;
}
