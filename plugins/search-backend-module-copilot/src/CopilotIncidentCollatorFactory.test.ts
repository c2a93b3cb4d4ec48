import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { copilotIncidentReadPermission } from '@devops-copilot/backstage-plugin-copilot-common';
import {
  CopilotIncidentCollatorFactory,
  type CopilotIncidentDocument,
} from './CopilotIncidentCollatorFactory';

const incident = (id: string, title: string) => ({
  id,
  title,
  entityRef: 'component:default/payments-service',
  status: 'open',
  severity: 'critical',
  source: 'detector',
  summary: '5xx rate 26% vs baseline 0.3%',
  affectedEntityRefs: ['component:default/checkout-service'],
  labels: {},
  openedAt: '2026-03-01T12:00:00.000Z',
  updatedAt: '2026-03-01T12:01:00.000Z',
});

describe('CopilotIncidentCollatorFactory', () => {
  let server: Server;
  let baseUrl: string;
  const requests: Array<{ url?: string; auth?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url, auth: req.headers.authorization });
      const url = new URL(req.url!, 'http://x');
      const body =
        url.searchParams.get('cursor') === 'page-2'
          ? { items: [incident('i-3', 'Third')] }
          : {
              items: [incident('i-1', 'First'), incident('i-2', 'Second')],
              nextCursor: 'page-2',
            };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/copilot`;
  });
  afterAll(() => new Promise<void>(r => server.close(() => r())));

  it('pages through every incident and yields permission-scoped documents', async () => {
    const factory = CopilotIncidentCollatorFactory.fromConfig(
      new ConfigReader({ search: { collators: { copilot: { pageSize: 2 } } } }),
      {
        discovery: {
          getBaseUrl: async () => baseUrl,
          getExternalBaseUrl: async () => baseUrl,
        },
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
      },
    );
    expect(factory.type).toBe('copilot-incident');
    expect(factory.visibilityPermission).toBe(copilotIncidentReadPermission);

    const docs: CopilotIncidentDocument[] = [];
    for await (const doc of await factory.getCollator()) docs.push(doc);

    expect(docs.map(d => d.title)).toEqual(['First', 'Second', 'Third']);
    expect(docs[0]).toEqual({
      title: 'First',
      text: '5xx rate 26% vs baseline 0.3% Entity: component:default/payments-service. Status: open. Severity: critical. Also affected: component:default/checkout-service.',
      location: '/copilot/incidents/i-1',
      entityRef: 'component:default/payments-service',
      status: 'open',
      severity: 'critical',
      openedAt: '2026-03-01T12:00:00.000Z',
      authorization: { resourceRef: 'i-1' },
    });
    expect(requests.map(r => r.url)).toEqual([
      '/api/copilot/v1/incidents?limit=2',
      '/api/copilot/v1/incidents?limit=2&cursor=page-2',
    ]);
    expect(requests.every(r => r.auth?.includes('"target":"copilot"'))).toBe(
      true,
    );
  });
});
