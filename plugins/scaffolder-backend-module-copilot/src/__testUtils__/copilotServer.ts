import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';

export type Seen = {
  method?: string;
  url?: string;
  auth?: string;
  idempotencyKey?: string;
  body?: any;
};
export type Answer = { status: number; body: unknown; type?: string };

/**
 * A real local HTTP server standing in for the copilot backend (as in createIncident.test.ts): records
 * every request and answers from `routes` (`'POST /v1/fix/plan'` -> answer), 404 problem otherwise.
 */
export function copilotServer() {
  let server: Server;
  let baseUrl = '';
  const seen: Seen[] = [];
  const routes = new Map<string, Answer | ((s: Seen) => Answer)>();

  const start = async () => {
    server = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.on('data', c => (raw += c));
      req.on('end', () => {
        const s: Seen = {
          method: req.method,
          url: req.url,
          auth: req.headers.authorization,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          body: raw ? JSON.parse(raw) : undefined,
        };
        seen.push(s);
        const path = (req.url ?? '').replace(/^\/api\/copilot/, '');
        const route = routes.get(`${req.method} ${path}`);
        let answer: Answer = {
          status: 404,
          type: 'application/problem+json',
          body: { title: 'Not Found', status: 404, detail: `No ${path}` },
        };
        if (route) answer = typeof route === 'function' ? route(s) : route;
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
  };
  const stop = () => new Promise<void>(r => server.close(() => r()));
  const options = () => ({
    discovery: {
      getBaseUrl: async () => baseUrl,
      getExternalBaseUrl: async () => baseUrl,
    },
    auth: mockServices.auth(),
  });
  const reset = () => {
    seen.length = 0;
    routes.clear();
  };
  return { start, stop, options, reset, seen, routes };
}

/** A stored fix plan as GET /v1/fix/plans/:id answers it. */
export function planFixture(
  artifacts: Array<{ path: string; content: string }>,
  extra: Record<string, unknown> = {},
) {
  return {
    id: 'plan-1',
    incidentId: 'inc-42',
    entityRef: 'component:default/checkout',
    environment: 'staging',
    owners: ['group:default/team-checkout'],
    mode: 'k8s',
    strategy: 'rollout-undo',
    status: 'draft',
    author: 'user:default/mock',
    plan: {
      id: 'plan-1',
      incidentId: 'inc-42',
      entityRef: 'component:default/checkout',
      mode: 'k8s',
      strategy: 'rollout-undo',
      hypothesis: 'bad_deploy',
      summary: 'Roll checkout back to 1.7.9',
      steps: [],
      artifacts,
      preChecks: [],
      postChecks: [],
      rollback: { method: 'revert', gates: [], steps: [], artifacts: [] },
      risk: {
        score: 0.35,
        level: 'medium',
        reasons: [
          { code: 'PROD', weight: 0.3, message: 'touches a Deployment' },
        ],
      },
      createdAt: '2026-12-02T06:00:00.000Z',
    },
    approvals: [],
    links: [],
    createdAt: '2026-12-02T06:00:00.000Z',
    updatedAt: '2026-12-02T06:00:00.000Z',
    ...extra,
  };
}
