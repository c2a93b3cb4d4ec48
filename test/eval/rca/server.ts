// A fresh copilot backend for one incident case, wired as a production install runs it (new backend
// system, backend-defaults, a static external access token, SQLite in a directory), with the case's
// catalog.yaml served by an in-memory catalog. Started by run.ts with `--config <file>` and the catalog as
// JSON in COPILOT_EVAL_CATALOG (a file path); prints READY when listening.
import { readFileSync } from 'node:fs';
import { createBackend } from '@backstage/backend-defaults';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { withRelations } from './relations';

const entities = (
  JSON.parse(
    readFileSync(process.env.COPILOT_EVAL_CATALOG ?? '', 'utf8'),
  ) as Entity[]
).map(withRelations);

const backend = createBackend();
backend.add(
  createServiceFactory({
    service: catalogServiceRef,
    deps: {},
    factory: () => new InMemoryCatalogClient({ entities }),
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
