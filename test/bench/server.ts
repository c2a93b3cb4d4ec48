// The copilot backend as a production install runs it (new backend system, backend-defaults, static
// external access token for the shipper, SQLite in a directory), with an in-memory catalog holding the
// bench's services. Started by test/bench/ingest.ts with `--config <file>`; prints READY when listening.
import { createBackend } from '@backstage/backend-defaults';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { SERVICES } from './loggen';

const backend = createBackend();
backend.add(
  createServiceFactory({
    service: catalogServiceRef,
    deps: {},
    factory: () =>
      new InMemoryCatalogClient({
        entities: SERVICES.map(s => ({
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: s.name, namespace: 'default' },
          spec: {
            type: 'service',
            lifecycle: 'production',
            owner: 'team-shop',
          },
        })),
      }),
  }),
);
backend.add(import('@devops-copilot/backstage-plugin-copilot-backend'));
backend.start().then(
  () => console.log('READY'),
  error => {
    console.error(error);
    process.exit(1);
  },
);
