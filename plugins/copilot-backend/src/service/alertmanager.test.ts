import { startTestBackend, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { copilotPlugin } from '../plugin';

jest.setTimeout(30_000);

// The webhook body as documented for Alertmanager's webhook_config (version 4).
function webhook(status: 'firing' | 'resolved', service: string) {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    status,
    receiver: 'copilot',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status,
        labels: {
          alertname: 'HighErrorRate',
          severity: 'critical',
          service,
          namespace: 'shop',
        },
        annotations: {
          summary: `High 5xx rate on ${service}`,
          description: '5xx ratio above 5% for 5 minutes',
        },
        startsAt: new Date(Date.now() - 120_000).toISOString(),
        endsAt:
          status === 'resolved'
            ? new Date().toISOString()
            : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=rate',
        fingerprint: `fp-${service}`,
      },
    ],
  };
}

describe('POST /v1/webhooks/alertmanager', () => {
  async function start() {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        mockServices.rootConfig.factory({ data: {} }),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'checkout-service', namespace: 'default' },
              spec: {
                type: 'service',
                owner: 'team-a',
                lifecycle: 'production',
              },
            },
          ],
        }),
      ],
    });
    return server;
  }

  it('opens an incident for a firing alert, refreshes it on repeat, and resolves it', async () => {
    const server = await start();
    const first = await request(server)
      .post('/api/copilot/v1/webhooks/alertmanager')
      .send(webhook('firing', 'checkout-service'));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      received: 1,
      unresolved: 0,
      updated: [],
      resolved: [],
    });
    expect(first.body.opened).toHaveLength(1);
    const id = first.body.opened[0];

    const incident = (
      await request(server).get(`/api/copilot/v1/incidents/${id}`)
    ).body;
    expect(incident).toMatchObject({
      title: 'High 5xx rate on checkout-service',
      entityRef: 'component:default/checkout-service',
      severity: 'critical',
      source: 'alertmanager',
      status: 'open',
      summary: '5xx ratio above 5% for 5 minutes',
      fingerprint: 'alertmanager:fp-checkout-service',
    });

    const again = await request(server)
      .post('/api/copilot/v1/webhooks/alertmanager')
      .send(webhook('firing', 'checkout-service'));
    expect(again.body).toMatchObject({ opened: [], updated: [id] });

    const resolved = await request(server)
      .post('/api/copilot/v1/webhooks/alertmanager')
      .send(webhook('resolved', 'checkout-service'));
    expect(resolved.body).toMatchObject({ resolved: [id] });
    expect(
      (await request(server).get(`/api/copilot/v1/incidents/${id}`)).body
        .status,
    ).toBe('resolved');
  });

  it('keeps alerts for unknown services as signals without opening incidents', async () => {
    const server = await start();
    const res = await request(server)
      .post('/api/copilot/v1/webhooks/alertmanager')
      .send(webhook('firing', 'ghost'));
    expect(res.body).toMatchObject({ received: 1, opened: [], unresolved: 1 });
    expect(
      (await request(server).get('/api/copilot/v1/incidents')).body.items,
    ).toEqual([]);
  });

  it('rejects a body that is not an Alertmanager webhook, naming the problem', async () => {
    const server = await start();
    const res = await request(server)
      .post('/api/copilot/v1/webhooks/alertmanager')
      .send({ status: 'firing', alerts: [] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(
      /Not an Alertmanager webhook body.*alerts must hold at least one alert/,
    );
  });
});

describe('POST /v1/incidents with Idempotency-Key', () => {
  it('answers a retry with the first answer and opens one incident', async () => {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    const body = {
      title: 'Checkout slow',
      entityRef: 'component:default/checkout-service',
    };
    const first = await request(server)
      .post('/api/copilot/v1/incidents')
      .set('Idempotency-Key', 'k-1')
      .send(body);
    const retry = await request(server)
      .post('/api/copilot/v1/incidents')
      .set('Idempotency-Key', 'k-1')
      .send(body);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(
      (await request(server).get('/api/copilot/v1/incidents')).body.items,
    ).toHaveLength(1);
  });
});
