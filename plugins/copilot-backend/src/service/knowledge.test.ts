import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copilotPlugin } from '../plugin';
import { buildPdf } from '../engine/knowledge/testPdf';

jest.setTimeout(60_000);

const PAYMENTS = `---
title: Payments 5xx runbook
---
# Payments 5xx

Payments answers 5xx when the orders database connection pool is exhausted.

## Diagnosis

- Compare \`db_pool_in_use\` with \`db_pool_max\` on the payments dashboard.
- Look for slow queries in the orders-db log.

## Mitigation

Raise max_connections on orders-db back to 200 and restart the payments pods.

\`\`\`sh
kubectl -n shop rollout restart deployment/payments
\`\`\`
`;

const CART_TEXT = `Cart latency runbook

The cart service slows down when the redis cache evicts keys under memory pressure.

Scale the redis cluster and check the maxmemory-policy setting.
`;

const GATEWAY_HTML = `<!doctype html><html><head><title>API gateway 502</title></head><body>
<h1>API gateway 502</h1>
<p>The gateway answers 502 when upstream pods fail their readiness probes.</p>
<h2>Mitigation</h2>
<ul><li>Check the upstream deployment's readiness probe.</li><li>Roll back the last gateway route change.</li></ul>
</body></html>`;

const config = {
  copilot: {
    analysis: { autoOnOpen: false },
    detect: { enabled: false },
    knowledge: { maxDocBytes: 4000, indexIncidents: false },
  },
};

async function start(
  extra: {
    data?: object;
    permissions?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  } = {},
) {
  const { server } = await startTestBackend({
    features: [
      copilotPlugin,
      mockServices.rootConfig.factory({ data: extra.data ?? config }),
      catalogServiceMock.factory({ entities: [] }),
      ...(extra.permissions
        ? [mockServices.permissions.factory({ result: extra.permissions })]
        : []),
    ],
  });
  return server;
}

const lines = (text: string, from: number, to: number) =>
  text
    .split('\n')
    .slice(from - 1, to)
    .join('\n');

describe('knowledge routes', () => {
  it('uploads each format, searches with anchors that map back to the source lines, and deletes', async () => {
    const server = await start();
    const md = await request(server)
      .post('/api/copilot/v1/docs')
      .send({
        kind: 'runbook',
        source: 'git:runbooks/payments.md',
        owner: 'component:default/payments-service',
        tags: ['payments'],
        content: PAYMENTS,
        filename: 'payments.md',
      });
    expect(md.status).toBe(201);
    expect(md.body).toMatchObject({
      doc: {
        title: 'Payments 5xx runbook',
        kind: 'runbook',
        format: 'markdown',
        ownerEntityRef: 'component:default/payments-service',
      },
      replaced: false,
    });
    expect(md.body.chunks).toBeGreaterThanOrEqual(3);

    const txt = await request(server)
      .post('/api/copilot/v1/docs')
      .send({ kind: 'runbook', format: 'text', content: CART_TEXT });
    expect(txt.status).toBe(201);
    expect(txt.body.doc).toMatchObject({
      format: 'text',
      title: 'Cart latency runbook',
    });

    const html = await request(server)
      .post('/api/copilot/v1/docs')
      .field('kind', 'runbook')
      .field('tags', 'gateway,edge')
      .attach('file', Buffer.from(GATEWAY_HTML), {
        filename: 'gateway.html',
        contentType: 'text/html',
      });
    expect(html.status).toBe(201);
    expect(html.body.doc).toMatchObject({
      format: 'html',
      title: 'API gateway 502',
      tags: ['gateway', 'edge'],
    });

    const pdf = buildPdf([
      {
        content:
          'BT /F1 12 Tf 14 TL 72 720 Td (Checkout postmortem) Tj T* (The checkout queue backed up after a deploy.) Tj ET',
      },
      {
        content:
          'BT /F1 12 Tf 14 TL 72 720 Td (Action items) Tj T* (Add an alert on checkout queue depth.) Tj ET',
      },
    ]);
    const pdfUpload = await request(server)
      .post('/api/copilot/v1/docs')
      .send({
        kind: 'postmortem',
        title: 'Checkout queue postmortem',
        contentBase64: pdf.toString('base64'),
      });
    expect(pdfUpload.status).toBe(201);
    expect(pdfUpload.body.doc.format).toBe('pdf');
    expect(pdfUpload.body.chunks).toBe(2);

    const list = await request(server).get('/api/copilot/v1/docs');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(4);
    const one = await request(server).get(
      `/api/copilot/v1/docs/${md.body.doc.id}`,
    );
    expect(one.body).toMatchObject({ id: md.body.doc.id, tags: ['payments'] });

    const search = await request(server)
      .get('/api/copilot/v1/search')
      .query({ q: 'orders database connection pool exhausted', k: 5 });
    expect(search.status).toBe(200);
    const top = search.body.items[0];
    expect(top).toMatchObject({
      docId: md.body.doc.id,
      title: 'Payments 5xx runbook',
      kind: 'runbook',
    });
    for (const item of search.body.items.filter(
      (i: { docId: string }) => i.docId === md.body.doc.id,
    )) {
      // Every part of the snippet's chunk is in the cited source lines, first and last line exact.
      const cited = lines(PAYMENTS, item.lineStart, item.lineEnd);
      for (const part of item.text.split('\n\n')) expect(cited).toContain(part);
      expect(PAYMENTS.split('\n')[item.lineStart - 1]).toBe(
        item.text.split('\n')[0],
      );
    }
    const mitigation = search.body.items.find((i: { headingPath: string[] }) =>
      i.headingPath.includes('Mitigation'),
    );
    expect(mitigation).toBeDefined();
    expect(lines(PAYMENTS, mitigation.lineStart, mitigation.lineEnd)).toMatch(
      /Raise max_connections|kubectl/,
    );

    const pdfSearch = await request(server)
      .get('/api/copilot/v1/search')
      .query({ q: 'alert on checkout queue depth' });
    expect(pdfSearch.body.items[0]).toMatchObject({
      docId: pdfUpload.body.doc.id,
      page: 2,
      lineStart: 1,
    });

    const deleted = await request(server).delete(
      `/api/copilot/v1/docs/${md.body.doc.id}`,
    );
    expect(deleted.status).toBe(200);
    expect(
      (await request(server).get(`/api/copilot/v1/docs/${md.body.doc.id}`))
        .status,
    ).toBe(404);
    const after = await request(server)
      .get('/api/copilot/v1/search')
      .query({ q: 'orders database connection pool exhausted' });
    expect(
      after.body.items.every(
        (i: { docId: string }) => i.docId !== md.body.doc.id,
      ),
    ).toBe(true);
  });

  it('answers bad uploads with clear problem documents', async () => {
    const server = await start();
    const post = (body: object) =>
      request(server).post('/api/copilot/v1/docs').send(body);

    const empty = await post({ kind: 'runbook', title: 'x', content: '' });
    expect(empty.status).toBe(422);
    expect(empty.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(empty.body).toMatchObject({ code: 'EMPTY_DOCUMENT' });

    const blank = await post({ kind: 'runbook', content: '# Title only\n' });
    expect(blank.status).toBe(422);
    expect(blank.body.code).toBe('EMPTY_DOCUMENT');

    const binary = await post({
      kind: 'runbook',
      format: 'text',
      contentBase64: Buffer.from([
        0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3,
      ]).toString('base64'),
    });
    expect(binary.status).toBe(415);
    expect(binary.body.code).toBe('BINARY_CONTENT');

    const unknown = await request(server)
      .post('/api/copilot/v1/docs')
      .field('kind', 'runbook')
      .attach('file', Buffer.from([0, 1, 2, 3, 4, 5, 0, 0, 9]), {
        filename: 'blob.bin',
        contentType: 'application/octet-stream',
      });
    expect(unknown.status).toBe(415);
    expect(unknown.body.code).toBe('UNKNOWN_FORMAT');
    expect(unknown.body.detail).toMatch(/Supported: Markdown/);

    const big = await post({
      kind: 'runbook',
      content: `# Big\n\n${'word '.repeat(1000)}`,
    });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('DOCUMENT_TOO_LARGE');
    expect(big.body.detail).toMatch(/limit 4000/);

    const huge = await post({ kind: 'runbook', content: 'x'.repeat(20000) });
    expect(huge.status).toBe(413);
    expect(huge.body.detail).toMatch(/maxDocBytes/);

    const malformed = await post({
      kind: 'postmortem',
      format: 'pdf',
      contentBase64: Buffer.from('%PDF-1.4\nnot really a pdf\n%%EOF').toString(
        'base64',
      ),
    });
    expect(malformed.status).toBe(422);
    expect(malformed.body.code).toBe('MALFORMED_DOCUMENT');

    const noKind = await post({ content: '# A\n\ntext here' });
    expect(noKind.status).toBe(400);
    expect(noKind.body.detail).toMatch(/kind/);

    const both = await post({
      kind: 'adr',
      content: 'a',
      contentBase64: 'YQ==',
    });
    expect(both.status).toBe(400);
    expect(both.body.detail).toMatch(/exactly one of content/);

    const wrongType = await request(server)
      .post('/api/copilot/v1/docs')
      .set('content-type', 'text/markdown')
      .send('# Hi');
    expect(wrongType.status).toBe(415);

    expect(
      (await request(server).get('/api/copilot/v1/docs')).body.items,
    ).toEqual([]);
  });

  it('replaces a re-uploaded document and its chunks, and honours Idempotency-Key', async () => {
    const server = await start();
    const v1 = await request(server).post('/api/copilot/v1/docs').send({
      kind: 'runbook',
      owner: 'group:default/team-payments',
      content: PAYMENTS,
    });
    expect(v1.status).toBe(201);
    // Same title and owner, no source: the same document.
    const v2 = await request(server)
      .post('/api/copilot/v1/docs')
      .send({
        kind: 'runbook',
        owner: 'group:default/team-payments',
        content: PAYMENTS.replace(
          'Raise max_connections on orders-db back to 200',
          'Fail over orders-db to the standby replica',
        ),
      });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({
      replaced: true,
      doc: { id: v1.body.doc.id },
    });
    const list = await request(server).get('/api/copilot/v1/docs');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].chunkCount).toBe(v2.body.chunks);
    const search = await request(server)
      .get('/api/copilot/v1/search')
      .query({ q: 'raise max_connections fail over standby replica', k: 20 });
    const texts = search.body.items
      .map((i: { text: string }) => i.text)
      .join('\n');
    expect(texts).toContain('Fail over orders-db');
    expect(texts).not.toContain('Raise max_connections');
    const ids = search.body.items.map(
      (i: { docId: string; lineStart: number }) => `${i.docId}:${i.lineStart}`,
    );
    expect(new Set(ids).size).toBe(ids.length);

    const body = {
      kind: 'adr',
      title: 'ADR 7: queues',
      content: 'We use NATS JetStream for the bus.',
    };
    const a = await request(server)
      .post('/api/copilot/v1/docs')
      .set('Idempotency-Key', 'k-1')
      .send(body);
    expect(a.status).toBe(201);
    const b = await request(server)
      .post('/api/copilot/v1/docs')
      .set('Idempotency-Key', 'k-1')
      .send(body);
    expect(b.status).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body).toEqual(a.body);
    const c = await request(server)
      .post('/api/copilot/v1/docs')
      .set('Idempotency-Key', 'k-1')
      .send({ ...body, content: 'We use Kafka.' });
    expect(c.status).toBe(409);
  });

  it('searches for an incident with its expanded query and answers with verified citations', async () => {
    const server = await start();
    for (const doc of [
      { kind: 'runbook', content: PAYMENTS, source: 'payments' },
      { kind: 'runbook', format: 'text', content: CART_TEXT, source: 'cart' },
    ])
      expect(
        (await request(server).post('/api/copilot/v1/docs').send(doc)).status,
      ).toBe(201);

    const incident = await request(server)
      .post('/api/copilot/v1/incidents')
      .send({
        title: 'payments 5xx errors',
        entityRef: 'component:default/payments',
        summary: 'orders-db connection pool exhausted',
      });
    expect(incident.status).toBe(201);
    const id = incident.body.id;

    const missing = await request(server).get('/api/copilot/v1/search');
    expect(missing.status).toBe(400);
    const unknown = await request(server)
      .get('/api/copilot/v1/search')
      .query({ incident_id: 'nope' });
    expect(unknown.status).toBe(404);

    const search = await request(server)
      .get('/api/copilot/v1/search')
      .query({ incident_id: id, k: 3 });
    expect(search.status).toBe(200);
    expect(search.body.incidentId).toBe(id);
    expect(search.body.query).toMatch(/payments 5xx errors/);
    expect(search.body.items[0].title).toBe('Payments 5xx runbook');
    const both = await request(server)
      .get('/api/copilot/v1/search')
      .query({ incident_id: id, q: 'redis cache evicts keys' });
    expect(both.body.query).toMatch(/^redis cache evicts keys\n/);

    const answer = await request(server)
      .post(`/api/copilot/v1/incidents/${id}/answer`)
      .send({
        question:
          'How do we fix the exhausted orders database connection pool?',
      });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      supported: true,
      writer: 'extractive',
    });
    expect(answer.body.sentences.length).toBeGreaterThan(0);
    for (const s of answer.body.sentences) {
      expect(s.citations.length).toBeGreaterThan(0);
      for (const c of s.citations) {
        const snippet = answer.body.snippets.find(
          (sn: { docId: string; lineStart: number; lineEnd: number }) =>
            sn.docId === c.docId &&
            sn.lineStart <= c.lineStart &&
            c.lineEnd <= sn.lineEnd,
        );
        expect(snippet).toBeDefined();
      }
    }
    // Cited lines of the payments runbook hold the sentence's words (anchors resolve to the source).
    const paymentsCitations = answer.body.sentences.flatMap(
      (s: {
        text: string;
        citations: Array<{
          title?: string;
          lineStart: number;
          lineEnd: number;
        }>;
      }) =>
        s.citations
          .filter(c => c.title === 'Payments 5xx runbook')
          .map(c => ({
            text: s.text,
            cited: lines(PAYMENTS, c.lineStart, c.lineEnd),
          })),
    );
    expect(paymentsCitations.length).toBeGreaterThan(0);
    for (const { text, cited } of paymentsCitations)
      for (const word of text.split(' ').slice(0, 3))
        expect(cited).toContain(word.replace(/[.,]$/, ''));
    const noBody = await request(server).post(
      `/api/copilot/v1/incidents/${id}/answer`,
    );
    expect(noBody.status).toBe(200);
    expect(noBody.body.question).toMatch(/payments 5xx errors/);

    const unsupported = await request(server)
      .post(`/api/copilot/v1/incidents/${id}/answer`)
      .send({ question: 'Which frobnicator quux zorbs?' });
    expect(unsupported.status).toBe(200);
    expect(unsupported.body).toMatchObject({ supported: false, sentences: [] });
    expect(unsupported.body.reason).toMatch(/No supported answer/);

    const badQuestion = await request(server)
      .post(`/api/copilot/v1/incidents/${id}/answer`)
      .send({ question: 42 });
    expect(badQuestion.status).toBe(400);
  });

  it('indexes incidents as documents when they open', async () => {
    const server = await start({
      data: {
        copilot: { ...config.copilot, knowledge: { indexIncidents: true } },
      },
    });
    const opened = await request(server)
      .post('/api/copilot/v1/incidents')
      .send({
        title: 'search latency spike',
        entityRef: 'component:default/search-service',
        summary: 'p95 latency 2 s after the elasticsearch heap filled up',
      });
    expect(opened.status).toBe(201);
    let docs: { items: Array<{ kind: string; source: string }> } = {
      items: [],
    };
    for (let i = 0; i < 50 && docs.items.length === 0; i++) {
      await new Promise(r => setTimeout(r, 50));
      docs = (
        await request(server)
          .get('/api/copilot/v1/docs')
          .query({ kind: 'incident' })
      ).body;
    }
    expect(docs.items[0]).toMatchObject({
      kind: 'incident',
      source: `incident:${opened.body.id}`,
    });
    const search = await request(server)
      .get('/api/copilot/v1/search')
      .query({ q: 'elasticsearch heap' });
    expect(search.body.items[0]).toMatchObject({ kind: 'incident' });

    // Resolving it with what fixed it and the confirmed cause re-indexes the document.
    const resolved = await request(server)
      .patch(`/api/copilot/v1/incidents/${opened.body.id}`)
      .send({
        status: 'resolved',
        resolution: {
          summary:
            'Raised the JVM heap of the search cluster to 8 GiB and rolled the data nodes.',
          rootCause: {
            entityRef: 'component:default/search-service',
            kind: 'resource_saturation',
          },
        },
      });
    expect(resolved.status).toBe(200);
    let hits: Array<{ kind: string; headingPath: string[]; text: string }> = [];
    for (let i = 0; i < 50 && hits.length === 0; i++) {
      await new Promise(r => setTimeout(r, 50));
      hits = (
        await request(server)
          .get('/api/copilot/v1/search')
          .query({ q: 'jvm heap data nodes 8 GiB' })
      ).body.items.filter((h: { text: string }) => /8 GiB/.test(h.text));
    }
    expect(hits[0]).toMatchObject({ kind: 'incident' });
    expect(hits[0].headingPath.at(-1)).toBe('Resolution');
    const doc = (
      await request(server)
        .get('/api/copilot/v1/docs')
        .query({ kind: 'incident' })
    ).body.items;
    expect(doc).toHaveLength(1);
    const chunks = (
      await request(server)
        .get(`/api/copilot/v1/docs/${doc[0].id}`)
        .query({ include: 'chunks' })
    ).body.chunks.map((c: { text: string }) => c.text);
    expect(chunks.join('\n')).toMatch(
      /Confirmed: resource saturation on component:default\/search-service\./,
    );
  });

  it('answers with the configured LLM over HTTP when its citations verify', async () => {
    const llm = createServer((req, res) => {
      let raw = '';
      req.on('data', c => {
        raw += c;
      });
      req.on('end', () => {
        const body = JSON.parse(raw);
        const prompt: string = body.messages[1].content;
        // Cite the snippet that holds the mitigation, by its number in the prompt.
        const n =
          /\[(\d+)\] Payments 5xx runbook > Payments 5xx > Mitigation/.exec(
            prompt,
          )?.[1];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            choices: [
              {
                message: {
                  content: n
                    ? `Raise max_connections on orders-db back to 200 and restart the payments pods [${n}].`
                    : 'NO ANSWER',
                },
              },
            ],
          }),
        );
      });
    });
    await new Promise<void>(r => llm.listen(0, '127.0.0.1', r));
    try {
      const server = await start({
        data: {
          copilot: {
            ...config.copilot,
            llm: {
              baseUrl: `http://127.0.0.1:${
                (llm.address() as AddressInfo).port
              }`,
              model: 'local-test',
            },
          },
        },
      });
      await request(server)
        .post('/api/copilot/v1/docs')
        .send({ kind: 'runbook', content: PAYMENTS });
      const incident = await request(server)
        .post('/api/copilot/v1/incidents')
        .send({
          title: 'payments 5xx errors',
          entityRef: 'component:default/payments',
        });
      const answer = await request(server)
        .post(`/api/copilot/v1/incidents/${incident.body.id}/answer`)
        .send({ question: 'How do we fix the orders-db connection pool?' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ supported: true, writer: 'llm' });
      const [sentence] = answer.body.sentences;
      expect(sentence.text).toBe(
        'Raise max_connections on orders-db back to 200 and restart the payments pods.',
      );
      expect(
        lines(
          PAYMENTS,
          sentence.citations[0].lineStart,
          sentence.citations[0].lineEnd,
        ),
      ).toContain('Raise max_connections on orders-db back to 200');
    } finally {
      await new Promise<void>(r => llm.close(() => r()));
    }
  });

  it('refuses uploads and reads without the permissions', async () => {
    const server = await start({ permissions: AuthorizeResult.DENY });
    const upload = await request(server)
      .post('/api/copilot/v1/docs')
      .send({ kind: 'runbook', content: PAYMENTS });
    expect(upload.status).toBe(403);
    expect(upload.body.detail).toMatch(/copilot\.docs\.manage/);
    const search = await request(server)
      .get('/api/copilot/v1/search')
      .query({ q: 'x' });
    expect(search.status).toBe(403);
  });
});
