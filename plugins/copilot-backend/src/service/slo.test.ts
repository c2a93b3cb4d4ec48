import { startTestBackend, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { mulberry32 } from '../engine/detect/stats';
import { copilotPlugin } from '../plugin';
import { catalogEntity, waitForAnalysis } from '../__testUtils__/backend';

jest.setTimeout(60_000);

const MINUTE = 60_000;

/** Three hours: orders-db slows down 12 minutes before the end; checkout's errors follow. */
function signals(endMs: number) {
  const r = mulberry32(5);
  const out: object[] = [];
  const faultAt = endMs - 12 * MINUTE;
  for (let t = endMs - 180 * MINUTE; t < endMs; t += MINUTE) {
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
    m('payments', 'latency_p95_ms', (after ? 1500 : 80) * (0.9 + 0.2 * r()));
    m('checkout', 'http_requests_total', 1000);
    m('checkout', 'http_5xx_rate', after ? 0.3 : 0.0002);
  }
  return out;
}

describe('SLOs', () => {
  it('reports SLOs at GET /v1/slo and puts them at risk in the blast radius', async () => {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        mockServices.rootConfig.factory({
          data: { copilot: { analysis: { autoOnOpen: false } } },
        }),
        catalogServiceMock.factory({
          entities: [
            catalogEntity(
              'Component',
              'checkout',
              ['component:default/payments'],
              {
                annotations: {
                  'copilot.dev/slo':
                    'availability: 99.9% over 1d; latency_p95_ms < 300 over 1d',
                },
              },
            ),
            catalogEntity('Component', 'payments', [
              'resource:default/orders-db',
            ]),
            catalogEntity('Resource', 'orders-db'),
          ],
        }),
      ],
    });
    const endMs = Math.floor(Date.now() / MINUTE) * MINUTE;
    expect(
      (
        await request(server)
          .post('/api/copilot/v1/signals/ingest')
          .send(signals(endMs))
      ).status,
    ).toBe(202);

    const bad = await request(server).get(
      '/api/copilot/v1/slo?entity=checkout',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/entity must be a full entity ref/);
    const badAt = await request(server).get(
      '/api/copilot/v1/slo?entity=component:default/checkout&at=yesterday',
    );
    expect(badAt.status).toBe(400);

    const slo = await request(server).get(
      `/api/copilot/v1/slo?entity=component:default/checkout&at=${new Date(
        endMs,
      ).toISOString()}`,
    );
    expect(slo.status).toBe(200);
    const [availability, latency] = slo.body.items;
    // 169 minutes at 0.02% and 11 at 30% of 1000 requests.
    const bad5xx = 169 * 0.2 + 11 * 300;
    expect(availability).toMatchObject({
      entityRef: 'component:default/checkout',
      name: 'availability',
      objective: 0.999,
      source: 'metric:http_5xx_rate x http_requests_total',
      total: 180000,
    });
    expect(availability.errorBudgetRemaining).toBeCloseTo(1 - bad5xx / 180, 4);
    expect(availability.burnRate1h).toBeGreaterThan(10);
    expect(latency).toMatchObject({
      name: 'latency_p95_ms',
      missing: expect.stringMatching(/no minutes of metric 'latency_p95_ms'/),
    });
    const none = await request(server).get(
      '/api/copilot/v1/slo?entity=component:default/payments',
    );
    expect(none.body).toEqual({ items: [] });

    const opened = await request(server)
      .post('/api/copilot/v1/incidents')
      .send({
        title: 'checkout is failing',
        entityRef: 'component:default/checkout',
        openedAt: new Date(endMs - 8 * MINUTE).toISOString(),
      });
    const id = opened.body.id;
    const started = await request(server)
      .post(`/api/copilot/v1/incidents/${id}/analyze`)
      .send({
        window: {
          from: new Date(endMs - 60 * MINUTE).toISOString(),
          to: new Date(endMs).toISOString(),
        },
      });
    expect(started.status).toBe(202);
    const analysis = await waitForAnalysis(server, id);
    // checkout is the root or depends on it: its SLO is in the blast radius either way.
    expect(analysis.blastRadius.rootEntityRef).toMatch(
      /^(resource:default\/orders-db|component:default\/(payments|checkout))$/,
    );
    expect(analysis.blastRadius.slosAtRisk).toEqual([
      {
        entityRef: 'component:default/checkout',
        name: 'availability',
        objective: 0.999,
        errorBudgetRemaining: expect.closeTo(1 - bad5xx / 180, 4),
      },
    ]);
    expect(analysis.blastRadius.risk.reason).toMatch(
      /least error budget left -\d+% \(availability\)/,
    );
  });
});
