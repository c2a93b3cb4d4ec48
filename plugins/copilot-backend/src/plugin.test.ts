import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Entity } from '@backstage/catalog-model';
import { copilotSignalSourcesExtensionPoint } from '@devops-copilot/backstage-plugin-copilot-node';
import request from 'supertest';
import { connect } from 'nats';
import { copilotPlugin } from './plugin';

jest.setTimeout(60_000);

const component = (
  name: string,
  dependsOn: string[] = [],
  annotations: Record<string, string> = {},
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: {
    type: 'service',
    lifecycle: 'production',
    owner: 'group:default/team-a',
  },
  relations: dependsOn.map(d => ({
    type: 'dependsOn',
    targetRef: `component:default/${d}`,
  })),
});

const entities = [
  component('storefront', ['checkout-service']),
  component('checkout-service', ['payments-service'], {
    'copilot.dev/selector': 'app=checkout,namespace=shop',
  }),
  component('payments-service'),
];

const MIN = 60_000;

describe('copilot backend plugin', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function start(
    databaseId: Parameters<typeof databases.init>[0],
    extra: any[] = [],
    permission?: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
  ) {
    const knex = await databases.init(databaseId);
    const backend = await startTestBackend({
      features: [
        copilotPlugin,
        mockServices.database.factory({ knex }),
        catalogServiceMock.factory({ entities }),
        mockServices.rootConfig.factory({
          data: { copilot: { triage: { minIntervalSeconds: 0.05 } } },
        }),
        ...(permission
          ? [mockServices.permissions.factory({ result: permission })]
          : []),
        ...extra,
      ],
    });
    return backend;
  }

  it.each(databases.eachSupportedId())(
    'ingests signals, opens and lists incidents on %p',
    async databaseId => {
      const { server } = await start(databaseId);
      const now = Date.now();
      const batch = [
        {
          source: 'test',
          kind: 'metric',
          ts: new Date(now - 2 * MIN).toISOString(),
          key: 'http_5xx_rate',
          value: 0.01,
          labels: { service: 'payments-service' },
        },
        {
          source: 'test',
          kind: 'log',
          ts: now - MIN,
          text: 'GET /cart 200',
          labels: { app: 'checkout', namespace: 'shop' },
        },
        {
          source: 'test',
          kind: 'deploy',
          ts: now - MIN,
          key: 'deploy',
          labels: {
            entity: 'component:default/payments-service',
            version: 'v2',
          },
        },
        {
          source: 'test',
          kind: 'log',
          ts: now - MIN,
          text: 'unknown',
          labels: { service: 'ghost' },
        },
      ];
      const res = await request(server)
        .post('/api/copilot/v1/signals/ingest')
        .send(batch);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        accepted: 4,
        rejected: 0,
        unresolved: 1,
        errors: [],
      });
      expect(res.headers['x-request-id']).toBeDefined();

      const created = await request(server)
        .post('/api/copilot/v1/incidents')
        .send({
          title: 'Checkout is slow',
          entityRef: 'component:default/checkout-service',
          severity: 'high',
        });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        title: 'Checkout is slow',
        entityRef: 'component:default/checkout-service',
        status: 'open',
        severity: 'high',
        source: 'manual',
        createdBy: mockCredentials.user().principal.userEntityRef,
      });

      const list = await request(server)
        .get('/api/copilot/v1/incidents')
        .query({ entity: 'component:default/checkout-service' });
      expect(list.status).toBe(200);
      expect(list.body.items.map((i: any) => i.id)).toEqual([created.body.id]);
      const other = await request(server)
        .get('/api/copilot/v1/incidents')
        .query({ entity: 'component:default/storefront' });
      expect(other.body.items).toEqual([]);

      const one = await request(server).get(
        `/api/copilot/v1/incidents/${created.body.id}`,
      );
      expect(one.status).toBe(200);
      expect(one.body.id).toBe(created.body.id);
      const missing = await request(server).get(
        '/api/copilot/v1/incidents/nope',
      );
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toMatch(
        /application\/problem\+json/,
      );
    },
  );

  it.each(databases.eachSupportedId())(
    'opens an incident from a live 5xx spike with its suspect deploy on %p',
    async databaseId => {
      const { server } = await start(databaseId);
      const now = Date.now();
      const minute0 = Math.floor(now / MIN) * MIN;
      const signals = [];
      for (let m = 40; m >= 1; m--) {
        const spiking = m <= 3;
        const ts = minute0 - m * MIN + 1000;
        signals.push({
          source: 't',
          kind: 'metric',
          ts,
          key: 'http_5xx_rate',
          value: spiking ? 0.3 : 0.002 + (m % 3) * 0.001,
          labels: { service: 'payments-service' },
        });
        signals.push({
          source: 't',
          kind: 'metric',
          ts,
          key: 'http_5xx_rate',
          value: spiking ? 0.15 : 0.001 + (m % 2) * 0.001,
          labels: { app: 'checkout', namespace: 'shop' },
        });
      }
      signals.push({
        source: 't',
        kind: 'deploy',
        ts: minute0 - 4 * MIN,
        key: 'deploy',
        labels: {
          service: 'payments-service',
          version: 'v2.3.1',
          author: 'alice',
        },
      });
      expect(
        (
          await request(server)
            .post('/api/copilot/v1/signals/ingest')
            .send(signals)
        ).status,
      ).toBe(202);

      let incidents: any[] = [];
      for (let i = 0; i < 50 && incidents.length === 0; i++) {
        await new Promise(r => setTimeout(r, 100));
        incidents = (
          await request(server)
            .get('/api/copilot/v1/incidents')
            .query({ entity: 'component:default/payments-service' })
        ).body.items;
      }
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({
        title: 'Elevated 5xx rate on payments-service',
        entityRef: 'component:default/payments-service',
        source: 'detector',
        severity: 'critical',
        affectedEntityRefs: ['component:default/checkout-service'],
      });
      expect(incidents[0].summary).toMatch(/deploy v2\.3\.1 by alice/);
      // The dependent sees the incident on its own page too.
      const upstream = await request(server)
        .get('/api/copilot/v1/incidents')
        .query({ entity: 'component:default/checkout-service' });
      expect(upstream.body.items.map((i: any) => i.id)).toEqual([
        incidents[0].id,
      ]);
    },
  );

  it('reports bad items by index and field while keeping the good ones, and replays idempotent retries', async () => {
    const { server } = await start('SQLITE_3');
    const batch = [
      {
        source: 'test',
        kind: 'metric',
        ts: '2026-03-01T12:00:00Z',
        key: 'cpu_util',
        value: 0.5,
        labels: { service: 'payments-service' },
      },
      {
        source: 'test',
        kind: 'metric',
        ts: 'yesterday',
        key: 'cpu_util',
        value: 0.5,
      },
      { source: 'test', kind: 'log', ts: '2026-03-01T12:00:00Z' },
      { source: 'test', kind: 'trace', ts: '2026-03-01T12:00:00Z' },
    ];
    const res = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Idempotency-Key', 'batch-1')
      .send(batch);
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, accepted: 1, rejected: 3 });
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ index: 1, field: 'ts' }),
        expect.objectContaining({ index: 2, field: 'text' }),
        expect.objectContaining({ index: 3, field: 'kind' }),
      ]),
    );
    const retry = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Idempotency-Key', 'batch-1')
      .send(batch);
    expect(retry.status).toBe(422);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.accepted).toBe(1);
    const reuse = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Idempotency-Key', 'batch-1')
      .send(batch.slice(0, 1));
    expect(reuse.status).toBe(409);
  });

  it('rejects bad requests with problem documents that say how to fix them', async () => {
    const { server } = await start('SQLITE_3');
    const empty = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .send([]);
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/empty/);
    const notArray = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .send({ hello: 1 });
    expect(notArray.status).toBe(400);
    expect(notArray.body.detail).toMatch(/JSON array of signals/);
    const text = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Content-Type', 'text/plain')
      .send('x');
    expect(text.status).toBe(415);
    expect(text.headers['content-type']).toMatch(/application\/problem\+json/);
    const broken = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Content-Type', 'application/json')
      .send('[{"a":');
    expect(broken.status).toBe(400);
    expect(broken.body.detail).toMatch(/not valid JSON/);
    const huge = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify([
          {
            source: 'x',
            kind: 'log',
            ts: 0,
            text: 'a'.repeat(11 * 1024 * 1024),
          },
        ]),
      );
    expect(huge.status).toBe(413);
    expect(huge.body.detail).toMatch(/smaller/);
    const badIncident = await request(server)
      .post('/api/copilot/v1/incidents')
      .send({ title: '', entityRef: 'checkout' });
    expect(badIncident.status).toBe(400);
    expect(badIncident.body.detail).toMatch(
      /entityRef: must be a full entity ref/,
    );
    const badQuery = await request(server)
      .get('/api/copilot/v1/incidents')
      .query({ status: 'sleeping' });
    expect(badQuery.status).toBe(400);
  });

  it('enforces authentication and the copilot permissions', async () => {
    const { server } = await start('SQLITE_3', [], AuthorizeResult.DENY);
    const signal = [{ source: 't', kind: 'metric', ts: 0, key: 'x', value: 1 }];
    const denied = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .send(signal);
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/copilot\.signal\.ingest/);
    expect(
      (await request(server).get('/api/copilot/v1/incidents')).status,
    ).toBe(403);
    expect(
      (
        await request(server)
          .post('/api/copilot/v1/incidents')
          .send({ title: 't', entityRef: 'component:default/a' })
      ).status,
    ).toBe(403);
    const anonymous = await request(server)
      .get('/api/copilot/v1/incidents')
      .set('Authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);
    expect(
      (
        await request(server)
          .get('/api/copilot/v1/health')
          .set('Authorization', mockCredentials.none.header())
      ).status,
    ).toBe(200);
  });

  it('stores the signals of sources registered through the extension point', async () => {
    const received: number[] = [];
    const sourceModule = createBackendModule({
      pluginId: 'copilot',
      moduleId: 'test-source',
      register(reg) {
        reg.registerInit({
          deps: { sources: copilotSignalSourcesExtensionPoint },
          async init({ sources }) {
            sources.addSignalSource({
              id: 'test-source',
              async start(sink) {
                const r = await sink.ingest([
                  {
                    source: 'test-source',
                    kind: 'metric',
                    ts: Date.now() - 1000,
                    key: 'cpu_util',
                    value: 0.4,
                    labels: { service: 'storefront' },
                  },
                ]);
                received.push(r.accepted);
              },
            });
          },
        });
      },
    });
    await start('SQLITE_3', [sourceModule]);
    for (let i = 0; i < 50 && received.length === 0; i++)
      await new Promise(r => setTimeout(r, 50));
    expect(received).toEqual([1]);
  });
});

// With NATS configured, detection follows ingestion over JetStream instead of the in-process bus.
const natsUrl = process.env.COPILOT_TEST_NATS_URL;
(natsUrl ? describe : describe.skip)(
  'copilot backend plugin on the NATS bus',
  () => {
    const stream = `COPILOT_PLUGIN_TEST_${Date.now()}`;
    afterAll(async () => {
      const nc = await connect({ servers: [natsUrl!] });
      await (await nc.jetstreamManager()).streams
        .delete(stream)
        .catch(() => undefined);
      await nc.close();
    });

    it('opens the incident from a 5xx spike', async () => {
      const { server } = await startTestBackend({
        features: [
          copilotPlugin,
          catalogServiceMock.factory({ entities }),
          mockServices.rootConfig.factory({
            data: {
              copilot: {
                triage: { minIntervalSeconds: 0.05 },
                bus: {
                  nats: {
                    servers: [natsUrl!],
                    stream,
                    subjectPrefix: stream.toLowerCase(),
                    durablePrefix: stream.toLowerCase(),
                  },
                },
              },
            },
          }),
        ],
      });
      const minute0 = Math.floor(Date.now() / MIN) * MIN;
      const signals = [];
      for (let m = 40; m >= 1; m--) {
        signals.push({
          source: 't',
          kind: 'metric',
          ts: minute0 - m * MIN + 1000,
          key: 'http_5xx_rate',
          value: m <= 3 ? 0.3 : 0.002,
          labels: { service: 'payments-service' },
        });
      }
      expect(
        (
          await request(server)
            .post('/api/copilot/v1/signals/ingest')
            .send(signals)
        ).status,
      ).toBe(202);
      let items: any[] = [];
      for (let i = 0; i < 100 && items.length === 0; i++) {
        await new Promise(r => setTimeout(r, 100));
        items = (await request(server).get('/api/copilot/v1/incidents')).body
          .items;
      }
      expect(items.map(i => i.title)).toEqual([
        'Elevated 5xx rate on payments-service',
      ]);
    });
  },
);
