import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';

// A standalone development backend for the copilot plugin: `yarn start` in this package. Auth is mocked
// so the API can be called without a token, and the catalog holds two components, so that signals
// labelled service=checkout-service or service=payments-service are attributed:
//
//   curl -X POST http://localhost:7007/api/copilot/v1/signals/ingest -H 'Content-Type: application/json' \
//     -d '[{"source":"curl","kind":"metric","ts":"2026-03-01T12:00:00Z","key":"http_5xx_rate","value":0.01,"labels":{"service":"payments-service"}}]'
//   curl http://localhost:7007/api/copilot/v1/incidents
//   curl http://localhost:7007/api/copilot/v1/incidents -H 'Authorization: Bearer mock-none-token'   # 401

const backend = createBackend();

backend.add(mockServices.auth.factory());
backend.add(mockServices.httpAuth.factory());

const component = (name: string, dependsOn: string[] = []) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: {
    type: 'service',
    lifecycle: 'production',
    owner: 'team-a',
    dependsOn,
  },
  relations: dependsOn.map(targetRef => ({ type: 'dependsOn', targetRef })),
});

backend.add(
  catalogServiceMock.factory({
    entities: [
      component('checkout-service', ['component:default/payments-service']),
      component('payments-service'),
    ],
  }),
);

backend.add(import('../src'));

backend.start();
