import { startTestBackend, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { copilotPlugin } from '../plugin';

jest.setTimeout(30_000);

describe('GET /v1/anomalies and /v1/detect/status', () => {
  async function start() {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        mockServices.rootConfig.factory({
          data: { copilot: { ingest: { novelty: { warmupLines: 3 } } } },
        }),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'checkout', namespace: 'default' },
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

  it('lists a new log signature as an anomaly of the entity, and reports detection coverage', async () => {
    const server = await start();
    const ts = Date.now() - 30_000;
    const lines = [
      'level=info msg="order 1 placed"',
      'level=info msg="order 2 placed"',
      'level=info msg="order 3 placed"',
      'level=info msg="order 4 placed"',
      'level=error msg="FATAL connection pool exhausted for db primary"',
    ];
    // The warm-up lines first: a signature is novel only once the entity has a history.
    for (const batch of [lines.slice(0, 4), lines.slice(4)]) {
      const ingest = await request(server)
        .post('/api/copilot/v1/signals/ingest')
        .send(
          batch.map((text, i) => ({
            source: 'test',
            kind: 'log',
            ts: ts + i,
            text,
            labels: { service: 'checkout' },
          })),
        );
      expect(ingest.status).toBeLessThan(300);
    }

    let items: any[] = [];
    for (let i = 0; i < 50 && items.length === 0; i++) {
      const res = await request(server).get(
        '/api/copilot/v1/anomalies?entity=component:default/checkout',
      );
      expect(res.status).toBe(200);
      items = res.body.items;
      if (items.length === 0) await new Promise(r => setTimeout(r, 100));
    }
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      entityRef: 'component:default/checkout',
      kind: 'novel-template',
      direction: 'up',
    });
    expect(items[0].summary).toContain('connection pool exhausted');

    const none = await request(server).get(
      '/api/copilot/v1/anomalies?entity=component:default/other&status=open',
    );
    expect(none.body.items).toEqual([]);

    const status = await request(server).get(
      '/api/copilot/v1/detect/status?entity=component:default/checkout',
    );
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ series: 0, warm: 0, cold: 0 });
  });

  it('answers bad parameters with a problem document', async () => {
    const server = await start();
    for (const [query, detail] of [
      ['entity=checkout', /full entity ref/],
      ['status=maybe', /open or closed/],
      ['limit=0', /limit/],
      ['from=yesterday', /ISO-8601/],
    ] as const) {
      const res = await request(server).get(
        `/api/copilot/v1/anomalies?${query}`,
      );
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toMatch(detail);
    }
    const status = await request(server).get(
      '/api/copilot/v1/detect/status?entity=nope',
    );
    expect(status.status).toBe(400);
  });
});
