import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { mulberry32 } from '../engine/detect/stats';
import { copilotPlugin } from '../plugin';
import { catalogEntity } from '../__testUtils__/backend';

jest.setTimeout(90_000);

const MINUTE = 60_000;
const RESPONDER = 'user:default/responder';
const VISITOR = 'user:default/visitor';

const catalog = [
  catalogEntity('Component', 'checkout', ['component:default/payments']),
  catalogEntity('Component', 'payments', ['resource:default/orders-db']),
  catalogEntity('Resource', 'orders-db'),
];

/** The database slows down at `faultAt` after a config change on it; its callers follow a minute later. */
function signals(
  startMs: number,
  endMs: number,
  faultAt: number,
  seed: number,
) {
  const r = mulberry32(seed);
  const out: object[] = [];
  for (let t = startMs; t < endMs; t += MINUTE) {
    const fault = t >= faultAt && t < faultAt + 20 * MINUTE;
    const after = t >= faultAt + MINUTE && t < faultAt + 20 * MINUTE;
    const m = (service: string, key: string, value: number) =>
      out.push({
        source: 'test',
        kind: 'metric',
        ts: t + 5000,
        key,
        value,
        labels: { service },
      });
    m('orders-db', 'query_latency_ms', (fault ? 900 : 12) * (0.9 + 0.2 * r()));
    m('payments', 'latency_p95_ms', (after ? 1500 : 80) * (0.9 + 0.2 * r()));
    m('payments', 'http_5xx_rate', after ? 0.3 + 0.05 * r() : 0.002 * r());
    m('checkout', 'latency_p95_ms', (after ? 1800 : 120) * (0.9 + 0.2 * r()));
    m('checkout', 'http_requests_total', 1000 + 50 * r());
  }
  out.push({
    source: 'test',
    kind: 'event',
    ts: faultAt - 2 * MINUTE,
    key: 'config_change',
    text: 'max_connections 200 -> 100',
    labels: { service: 'orders-db', diff: 'max_connections: 200 -> 100' },
  });
  return out;
}

/** Everyone may read; only the responder may change incidents. */
const permissions = () =>
  mockServices.permissions.mock({
    authorize: async (requests, options) =>
      requests.map(r => ({
        result:
          r.permission.name === 'copilot.incident.update' &&
          (options as any).credentials.principal.userEntityRef !== RESPONDER
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
      })),
    authorizeConditional: async requests =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
  }).factory;

async function analysed(server: any, id: string) {
  const started = await request(server)
    .post(`/api/copilot/v1/incidents/${id}/analyze`)
    .set('Authorization', mockCredentials.user.header(RESPONDER))
    .send();
  expect(started.status).toBe(202);
  for (let i = 0; i < 200; i++) {
    const task = await request(server)
      .get(`/api/copilot/v1/tasks/${started.body.taskId}`)
      .set('Authorization', mockCredentials.user.header(RESPONDER));
    if (task.body.status === 'succeeded') break;
    if (task.body.status === 'failed')
      throw new Error(JSON.stringify(task.body));
    await new Promise(r => setTimeout(r, 50));
  }
  const incident = await request(server)
    .get(`/api/copilot/v1/incidents/${id}`)
    .set('Authorization', mockCredentials.user.header(RESPONDER));
  return incident.body;
}

describe('PATCH /v1/incidents/:id', () => {
  it('records the resolution and confirmed root cause, validates the change, and feeds later analyses', async () => {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        permissions(),
        mockServices.rootConfig.factory({
          data: { copilot: { analysis: { autoOnOpen: false } } },
        }),
        catalogServiceMock.factory({ entities: catalog }),
      ],
    });
    const as = (user: string) => mockCredentials.user.header(user);
    const endMs = Math.floor(Date.now() / MINUTE) * MINUTE;
    // Two incidents with the same cause, a little over an hour apart.
    const firstFault = endMs - 110 * MINUTE;
    const secondFault = endMs - 12 * MINUTE;
    const batch = [
      ...signals(endMs - 300 * MINUTE, firstFault + 30 * MINUTE, firstFault, 3),
      ...signals(firstFault + 30 * MINUTE, endMs, secondFault, 4),
    ];
    const ingest = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Authorization', as(RESPONDER))
      .send(batch);
    expect(ingest.status).toBe(202);

    const open = async (at: number) => {
      const res = await request(server)
        .post('/api/copilot/v1/incidents')
        .set('Authorization', as(RESPONDER))
        .send({
          title: 'checkout is slow',
          entityRef: 'component:default/checkout',
          openedAt: new Date(at).toISOString(),
        });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const first = await open(firstFault + 4 * MINUTE);
    const before = await analysed(server, first);
    const top = before.analysis.hypotheses[0];
    expect(top).toMatchObject({
      entityRef: 'resource:default/orders-db',
      kind: 'config_change',
    });
    const changeEvidence = (body: any) =>
      body.analysis.hypotheses[0] &&
      request(server)
        .get(`/api/copilot/v1/incidents/${body.id}/evidence`)
        .set('Authorization', as(RESPONDER))
        .then(r =>
          r.body.items
            .filter((e: { kind: string }) => e.kind === 'change')
            .map((e: { summary: string }) => e.summary)
            .join('\n'),
        );
    expect(await changeEvidence(before)).not.toMatch(
      /caused incidents here before/,
    );

    const patch = (id: string, body: unknown, user = RESPONDER) =>
      request(server)
        .patch(`/api/copilot/v1/incidents/${id}`)
        .set('Authorization', as(user))
        .send(body as object);

    // Bad changes: each answered 400 with a problem document naming what is wrong.
    for (const [body, detail] of [
      [{}, /nothing to change/],
      [{ status: 'closed' }, /status/],
      [
        { resolution: { hypothesisId: 'nope' } },
        /not a hypothesis of this incident's latest analysis; pick one of/,
      ],
      [
        {
          resolution: {
            hypothesisId: top.id,
            rootCause: {
              entityRef: 'resource:default/orders-db',
              kind: 'config_change',
            },
          },
        },
        /either hypothesisId .* or rootCause, not both/,
      ],
      [
        {
          resolution: {
            rootCause: { entityRef: 'orders-db', kind: 'config_change' },
          },
        },
        /resolution\.rootCause\.entityRef: must be a full entity ref/,
      ],
      [
        {
          resolution: {
            rootCause: {
              entityRef: 'resource:default/orders-db',
              kind: 'none',
            },
          },
        },
        /resolution\.rootCause\.kind/,
      ],
      [{ status: 'resolved', extra: 1 }, /extra/],
    ] as Array<[unknown, RegExp]>) {
      const res = await patch(first, body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toMatch(detail);
    }
    // Not JSON: 415; someone without copilot.incident.update: 403 naming it; unknown id: 404.
    const text = await request(server)
      .patch(`/api/copilot/v1/incidents/${first}`)
      .set('Authorization', as(RESPONDER))
      .set('Content-Type', 'text/plain')
      .send('resolved');
    expect(text.status).toBe(415);
    const denied = await patch(first, { status: 'resolved' }, VISITOR);
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/copilot\.incident\.update/);
    expect(
      (await patch('no-such-incident', { status: 'resolved' })).status,
    ).toBe(404);
    // Nothing was changed by the refused requests.
    const unchanged = await request(server)
      .get(`/api/copilot/v1/incidents/${first}`)
      .set('Authorization', as(RESPONDER));
    expect(unchanged.body.status).toBe('open');
    expect(unchanged.body.resolution).toBeUndefined();

    // Acknowledge, then resolve confirming the top hypothesis.
    expect((await patch(first, { status: 'acknowledged' })).body).toMatchObject(
      {
        status: 'acknowledged',
      },
    );
    const resolved = await patch(first, {
      status: 'resolved',
      resolution: {
        summary: 'Reverted max_connections to 200.',
        hypothesisId: top.id,
      },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      resolution: {
        summary: 'Reverted max_connections to 200.',
        rootCause: {
          entityRef: 'resource:default/orders-db',
          kind: 'config_change',
          hypothesisId: top.id,
        },
        by: RESPONDER,
      },
    });
    expect(resolved.body.resolvedAt).toBeDefined();
    expect(resolved.body.analysis.id).toBe(before.analysis.id);

    // A later incident with a config change on the same database: the history term names it.
    const second = await open(secondFault + 4 * MINUTE);
    const after = await analysed(server, second);
    expect(after.analysis.hypotheses[0]).toMatchObject({
      entityRef: 'resource:default/orders-db',
      kind: 'config_change',
    });
    expect(await changeEvidence(after)).toMatch(
      /similar changes caused incidents here before/,
    );

    // Reopening clears resolvedAt and keeps the record; a direct rootCause replaces the confirmed one.
    const reopened = await patch(first, {
      status: 'open',
      resolution: {
        rootCause: {
          entityRef: 'component:default/payments',
          kind: 'bad_deploy',
        },
      },
    });
    expect(reopened.body.resolvedAt).toBeUndefined();
    expect(reopened.body.resolution).toMatchObject({
      summary: 'Reverted max_connections to 200.',
      rootCause: {
        entityRef: 'component:default/payments',
        kind: 'bad_deploy',
      },
    });
    expect(reopened.body.resolution.rootCause.hypothesisId).toBeUndefined();
  });
});
