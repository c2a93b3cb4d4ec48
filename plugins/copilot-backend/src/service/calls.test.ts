import { startTestBackend, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { mulberry32 } from '../engine/detect/stats';
import { copilotPlugin } from '../plugin';
import { catalogEntity, waitForAnalysis } from '../__testUtils__/backend';

jest.setTimeout(60_000);

const MINUTE = 60_000;

/**
 * The catalog says checkout -> payments, and nothing about payments' database; the servicegraph
 * connector's counters show payments calling orders-db (and checkout calling payments). orders-db
 * slows down 12 minutes before the end; payments and checkout follow.
 */
function signals(endMs: number) {
  const r = mulberry32(9);
  const out: object[] = [];
  const faultAt = endMs - 12 * MINUTE;
  for (let t = endMs - 180 * MINUTE; t < endMs; t += MINUTE) {
    const fault = t >= faultAt;
    const after = t >= faultAt + MINUTE;
    const m = (labels: Record<string, string>, key: string, value: number) =>
      out.push({
        source: 'test',
        kind: 'metric',
        ts: t + 5000,
        key,
        value,
        labels,
      });
    m(
      { service: 'orders-db' },
      'query_latency_ms',
      (fault ? 900 : 12) * (0.9 + 0.2 * r()),
    );
    m(
      { service: 'payments' },
      'latency_p95_ms',
      (after ? 1500 : 80) * (0.9 + 0.2 * r()),
    );
    m(
      { service: 'payments' },
      'http_5xx_rate',
      after ? 0.3 + 0.05 * r() : 0.002 * r(),
    );
    m(
      { service: 'checkout' },
      'latency_p95_ms',
      (after ? 1800 : 120) * (0.9 + 0.2 * r()),
    );
    // Delta counters of the servicegraph connector: no service label, the ends are client and server.
    m(
      { client: 'payments', server: 'orders-db' },
      'traces_service_graph_request_total',
      240 + 10 * r(),
    );
    m(
      { client: 'checkout', server: 'payments' },
      'traces_service_graph_request_total',
      60 + 5 * r(),
    );
  }
  return out;
}

describe('observed calls', () => {
  it('attributes service-graph counters to the caller and adds the edges the catalog lacks to the analysis', async () => {
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
            catalogEntity('Component', 'payments'),
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
    expect(ingest.body.unresolved).toBe(0);

    const opened = await request(server)
      .post('/api/copilot/v1/incidents')
      .send({
        title: 'checkout is slow',
        entityRef: 'component:default/checkout',
        openedAt: new Date(endMs - 8 * MINUTE).toISOString(),
      });
    const id = opened.body.id;
    await request(server)
      .post(`/api/copilot/v1/incidents/${id}/analyze`)
      .send({
        window: {
          from: new Date(endMs - 60 * MINUTE).toISOString(),
          to: new Date(endMs).toISOString(),
        },
      });
    const analysis = await waitForAnalysis(server, id);
    expect(analysis.hypotheses[0].entityRef).toBe('resource:default/orders-db');
    const payments = analysis.blastRadius.impacted.find(
      (e: { entityRef: string }) =>
        e.entityRef === 'component:default/payments',
    );
    expect(payments).toMatchObject({ depth: 1, anomalous: true });
    expect(payments.callsPerMinute).toBeGreaterThan(240);
    expect(payments.callsPerMinute).toBeLessThan(250);
    expect(
      analysis.blastRadius.impacted.map(
        (e: { entityRef: string }) => e.entityRef,
      ),
    ).toContain('component:default/checkout');
  });
});
