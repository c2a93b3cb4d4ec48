import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createCopilotIncidentAction } from './createIncident';

type Seen = { method?: string; url?: string; auth?: string; body?: any };

describe('copilot:incident:create', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Seen[] = [];
  let answer: { status: number; body: unknown; type?: string } = {
    status: 201,
    body: {},
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.on('data', c => (raw += c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          auth: req.headers.authorization,
          body: raw ? JSON.parse(raw) : undefined,
        });
        res.writeHead(answer.status, {
          'Content-Type': answer.type ?? 'application/json',
        });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/copilot`;
  });
  afterAll(() => new Promise<void>(r => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
  });

  const action = () =>
    createCopilotIncidentAction({
      discovery: {
        getBaseUrl: async () => baseUrl,
        getExternalBaseUrl: async () => baseUrl,
      },
      auth: mockServices.auth(),
    });

  const input = {
    entityRef: 'component:default/checkout-service',
    title: 'Checkout is slow',
    severity: 'high' as const,
  };

  it('opens the incident on behalf of the user and outputs its id and link', async () => {
    answer = { status: 201, body: { id: 'inc-42', title: 'Checkout is slow' } };
    const ctx = createMockActionContext({ input });
    await action().handler(ctx as any);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/copilot/v1/incidents',
      body: input,
    });
    expect(seen[0].auth).toMatch(/^Bearer .+/);
    // a token for the copilot, on behalf of the user who runs the template
    expect(seen[0].auth).toContain('"obo":"user:default/mock"');
    expect(seen[0].auth).toContain('"target":"copilot"');
    expect(ctx.output).toHaveBeenCalledWith('incidentId', 'inc-42');
    expect(ctx.output).toHaveBeenCalledWith('url', '/copilot/incidents/inc-42');
  });

  it('creates nothing in a dry run', async () => {
    const ctx = { ...createMockActionContext({ input }), isDryRun: true };
    await action().handler(ctx as any);
    expect(seen).toHaveLength(0);
    expect(ctx.output).toHaveBeenCalledWith('incidentId', 'dry-run');
  });

  it('surfaces the problem detail when the copilot refuses', async () => {
    answer = {
      status: 403,
      type: 'application/problem+json',
      body: {
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail:
          'You are not allowed to open incidents (copilot.incident.create)',
      },
    };
    const ctx = createMockActionContext({ input });
    await expect(action().handler(ctx as any)).rejects.toThrow(
      /refused to open the incident \(403\): You are not allowed to open incidents/,
    );
  });

  it('rejects an entity ref that does not parse', async () => {
    const ctx = createMockActionContext({
      input: { ...input, entityRef: 'component:default/' },
    });
    await expect(action().handler(ctx as any)).rejects.toThrow(
      /entityRef 'component:default\/' is not an entity ref/,
    );
    expect(seen).toHaveLength(0);
  });
});
