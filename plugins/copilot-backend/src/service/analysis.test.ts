import { startTestBackend, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { mulberry32 } from '../engine/detect/stats';
import { copilotPlugin } from '../plugin';
import { catalogEntity, waitForAnalysis } from '../__testUtils__/backend';

jest.setTimeout(60_000);

const MINUTE = 60_000;

/**
 * Three hours of signals: the database slows down 12 minutes before the end, its callers' latency and
 * errors follow a minute later; the database got a config change just before.
 */
function signals(endMs: number) {
  const r = mulberry32(3);
  const out: object[] = [];
  const start = endMs - 180 * MINUTE;
  const faultAt = endMs - 12 * MINUTE;
  for (let t = start; t < endMs; t += MINUTE) {
    const fault = t >= faultAt;
    const after = t >= faultAt + MINUTE;
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
    m('orders-db', 'connections_in_use', fault ? 100 : 20 + 5 * r());
    m('payments', 'latency_p95_ms', (after ? 1500 : 80) * (0.9 + 0.2 * r()));
    m('payments', 'http_5xx_rate', after ? 0.3 + 0.05 * r() : 0.002 * r());
    m('checkout', 'latency_p95_ms', (after ? 1800 : 120) * (0.9 + 0.2 * r()));
    m('checkout', 'http_5xx_rate', after ? 0.25 + 0.05 * r() : 0.002 * r());
    m('checkout', 'http_requests_total', 1000 + 50 * r());
  }
  out.push({
    source: 'test',
    kind: 'event',
    ts: faultAt - 2 * MINUTE,
    key: 'config_change',
    text: 'max_connections 200 -> 100',
    labels: {
      service: 'orders-db',
      author: 'user:default/dba',
      diff: 'max_connections: 200 -> 100',
    },
  });
  return out;
}

describe('POST /v1/incidents/:id/analyze', () => {
  it('runs as a task, streams its progress, and stores ranked hypotheses with their evidence', async () => {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        mockServices.rootConfig.factory({
          data: { copilot: { analysis: { autoOnOpen: false } } },
        }),
        catalogServiceMock.factory({
          entities: [
            catalogEntity('Component', 'checkout', [
              'component:default/payments',
            ]),
            catalogEntity('Component', 'payments', [
              'resource:default/orders-db',
            ]),
            catalogEntity('Resource', 'orders-db'),
          ],
        }),
      ],
    });
    const endMs = Math.floor(Date.now() / MINUTE) * MINUTE;
    const ingest = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .send(signals(endMs));
    expect(ingest.status).toBe(202);

    const opened = await request(server)
      .post('/api/copilot/v1/incidents')
      .send({
        title: 'checkout is failing',
        entityRef: 'component:default/checkout',
        openedAt: new Date(endMs - 8 * MINUTE).toISOString(),
      });
    expect(opened.status).toBe(201);
    const id = opened.body.id;

    const started = await request(server)
      .post(`/api/copilot/v1/incidents/${id}/analyze`)
      .send();
    expect(started.status).toBe(202);
    const taskId = started.body.taskId;
    expect(started.body.task).toMatchObject({ kind: 'incident.analyze' });

    const stream = await request(server)
      .get(`/api/copilot/v1/tasks/${taskId}/stream`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8');
        });
        res.on('end', () => done(null, text));
      });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/text\/event-stream/);
    const events = String(stream.body)
      .split('\n\n')
      .filter(Boolean)
      .map(block => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null'),
      }));
    expect(events.at(-1)).toMatchObject({
      event: 'succeeded',
      data: { status: 'succeeded', progress: 1 },
    });

    const task = await request(server).get(`/api/copilot/v1/tasks/${taskId}`);
    expect(task.body).toMatchObject({ status: 'succeeded' });

    const incident = await request(server).get(
      `/api/copilot/v1/incidents/${id}`,
    );
    const analysis = incident.body.analysis;
    expect(analysis.hypotheses.length).toBeGreaterThan(0);
    const top = analysis.hypotheses[0];
    expect(analysis.abstained).toBe(false);
    expect(top.entityRef).toBe('resource:default/orders-db');
    expect(top.statement).toMatch(/orders-db/);
    expect(analysis.blastRadius.rootEntityRef).toBe(
      'resource:default/orders-db',
    );
    expect(
      analysis.blastRadius.impacted
        .map((e: { entityRef: string }) => e.entityRef)
        .sort(),
    ).toEqual(['component:default/checkout', 'component:default/payments']);

    const evidence = await request(server).get(
      `/api/copilot/v1/incidents/${id}/evidence`,
    );
    const ids = new Set(evidence.body.items.map((e: { id: string }) => e.id));
    for (const h of analysis.hypotheses) {
      expect(h.supportEvidenceIds.length).toBeGreaterThan(0);
      for (const e of [...h.supportEvidenceIds, ...h.counterEvidenceIds])
        expect(ids.has(e)).toBe(true);
    }
  });

  it('analyses every new incident at once', async () => {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        mockServices.rootConfig.factory({ data: {} }),
        catalogServiceMock.factory({
          entities: [
            catalogEntity('Component', 'checkout', [
              'component:default/payments',
            ]),
            catalogEntity('Component', 'payments', [
              'resource:default/orders-db',
            ]),
            catalogEntity('Resource', 'orders-db'),
          ],
        }),
      ],
    });
    const endMs = Math.floor(Date.now() / MINUTE) * MINUTE;
    await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .send(signals(endMs));
    const opened = await request(server)
      .post('/api/copilot/v1/incidents')
      .send({
        title: 'checkout is failing',
        entityRef: 'component:default/checkout',
        openedAt: new Date(endMs - 8 * MINUTE).toISOString(),
      });
    const analysis = await waitForAnalysis(server, opened.body.id);
    expect(analysis?.hypotheses[0]?.entityRef).toBe(
      'resource:default/orders-db',
    );
  });

  it('answers a bad window and an unknown incident with problem documents', async () => {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        mockServices.rootConfig.factory({ data: {} }),
        catalogServiceMock.factory({ entities: [] }),
      ],
    });
    const opened = await request(server)
      .post('/api/copilot/v1/incidents')
      .send({ title: 't', entityRef: 'component:default/a' });
    const bad = await request(server)
      .post(`/api/copilot/v1/incidents/${opened.body.id}/analyze`)
      .send({ window: { from: 'yesterday', to: 'today' } });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect(bad.body.detail).toMatch(/window must be/);
    const missing = await request(server)
      .post('/api/copilot/v1/incidents/nope/analyze')
      .send({});
    expect(missing.status).toBe(404);
    const task = await request(server).get('/api/copilot/v1/tasks/nope');
    expect(task.status).toBe(404);
  });
});
