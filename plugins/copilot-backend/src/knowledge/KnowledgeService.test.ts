import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ConfigReader } from '@backstage/config';
import type { Incident } from '@devops-copilot/backstage-plugin-copilot-common';
import { applyDatabaseMigrations } from '../stores/migrations';
import { DocStore } from '../stores/DocStore';
import { KnowledgeService } from './KnowledgeService';
import { readKnowledgeConfig } from './config';
import {
  importCatalogRunbooks,
  importFolders,
  resolveRunbook,
} from './importers';
import { parseCitedText } from './llm';

jest.setTimeout(60_000);

const RUNBOOK = `# Orders DB connections

## Mitigation

Raise max_connections on orders-db back to 200.
Restart the payments pods after the change.
`;

const incident: Incident = {
  id: 'inc-1',
  title: 'payments 5xx errors',
  entityRef: 'component:default/payments',
  status: 'open',
  severity: 'high',
  source: 'manual',
  summary: 'orders-db connection pool exhausted',
  affectedEntityRefs: [],
  labels: {},
  openedAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
};

describe('KnowledgeService', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const logger = mockServices.logger.mock();

  async function service(copilot: object = {}) {
    const knex = await databases.init('SQLITE_3');
    await applyDatabaseMigrations(knex);
    const store = DocStore.create({ database: knex });
    const knowledge = new KnowledgeService({
      store,
      logger,
      config: readKnowledgeConfig(new ConfigReader(copilot)),
    });
    await knowledge.rebuild();
    return { store, knowledge };
  }

  describe('with an LLM (OpenAI-compatible chat completions)', () => {
    let server: Server;
    let reply = '';
    const bodies: any[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        let raw = '';
        req.on('data', c => {
          raw += c;
        });
        req.on('end', () => {
          if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
            res.writeHead(404).end();
            return;
          }
          bodies.push({ auth: req.headers.authorization, ...JSON.parse(raw) });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              choices: [{ message: { role: 'assistant', content: reply } }],
            }),
          );
        });
      });
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    });
    afterAll(() => new Promise<void>(r => server.close(() => r())));

    const llmConfig = () => ({
      llm: {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        model: 'test-model',
        apiKey: 'sk-test',
      },
    });

    it('keeps the LLM answer when its citations verify, and falls back to the extractive one when not', async () => {
      const { knowledge } = await service(llmConfig());
      await knowledge.ingest({
        kind: 'runbook',
        source: 'orders',
        content: RUNBOOK,
        format: 'markdown',
        origin: 'upload',
      });

      reply =
        'Raise max_connections on orders-db back to 200 [1]. Then restart the payments pods [1].';
      const good = await knowledge.answer(incident, {
        question: 'How do we fix the orders-db connections?',
      });
      expect(good).toMatchObject({ supported: true, writer: 'llm' });
      expect(good.sentences).toHaveLength(2);
      expect(good.sentences[0]).toEqual({
        text: 'Raise max_connections on orders-db back to 200.',
        citations: [
          {
            docId: good.snippets[0].docId,
            title: 'Orders DB connections',
            lineStart: 5,
            lineEnd: 6,
          },
        ],
      });
      const sent = bodies.at(-1);
      expect(sent.auth).toBe('Bearer sk-test');
      expect(sent.model).toBe('test-model');
      expect(sent.messages[1].content).toMatch(
        /\[1\] Orders DB connections > Orders DB connections > Mitigation \(lines 5-6\)/,
      );

      // A marker naming no snippet: rejected, the extractive answer is given instead.
      reply = 'Raise max_connections on orders-db back to 200 [7].';
      const bad = await knowledge.answer(incident, {
        question: 'How do we fix the orders-db connections?',
      });
      expect(bad).toMatchObject({ supported: true, writer: 'extractive' });
      expect(bad.reason).toMatch(/LLM answer rejected: .*does not resolve/);
      expect(bad.sentences[0].citations[0].lineStart).toBeGreaterThanOrEqual(5);

      // Prose the snippets do not support (no citation at all): rejected too.
      reply = 'Page the database team and wait.';
      const unsupported = await knowledge.answer(incident, {
        question: 'How do we fix the orders-db connections?',
      });
      expect(unsupported.writer).toBe('extractive');
      expect(unsupported.reason).toMatch(/no citation/);
    });
  });

  it('parses citation markers into snippet citations', () => {
    const snippets = [
      { docId: 'a', text: 'x', lineStart: 3, lineEnd: 9 },
      { docId: 'b', text: 'y', lineStart: 1, lineEnd: 2, page: 4 },
    ];
    expect(
      parseCitedText('q', 'First thing [1][2]. Second thing [3].', snippets),
    ).toEqual({
      question: 'q',
      sentences: [
        {
          text: 'First thing.',
          citations: [
            { docId: 'a', lineStart: 3, lineEnd: 9 },
            { docId: 'b', lineStart: 1, lineEnd: 2, page: 4 },
          ],
        },
        {
          text: 'Second thing.',
          citations: [{ docId: 'unknown-snippet-3', lineStart: 0, lineEnd: 0 }],
        },
      ],
    });
    expect(parseCitedText('q', 'NO ANSWER', snippets).sentences).toEqual([]);
  });

  it('refits the local embedder when the corpus changed enough and re-embeds every chunk', async () => {
    const { store, knowledge } = await service({
      knowledge: { refitFraction: 0.5 },
    });
    expect(knowledge.embedderId).toMatch(/^local-hash-/);
    await knowledge.ingest({
      kind: 'runbook',
      content: RUNBOOK,
      format: 'markdown',
      origin: 'upload',
    });
    // One chunk: nothing to fit LSA on yet.
    expect(knowledge.embedderId).toMatch(/^local-hash-/);
    const doc = (name: string) =>
      `# ${name} latency\n\n${name} latency rises when the ${name} cache is cold.\n\n## Fix\n\nWarm the ${name} cache and scale the ${name} pods.\n`;
    await knowledge.ingest({
      kind: 'runbook',
      content: doc('cart'),
      format: 'markdown',
      origin: 'upload',
    });
    const first = knowledge.embedderId;
    expect(first).toMatch(/^local-lsa-128-/);
    for (const name of ['search', 'shipping'])
      await knowledge.ingest({
        kind: 'runbook',
        content: doc(name),
        format: 'markdown',
        origin: 'upload',
      });
    expect(knowledge.embedderId).not.toBe(first);
    for await (const d of store.all())
      for (const c of d.chunks) expect(c.embedder).toBe(knowledge.embedderId);
    // A restart (a new service over the same store) fits on the whole corpus and re-embeds what differs;
    // the fit is deterministic, so a second replica rebuilding from the same store gets the same embedder.
    const replica = () =>
      new KnowledgeService({
        store,
        logger,
        config: readKnowledgeConfig(
          new ConfigReader({ knowledge: { refitFraction: 0.5 } }),
        ),
      });
    const again = replica();
    await again.rebuild();
    for await (const d of store.all())
      for (const c of d.chunks) expect(c.embedder).toBe(again.embedderId);
    const other = replica();
    await other.rebuild();
    expect(other.embedderId).toBe(again.embedderId);
    expect(other.chunkCount).toBe(knowledge.chunkCount);
  });

  it('takes dense candidates from the store when pgvector is there (store simulated; SQL untested here)', async () => {
    const { store, knowledge } = await service();
    const cart = await knowledge.ingest({
      kind: 'runbook',
      content:
        '# Cart latency\n\nThe cart slows down when the redis cache evicts keys.\n\n## Fix\n\nScale the redis cluster.\n',
      format: 'markdown',
      origin: 'upload',
    });
    await knowledge.ingest({
      kind: 'runbook',
      content: RUNBOOK,
      format: 'markdown',
      origin: 'upload',
    });
    const unrelated = await knowledge.ingest({
      kind: 'adr',
      content: '# ADR 3\n\nWe deploy with Helm charts kept next to the code.\n',
      format: 'markdown',
      origin: 'upload',
    });
    jest.spyOn(store, 'hasVectorColumn').mockResolvedValue(true);
    const ensure = jest
      .spyOn(store, 'ensureVectorIndex')
      .mockResolvedValue(true);
    const dense = jest
      .spyOn(store, 'denseCandidates')
      .mockResolvedValue([{ chunkId: 'c', docId: cart.doc.id, distance: 0.1 }]);
    await knowledge.rebuild();
    expect(knowledge.usesPgvector).toBe(true);
    expect(ensure).toHaveBeenCalledWith(128);

    const { items } = await knowledge.search('redis cache evicting keys', {
      k: 5,
    });
    expect(dense).toHaveBeenCalledWith(
      expect.any(Float32Array),
      knowledge.embedderId,
      200,
    );
    expect(items[0].docId).toBe(cart.doc.id);
    // Only documents proposed by BM25 or by the HNSW candidates are ranked.
    expect(items.map(i => i.docId)).not.toContain(unrelated.doc.id);
  });

  it('imports a folder: new files, unchanged files skipped, removed files deleted', async () => {
    const { store, knowledge } = await service();
    const dir = await mkdtemp(join(tmpdir(), 'runbooks-'));
    try {
      await mkdir(join(dir, 'db'));
      await writeFile(join(dir, 'db', 'orders.md'), RUNBOOK);
      await writeFile(
        join(dir, 'cart.txt'),
        'Cart runbook\n\nScale the redis cluster when keys are evicted.\n',
      );
      await writeFile(join(dir, 'README.md'), '# not a runbook\n\nignored\n');
      const folders = [{ path: dir, kind: 'runbook' as const }];
      expect(
        await importFolders({ folders, knowledge, store, logger }),
      ).toEqual({
        imported: 2,
        unchanged: 0,
        removed: 0,
        failed: 0,
      });
      expect(
        await importFolders({ folders, knowledge, store, logger }),
      ).toMatchObject({
        imported: 0,
        unchanged: 2,
      });
      await rm(join(dir, 'cart.txt'));
      expect(
        await importFolders({ folders, knowledge, store, logger }),
      ).toMatchObject({
        unchanged: 1,
        removed: 1,
      });
      const { items } = await store.list();
      expect(items.map(d => [d.source, d.origin])).toEqual([
        [`file:${join(dir, 'db', 'orders.md')}`, 'folder'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('imports the demo runbooks (examples/runbooks) and finds the right one for an incident', async () => {
    const { store, knowledge } = await service();
    const outcome = await importFolders({
      folders: [
        {
          path: join(__dirname, '../../../../examples/runbooks'),
          kind: 'runbook',
        },
      ],
      knowledge,
      store,
      logger,
    });
    expect(outcome.failed).toBe(0);
    expect(outcome.imported).toBeGreaterThanOrEqual(5);
    const query = KnowledgeService.incidentQuery({
      ...incident,
      title: 'payments-service 5xx: too many clients already',
      entityRef: 'component:default/payments-service',
    });
    const { items } = await knowledge.search(query, { k: 3 });
    expect(items[0].title).toBe('Payments service runbook');
    const answer = await knowledge.answer(
      { ...incident, entityRef: 'component:default/payments-service' },
      { question: 'How do we mitigate exhausted payments-db connections?' },
    );
    expect(answer.supported).toBe(true);
    expect(answer.sentences[0].citations[0].title).toBe(
      'Payments service runbook',
    );
  });

  it('imports runbooks named by catalog annotations (relative file, URL)', async () => {
    const { store, knowledge } = await service();
    const dir = await mkdtemp(join(tmpdir(), 'catalog-'));
    try {
      await mkdir(join(dir, 'runbooks'));
      await writeFile(join(dir, 'runbooks', 'orders.md'), RUNBOOK);
      const entity = (name: string, runbook: string, location?: string) => ({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name,
          namespace: 'default',
          annotations: {
            'copilot.dev/runbook': runbook,
            ...(location
              ? { 'backstage.io/managed-by-location': location }
              : {}),
          },
        },
        spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
      });
      const catalog = catalogServiceMock({
        entities: [
          entity(
            'orders',
            '../runbooks/orders.md',
            `file:${join(dir, 'catalog', 'all.yaml')}`,
          ),
          entity('gateway', 'https://git.example.com/runbooks/gateway.md'),
          entity('broken', 'docs/x.md'),
        ],
      });
      const urlReader = mockServices.urlReader.mock({
        readUrl: async () => ({
          buffer: async () =>
            Buffer.from(
              '# Gateway 502\n\nRoll back the last route change when the gateway answers 502.\n',
            ),
        }),
      } as any);
      const outcome = await importCatalogRunbooks({
        catalog,
        auth: mockServices.auth(),
        urlReader,
        knowledge,
        store,
        logger,
      });
      expect(outcome).toEqual({
        imported: 2,
        unchanged: 0,
        removed: 0,
        failed: 1,
      });
      const docs = (await store.list()).items.sort((a, b) =>
        a.title.localeCompare(b.title),
      );
      expect(
        docs.map(d => [d.title, d.ownerEntityRef, d.source, d.origin]),
      ).toEqual([
        [
          'Gateway 502',
          'component:default/gateway',
          'https://git.example.com/runbooks/gateway.md',
          'catalog',
        ],
        [
          'Orders DB connections',
          'component:default/orders',
          `file:${join(dir, 'runbooks', 'orders.md')}`,
          'catalog',
        ],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('resolves runbook annotations against url: locations and techdocs refs', () => {
    const e = {
      apiVersion: 'v1',
      kind: 'Component',
      metadata: {
        name: 'a',
        annotations: {
          'backstage.io/source-location':
            'url:https://github.com/o/r/tree/main/svc/',
        },
      },
    };
    expect(resolveRunbook(e, 'docs/runbook.md')).toEqual({
      type: 'url',
      url: 'https://github.com/o/r/tree/main/svc/docs/runbook.md',
    });
    expect(resolveRunbook(e, 'techdocs:/runbooks/db')).toEqual({
      type: 'techdocs',
      path: 'runbooks/db',
    });
  });

  it('indexes an incident with its hypotheses and resolution as a document', async () => {
    const { store, knowledge } = await service();
    await knowledge.indexIncident(
      {
        ...incident,
        status: 'resolved',
        resolvedAt: '2026-12-01T11:00:00.000Z',
        labels: { resolution: 'Raised the pool size to 200.' },
      },
      {
        id: 'a1',
        incidentId: 'inc-1',
        windowFrom: '2026-12-01T09:00:00.000Z',
        windowTo: '2026-12-01T10:15:00.000Z',
        abstained: false,
        unexplained: 0.1,
        durationMs: 5,
        createdAt: '2026-12-01T10:01:00.000Z',
        hypotheses: [
          {
            id: 'h1',
            rank: 1,
            kind: 'resource_saturation' as any,
            statement:
              'orders-db ran out of connections after max_connections was lowered',
            confidence: 0.8,
            supportEvidenceIds: ['e1'],
            counterEvidenceIds: [],
            createdAt: '2026-12-01T10:01:00.000Z',
          },
        ],
      },
    );
    const doc = await knowledge.incidentDoc('inc-1');
    expect(doc).toMatchObject({
      kind: 'incident',
      origin: 'incident',
      ownerEntityRef: 'component:default/payments',
    });
    const chunks = await store.chunks(doc!.id);
    expect(chunks.map(c => c.headingPath.at(-1))).toEqual(
      expect.arrayContaining(['Top hypotheses', 'Resolution']),
    );
    const { items } = await knowledge.search(
      'max_connections lowered pool size',
    );
    expect(items[0].docId).toBe(doc!.id);
  });
});
