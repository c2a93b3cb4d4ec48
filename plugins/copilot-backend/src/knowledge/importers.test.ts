import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ConfigReader } from '@backstage/config';
import { applyDatabaseMigrations } from '../stores/migrations';
import { DocStore } from '../stores/DocStore';
import { KnowledgeService } from './KnowledgeService';
import { readKnowledgeConfig } from './config';
import { importCatalogRunbooks } from './importers';

jest.setTimeout(60_000);

/** A page as the TechDocs backend serves it (mkdocs output). */
const PAGE = `<!doctype html><html><head><title>Checkout 5xx</title></head><body>
<nav>Home Runbooks</nav>
<article class="md-content__inner">
<h1 id="checkout-5xx">Checkout 5xx</h1>
<p>When checkout answers 5xx, look at the payments dependency first.</p>
<h2 id="mitigation">Mitigation</h2>
<ol><li>Roll back the last checkout deploy with <code>kubectl rollout undo deployment/checkout -n shop</code>.</li>
<li>Page the payments on-call when their error rate is up too.</li></ol>
</article></body></html>`;

describe('importCatalogRunbooks from TechDocs', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let server: Server;
  let base = '';
  const requests: Array<{ url?: string; authorization?: string }> = [];
  let pages: Record<string, string> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url, authorization: req.headers.authorization });
      const page = pages[req.url ?? ''];
      if (!req.headers.authorization?.startsWith('Bearer ')) {
        res.writeHead(401).end();
      } else if (page === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      }
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/techdocs`;
  });
  afterAll(() => new Promise(r => server.close(r)));

  it('reads the page of the entity through the TechDocs backend, updates and prunes it', async () => {
    const knex = await databases.init('SQLITE_3');
    await applyDatabaseMigrations(knex);
    const store = DocStore.create({ database: knex });
    const logger = mockServices.logger.mock();
    const knowledge = new KnowledgeService({
      store,
      logger,
      config: readKnowledgeConfig(new ConfigReader({})),
    });
    await knowledge.rebuild();
    const entity = (name: string, runbook: string) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        namespace: 'shop',
        annotations: { 'copilot.dev/runbook': runbook },
      },
      spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
    });
    const discovery = mockServices.discovery.mock({
      getBaseUrl: async (pluginId: string) => {
        expect(pluginId).toBe('techdocs');
        return base;
      },
    });
    const run = (entities: object[]) =>
      importCatalogRunbooks({
        catalog: catalogServiceMock({ entities: entities as any }),
        auth: mockServices.auth(),
        urlReader: mockServices.urlReader.mock(),
        discovery,
        knowledge,
        store,
        logger,
      });
    pages = {
      '/api/techdocs/static/docs/shop/component/checkout/runbooks/5xx/index.html':
        PAGE,
    };
    const entities = [
      entity('checkout', 'techdocs:runbooks/5xx'),
      entity('search', 'techdocs:runbooks/missing'),
    ];
    expect(await run(entities)).toEqual({
      imported: 1,
      unchanged: 0,
      removed: 0,
      failed: 1,
    });
    expect(requests.map(r => r.url).sort()).toEqual([
      '/api/techdocs/static/docs/shop/component/checkout/runbooks/5xx/index.html',
      '/api/techdocs/static/docs/shop/component/search/runbooks/missing/index.html',
    ]);
    expect(requests.every(r => /^Bearer \S+/.test(r.authorization ?? ''))).toBe(
      true,
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /runbook 'techdocs:runbooks\/missing' of component:shop\/search not imported: TechDocs answered 404/,
      ),
    );
    const [doc] = (await store.list()).items;
    expect(doc).toMatchObject({
      title: 'Checkout 5xx',
      kind: 'runbook',
      ownerEntityRef: 'component:shop/checkout',
      source: 'techdocs:component:shop/checkout/runbooks/5xx',
      origin: 'catalog',
    });
    const { items } = await knowledge.search(
      'checkout 5xx roll back the deploy',
      { k: 3 },
    );
    expect(items[0]).toMatchObject({
      docId: doc.id,
      headingPath: ['Checkout 5xx', 'Mitigation'],
    });
    expect(items[0].text).toMatch(/kubectl rollout undo deployment\/checkout/);

    // The same page again: unchanged; a new version replaces it; no annotation any more: removed.
    expect(await run(entities.slice(0, 1))).toMatchObject({ unchanged: 1 });
    pages[
      '/api/techdocs/static/docs/shop/component/checkout/runbooks/5xx/index.html'
    ] = PAGE.replace('payments dependency', 'payments and fraud dependencies');
    expect(await run(entities.slice(0, 1))).toMatchObject({ imported: 1 });
    expect((await store.list()).items).toHaveLength(1);
    expect(await run([entity('checkout', '')].slice(1))).toMatchObject({
      removed: 1,
    });
    expect((await store.list()).items).toHaveLength(0);
  });
});
