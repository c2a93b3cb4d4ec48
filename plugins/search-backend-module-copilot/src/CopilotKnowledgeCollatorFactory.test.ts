import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { TestPipeline } from '@backstage/plugin-search-backend-node';
import { copilotDocsReadPermission } from '@devops-copilot/backstage-plugin-copilot-common';
import { CopilotKnowledgeCollatorFactory } from './CopilotKnowledgeCollatorFactory';
import { CopilotIncidentCollatorFactory } from './CopilotIncidentCollatorFactory';

const doc = (id: string, title: string, kind: string) => ({
  id,
  title,
  kind,
  source: `git:runbooks/${id}.md`,
  ownerEntityRef: 'component:default/payments-service',
  tags: ['payments'],
  format: 'markdown',
  origin: 'upload',
  chunkCount: 2,
  sizeBytes: 100,
  contentHash: 'h',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T11:00:00.000Z',
});

const chunks = (title: string) => [
  {
    ordinal: 0,
    text: 'Payments answers 5xx when the orders-db pool is exhausted.',
    headingPath: [title],
    lineStart: 3,
    lineEnd: 3,
    kind: 'prose',
  },
  {
    ordinal: 1,
    text: 'Raise max_connections back to 200.',
    headingPath: [title, 'Mitigation'],
    lineStart: 7,
    lineEnd: 7,
    kind: 'prose',
  },
];

describe('CopilotKnowledgeCollatorFactory', () => {
  let server: Server;
  let baseUrl: string;
  const requests: Array<{ url?: string; auth?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url, auth: req.headers.authorization });
      const url = new URL(req.url!, 'http://x');
      let body: unknown;
      const one = /^\/api\/copilot\/v1\/docs\/([^/?]+)$/.exec(url.pathname);
      if (one) {
        const [title, kind] = {
          'd-1': ['Payments 5xx', 'runbook'],
          'd-2': ['Orders DB', 'runbook'],
          'd-3': ['March outage', 'postmortem'],
        }[one[1]]!;
        body = {
          ...doc(one[1], title, kind),
          chunks: chunks(title),
        };
      } else if (url.searchParams.get('kind') !== 'runbook') {
        body =
          url.searchParams.get('kind') === 'postmortem'
            ? { items: [doc('d-3', 'March outage', 'postmortem')] }
            : { items: [] };
      } else {
        body =
          url.searchParams.get('cursor') === 'next'
            ? { items: [doc('d-2', 'Orders DB', 'runbook')] }
            : {
                items: [doc('d-1', 'Payments 5xx', 'runbook')],
                nextCursor: 'next',
              };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/copilot`;
  });
  afterAll(() => new Promise<void>(r => server.close(() => r())));

  const discovery = () => ({
    getBaseUrl: async () => baseUrl,
    getExternalBaseUrl: async () => baseUrl,
  });

  it('collates runbooks, postmortems and ADRs with their chunk text through the search pipeline', async () => {
    const factory = CopilotKnowledgeCollatorFactory.fromConfig(
      new ConfigReader({
        search: { collators: { copilotKnowledge: { pageSize: 1 } } },
      }),
      {
        discovery: discovery(),
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
      },
    );
    expect(factory.type).toBe('copilot-knowledge');
    expect(factory.visibilityPermission).toBe(copilotDocsReadPermission);

    const { documents, error } = await TestPipeline.fromCollator(
      await factory.getCollator(),
    ).execute();
    expect(error).toBeUndefined();
    expect(documents.map(d => d.title)).toEqual([
      'Payments 5xx',
      'Orders DB',
      'March outage',
    ]);
    expect(documents[0]).toEqual({
      title: 'Payments 5xx',
      text: 'Payments answers 5xx when the orders-db pool is exhausted.\n\nRaise max_connections back to 200.',
      location: '/copilot/docs/d-1',
      kind: 'runbook',
      source: 'git:runbooks/d-1.md',
      owner: 'component:default/payments-service',
      tags: ['payments'],
      headings: ['Mitigation'],
      updatedAt: '2026-12-01T11:00:00.000Z',
    });
    const urls = requests.map(r => r.url);
    expect(urls).toContain('/api/copilot/v1/docs?kind=runbook&limit=1');
    expect(urls).toContain(
      '/api/copilot/v1/docs?kind=runbook&limit=1&cursor=next',
    );
    expect(urls).toContain('/api/copilot/v1/docs/d-1?include=chunks');
    expect(urls.some(u => u?.includes('kind=incident'))).toBe(false);
    expect(requests.every(r => r.auth?.includes('"target":"copilot"'))).toBe(
      true,
    );
  });

  it('collates only the configured kinds', async () => {
    requests.length = 0;
    const factory = CopilotKnowledgeCollatorFactory.fromConfig(
      new ConfigReader({
        search: { collators: { copilotKnowledge: { kinds: ['postmortem'] } } },
      }),
      {
        discovery: discovery(),
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
      },
    );
    const { documents } = await TestPipeline.fromCollator(
      await factory.getCollator(),
    ).execute();
    expect(documents.map(d => d.title)).toEqual(['March outage']);
  });

  it('runs the incident collator through the search pipeline too', async () => {
    const incidents = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          items: [
            {
              id: 'i-1',
              title: 'Checkout 5xx',
              entityRef: 'component:default/checkout-service',
              status: 'resolved',
              severity: 'high',
              source: 'detector',
              affectedEntityRefs: [],
              labels: {},
              openedAt: '2026-12-01T10:00:00.000Z',
              updatedAt: '2026-12-01T10:00:00.000Z',
            },
          ],
        }),
      );
    });
    await new Promise<void>(r => incidents.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${
        (incidents.address() as AddressInfo).port
      }/api/copilot`;
      const factory = CopilotIncidentCollatorFactory.fromConfig(
        new ConfigReader({}),
        {
          discovery: {
            getBaseUrl: async () => url,
            getExternalBaseUrl: async () => url,
          },
          auth: mockServices.auth(),
          logger: mockServices.logger.mock(),
        },
      );
      const { documents } = await TestPipeline.fromCollator(
        await factory.getCollator(),
      ).execute();
      expect(documents).toEqual([
        expect.objectContaining({
          title: 'Checkout 5xx',
          location: '/copilot/incidents/i-1',
          authorization: { resourceRef: 'i-1' },
        }),
      ]);
    } finally {
      await new Promise<void>(r => incidents.close(() => r()));
    }
  });
});
