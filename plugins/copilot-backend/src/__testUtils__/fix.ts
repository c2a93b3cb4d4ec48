import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Knex } from 'knex';
import {
  AuthorizeResult,
  type ConditionalPolicyDecision,
} from '@backstage/plugin-permission-common';
import type { Entity } from '@backstage/catalog-model';
import request from 'supertest';
import { AnalysisStore } from '../stores/AnalysisStore';
import { copilotPlugin } from '../plugin';

// Shared setup of the fix API tests: users, a permission policy with plan conditions, catalog entities.

export const ALICE = 'user:default/alice';
export const BOB = 'user:default/bob';
export const MALLORY = 'user:default/mallory';

/** Group memberships: alice and bob own checkout; mallory owns nothing of it. */
export const CLAIMS: Record<string, string[]> = {
  [ALICE]: [ALICE, 'group:default/team-checkout'],
  [BOB]: [BOB, 'group:default/team-checkout'],
  [MALLORY]: [MALLORY, 'group:default/team-other'],
};

/** A policy like the one an adopter writes: approve/execute plans of entities you own, or non-production ones. */
export const permissionsFactory = () =>
  mockServices.permissions.mock({
    authorize: async requests =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    authorizeConditional: async (requests, options) =>
      requests.map(r => {
        const p = r.permission;
        if (
          'resourceType' in p &&
          p.resourceType === 'copilot-fix-plan' &&
          p.name === 'copilot.fix.approve'
        ) {
          const principal = (options as any).credentials.principal;
          const decision: ConditionalPolicyDecision = {
            result: AuthorizeResult.CONDITIONAL,
            pluginId: 'copilot',
            resourceType: 'copilot-fix-plan',
            conditions: {
              anyOf: [
                {
                  rule: 'IS_ENTITY_OWNER',
                  resourceType: 'copilot-fix-plan',
                  params: { claims: CLAIMS[principal.userEntityRef] ?? [] },
                },
                {
                  rule: 'IS_NON_PROD',
                  resourceType: 'copilot-fix-plan',
                  params: {},
                },
              ],
            },
          };
          return decision;
        }
        return { result: AuthorizeResult.ALLOW };
      }) as any,
  }).factory;

export const catalogEntities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'checkout',
      namespace: 'default',
      annotations: {
        'copilot.dev/environment': 'production',
        'copilot.dev/workload': 'Deployment/shop/checkout',
        'copilot.dev/replicas': '4',
        'copilot.dev/helm-release': 'checkout',
        'copilot.dev/helm-chart': 'shop/checkout',
        'copilot.dev/terraform-module':
          'checkout@app.terraform.io/acme/svc/kubernetes',
        'copilot.dev/ansible-hosts': 'checkout_prod',
        'copilot.dev/database': 'postgresql:orders',
        'copilot.dev/error-budget-remaining': '0.5',
      },
    },
    spec: {
      type: 'service',
      owner: 'group:default/team-checkout',
      lifecycle: 'production',
    },
    relations: [{ type: 'ownedBy', targetRef: 'group:default/team-checkout' }],
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'cart',
      namespace: 'default',
      annotations: {
        'copilot.dev/environment': 'staging',
        'copilot.dev/workload': 'Deployment/cart/cart',
      },
    },
    spec: {
      type: 'service',
      owner: 'group:default/team-cart',
      lifecycle: 'experimental',
    },
    relations: [{ type: 'ownedBy', targetRef: 'group:default/team-cart' }],
  },
];

/** Opens an incident on `entityRef` and stores an analysis with the given hypotheses. */
export async function incidentWithAnalysis(
  server: any,
  knex: any,
  entityRef: string,
  hypotheses: Array<{
    kind: any;
    confidence: number;
    data: Record<string, unknown>;
  }>,
): Promise<string> {
  const opened = await request(server)
    .post('/api/copilot/v1/incidents')
    .set('Authorization', mockCredentials.user.header(ALICE))
    .send({ title: `${entityRef} is failing`, entityRef });
  if (opened.status !== 201)
    throw new Error(`incident not opened: ${JSON.stringify(opened.body)}`);
  const id = opened.body.id;
  if (hypotheses.length)
    await AnalysisStore.create({ database: knex }).save({
      incidentId: id,
      window: { fromMs: Date.now() - 3_600_000, toMs: Date.now() },
      abstained: false,
      unexplained: 0.1,
      durationMs: 10,
      evidence: hypotheses.map((h, i) => ({
        key: `e${i}`,
        kind: 'change',
        entityRef,
        summary: `evidence ${i}`,
        data: h.data,
      })),
      hypotheses: hypotheses.map((h, i) => ({
        rank: i + 1,
        kind: h.kind,
        statement: `${h.kind} hypothesis`,
        confidence: h.confidence,
        supportingEvidenceKeys: [`e${i}`],
        counterEvidenceKeys: [],
      })),
    });
  return id;
}

export const as = (user: string) => mockCredentials.user.header(user);

/**
 * The copilot plugin in a test backend for the fix tests: the given database, the owner-based
 * permission policy above, the fix catalog, no auto-analysis and no live detection. `copilot` adds to
 * the copilot config (e.g. `remediation`), `config` to the root config (e.g. `integrations`), and
 * `features` go in beside the plugin (modules, service factories).
 */
export function startFixBackend(
  knex: Knex,
  options: {
    copilot?: Record<string, unknown>;
    config?: Record<string, unknown>;
    features?: Parameters<typeof startTestBackend>[0]['features'];
  } = {},
) {
  return startTestBackend({
    features: [
      copilotPlugin,
      ...(options.features ?? []),
      mockServices.database.factory({ knex }),
      permissionsFactory(),
      mockServices.rootConfig.factory({
        data: {
          ...options.config,
          copilot: {
            analysis: { autoOnOpen: false },
            detect: { enabled: false },
            ...options.copilot,
          },
        },
      }),
      catalogServiceMock.factory({ entities: catalogEntities }),
    ],
  });
}
