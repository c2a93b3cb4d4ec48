import { startTestBackend, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { copilotPlugin } from '../plugin';

jest.setTimeout(60_000);

const line = (i: number) =>
  JSON.stringify({
    source: 'shipper',
    kind: 'metric',
    ts: Date.now() - 60_000,
    key: 'cpu_util',
    value: i / 100,
    labels: { service: 'checkout-service' },
  });

describe('POST /v1/signals/ingest with NDJSON', () => {
  async function start(maxStreamBytes?: number) {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: maxStreamBytes
            ? { copilot: { ingest: { maxStreamBytes } } }
            : {},
        }),
      ],
    });
    return server;
  }

  it('streams many lines in chunks and counts them', async () => {
    const server = await start();
    const body = `${Array.from({ length: 5000 }, (_, i) => line(i)).join(
      '\n',
    )}\n\n`;
    const res = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Content-Type', 'application/x-ndjson')
      .send(body);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      accepted: 5000,
      rejected: 0,
      unresolved: 5000,
      errors: [],
    });
  });

  it('reports bad lines by line number and keeps the good ones; a retry with the same key replays', async () => {
    const server = await start();
    const body = [
      line(1),
      '{"source": broken',
      line(2),
      JSON.stringify({ source: 's', kind: 'log', ts: 0 }),
    ].join('\n');
    const send = () =>
      request(server)
        .post('/api/copilot/v1/signals/ingest')
        .set('Content-Type', 'application/x-ndjson')
        .set('Idempotency-Key', 'nd-1')
        .send(body);
    const res = await send();
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 2 });
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        index: 1,
        field: '(line)',
        reason: expect.stringMatching(/not valid JSON/),
      }),
      expect.objectContaining({ index: 3, field: 'text' }),
    ]);
    const retry = await send();
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(res.body);
    const reuse = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Content-Type', 'application/x-ndjson')
      .set('Idempotency-Key', 'nd-1')
      .send(line(9));
    expect(reuse.status).toBe(409);
  });

  it('stops at the stream limit, keeping what it read, and says so', async () => {
    const server = await start(2000);
    const body = Array.from({ length: 100 }, (_, i) => line(i)).join('\n');
    const res = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Content-Type', 'application/x-ndjson')
      .send(body);
    expect(res.status).toBe(413);
    expect(res.body.accepted).toBeGreaterThan(0);
    expect(res.body.accepted).toBeLessThan(100);
    expect(res.body.detail).toMatch(/were accepted and stored; send the rest/);
  });

  it('rejects an empty stream', async () => {
    const server = await start();
    const res = await request(server)
      .post('/api/copilot/v1/signals/ingest')
      .set('Content-Type', 'application/x-ndjson')
      .send('\n\n');
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/stream is empty/);
  });
});
