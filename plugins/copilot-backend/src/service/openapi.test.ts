import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { copilotPlugin } from '../plugin';

jest.setTimeout(30_000);

describe('src/schema/openapi.yaml', () => {
  const spec = parse(
    readFileSync(resolve(__dirname, '../schema/openapi.yaml'), 'utf8'),
  );

  it('describes exactly the routes the router serves', async () => {
    const { server } = await startTestBackend({
      features: [
        copilotPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    const operations: Array<[string, string]> = [];
    for (const [path, methods] of Object.entries<Record<string, unknown>>(
      spec.paths,
    )) {
      for (const method of Object.keys(methods))
        operations.push([method, path.replace('{id}', 'x')]);
    }
    expect(operations.length).toBeGreaterThanOrEqual(6);
    for (const [method, path] of operations) {
      const res = await (request(server) as any)
        [method](`/api/copilot${path}`)
        .set('Authorization', mockCredentials.none.header())
        .set('Content-Type', 'application/json')
        .send(method === 'get' ? undefined : '{}');
      // Unauthenticated calls are refused by the route (401), or served (health): never "no route".
      expect({ method, path, status: res.status }).toEqual({
        method,
        path,
        status: path === '/v1/health' ? 200 : 401,
      });
    }
    const unknown = await request(server).get('/api/copilot/v1/nothing-here');
    expect(unknown.status).toBe(404);
  });
});
