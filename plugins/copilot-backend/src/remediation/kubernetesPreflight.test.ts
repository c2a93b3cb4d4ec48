import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type {
  FixPlanDocument,
  FixPreflight,
} from '@devops-copilot/backstage-plugin-copilot-common';
import {
  buildPlan,
  CedarPolicyEvaluator,
  type PlanEntity,
} from '../engine/remediate';
import {
  FakeKubeApi,
  liveDeployment,
  makeTestCerts,
  type TestCerts,
} from '../__testUtils__/fakeKubernetes';
import type { StoredFixPlan } from '../stores/FixPlanStore';
import { readRemediationConfig } from './config';
import { FixService } from './FixService';
import { SigningKey } from './keys';
import { KubernetesClusters } from './kubernetes';
import { createStrategyRegistry } from './strategies';

// FixService preflight with a cluster: live objects into preflight, then the API server's dry run.

jest.setTimeout(30_000);

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const REF = 'component:default/checkout';
const NOW = Date.parse('2026-03-01T12:00:00Z');

function workload(withResources = true): NonNullable<PlanEntity['workload']> {
  return {
    kind: 'Deployment',
    name: 'checkout',
    namespace: 'shop',
    container: 'checkout',
    replicas: 4,
    ...(withResources
      ? { resources: { limits: { cpu: '1', memory: '512Mi' } } }
      : {}),
  };
}

/** FixService over in-memory stores; the catalog says checkout runs as Deployment shop/checkout in staging. */
function service(config: any) {
  const plans = new Map<string, StoredFixPlan>();
  const audit: Array<{ action: string; data: Record<string, unknown> }> = [];
  const remediation = readRemediationConfig(
    new ConfigReader({ copilot: { remediation: config } }),
  );
  const fix = new FixService({
    incidents: {
      get: async (id: string) => ({
        id,
        entityRef: REF,
        title: 'checkout overloaded',
        openedAt: '2026-03-01T11:50:00Z',
      }),
    } as any,
    analyses: {
      latest: async () => ({
        hypotheses: [
          {
            kind: 'traffic_surge',
            confidence: 0.9,
            statement: 'traffic tripled',
            supportEvidenceIds: [],
            entityRef: REF,
          },
        ],
      }),
      evidence: async () => [],
    } as any,
    plans: {
      insert: async (i: any) => {
        const p: StoredFixPlan = {
          id: i.plan.id,
          incidentId: i.plan.incidentId,
          entityRef: i.plan.entityRef,
          environment: i.environment,
          owners: i.owners,
          mode: i.plan.mode,
          strategy: i.plan.strategy,
          status: 'draft',
          author: i.author,
          plan: i.plan,
          createdAt: new Date(NOW).toISOString(),
          updatedAt: new Date(NOW).toISOString(),
        };
        plans.set(p.id, p);
        return p;
      },
      get: async (id: string) => plans.get(id)!,
      setPreflight: async (id: string, preflight: FixPreflight) => {
        const p = { ...plans.get(id)!, preflight };
        plans.set(id, p);
        return p;
      },
    } as any,
    approvals: {
      list: async (planId: string) => [
        {
          id: 'a1',
          planId,
          approver: BOB,
          decision: 'approved',
          createdAt: '',
        },
      ],
    } as any,
    executions: {} as any,
    audit: {
      append: async (row: any) => {
        audit.push(row);
        return row;
      },
    } as any,
    entities: {
      resolve: async (ref: string) => ({
        entity: { ref, environment: 'staging', workload: workload(false) },
        owners: ['group:default/team-checkout'],
        errorBudgetRemaining: null,
        found: true,
      }),
    } as any,
    registry: createStrategyRegistry([]),
    policy: CedarPolicyEvaluator.create(),
    config: remediation,
    key: SigningKey.load(undefined, mockServices.logger.mock()),
    runners: {},
    logger: mockServices.logger.mock(),
    now: () => NOW,
    kubernetes: remediation.kubernetes
      ? KubernetesClusters.fromConfig(remediation.kubernetes)
      : undefined,
  });
  /** Stores a plan the engine makes for `entity` (limit-bump: a strategic-merge patch file). */
  const store = (edit?: (patch: any) => void) => {
    const plan = buildPlan({
      incident: {
        id: 'inc-1',
        entityRef: REF,
        hypotheses: [{ kind: 'memory_leak', confidence: 0.9 }],
      },
      entity: { ref: REF, environment: 'staging', workload: workload() },
      mode: 'k8s',
      strategy: 'limit-bump',
      now: NOW,
    });
    const doc = plan as unknown as FixPlanDocument;
    if (edit) {
      const a = doc.artifacts.find(x => x.path.startsWith('patch-'))!;
      const patch = parse(a.content);
      edit(patch);
      a.content = stringify(patch);
    }
    const p: StoredFixPlan = {
      id: plan.id,
      incidentId: 'inc-1',
      entityRef: REF,
      environment: 'staging',
      owners: [],
      mode: 'k8s',
      strategy: plan.strategy,
      status: 'approved',
      author: ALICE,
      plan: doc,
      createdAt: '',
      updatedAt: '',
    };
    plans.set(p.id, p);
    return p.id;
  };
  return { fix, store, audit };
}

describe('FixService preflight with a Kubernetes context', () => {
  let certs: TestCerts;
  let api: FakeKubeApi;
  let dir: string;
  let kubeconfigPath: string;

  beforeAll(async () => {
    certs = makeTestCerts();
    api = await FakeKubeApi.start(certs);
    dir = mkdtempSync(join(tmpdir(), 'copilot-kubeconfig-'));
    kubeconfigPath = join(dir, 'config');
    const cluster = (server: string) => ({
      server,
      'certificate-authority-data': Buffer.from(certs.serverCert).toString(
        'base64',
      ),
    });
    writeFileSync(
      kubeconfigPath,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'staging', cluster: cluster(api.url) },
          // A port nothing listens on.
          { name: 'gone', cluster: cluster('https://127.0.0.1:9') },
        ],
        users: [
          {
            name: 'preflight',
            user: {
              'client-certificate-data': Buffer.from(certs.clientCert).toString(
                'base64',
              ),
              'client-key-data': Buffer.from(certs.clientKey).toString(
                'base64',
              ),
            },
          },
        ],
        contexts: [
          {
            name: 'staging-ro',
            context: { cluster: 'staging', user: 'preflight' },
          },
          { name: 'gone', context: { cluster: 'gone', user: 'preflight' } },
        ],
      }),
    );
  });
  afterAll(async () => {
    await api.close();
    certs.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.requests.length = 0;
    api.objects.clear();
    api.denied.clear();
    api.put(liveDeployment());
  });

  const withCluster = (context = 'staging-ro') =>
    service({
      kubernetes: {
        contexts: { staging: context },
        kubeconfigPath,
        timeoutMs: 2000,
      },
    });
  const blocks = (pf: FixPreflight) =>
    pf.findings.filter(f => f.severity === 'block').map(f => f.code);

  it('passes a plan the API server accepts, with the live object in preflight and nothing persisted', async () => {
    const { fix, store, audit } = withCluster();
    const id = store();
    const plan = await fix.runPreflight(id, ALICE);
    const pf = plan.preflight!;
    expect(blocks(pf)).toEqual([]);
    expect(pf.verdict).toMatch(/^(pass|warn)$/);
    expect(pf.serverDryRun).toEqual({
      context: 'staging-ro',
      objects: 1,
      live: 1,
      ok: true,
      reachable: true,
    });
    expect(pf.findings).toContainEqual(
      expect.objectContaining({
        code: 'K8S_SERVER_DRY_RUN_PASSED',
        severity: 'info',
      }),
    );
    // The patch merged into the live Deployment (preflight counts merges in its facts).
    expect(api.requests.map(r => [r.method, r.path, r.clientCert])).toEqual([
      [
        'GET',
        '/apis/apps/v1/namespaces/shop/deployments/checkout',
        'copilot-preflight',
      ],
      [
        'PATCH',
        '/apis/apps/v1/namespaces/shop/deployments/checkout',
        'copilot-preflight',
      ],
    ]);
    const patch = api.requests[1];
    expect(patch.query).toEqual({
      dryRun: 'All',
      fieldManager: 'devops-copilot',
      fieldValidation: 'Strict',
    });
    expect(patch.contentType).toBe('application/strategic-merge-patch+json');
    expect(
      (patch.body as any).spec.template.spec.containers[0].resources.limits
        .memory,
    ).toBe('768Mi');
    expect(api.get(liveDeployment())).toEqual(liveDeployment());
    const row = audit.find(r => r.action === 'fix.preflight')!;
    expect(row.data).toMatchObject({
      verdict: pf.verdict,
      serverDryRun: { context: 'staging-ro', objects: 1, ok: true },
      findings: expect.arrayContaining(['info:K8S_SERVER_DRY_RUN_PASSED']),
    });
  });

  it('blocks on an unknown field the API server refuses under strict field validation', async () => {
    const { fix, store } = withCluster();
    const id = store(p => {
      p.spec.replicaz = 3;
    });
    const pf = (await fix.runPreflight(id, ALICE)).preflight!;
    expect(pf.verdict).toBe('block');
    const f = pf.findings.find(
      x => x.code === 'K8S_SERVER_DRY_RUN_UNKNOWN_FIELD',
    );
    expect(f).toMatchObject({
      severity: 'block',
      artifact: 'patch-checkout-resources.yaml',
      path: 'spec.replicaz',
      message: expect.stringContaining(
        'strict decoding error: unknown field "spec.replicaz"',
      ),
    });
    expect(f!.line).toBeGreaterThan(1);
    expect(pf.serverDryRun).toMatchObject({
      ok: false,
      objects: 1,
      reachable: true,
    });
  });

  it('blocks on what only the server knows: an immutable field (422 with causes) and missing RBAC (403)', async () => {
    const { fix, store } = withCluster();
    const id = store(p => {
      p.spec.selector = { matchLabels: { app: 'checkout-v2' } };
    });
    const invalid = (await fix.runPreflight(id, ALICE)).preflight!;
    expect(blocks(invalid)).toEqual(['K8S_SERVER_DRY_RUN_INVALID']);
    expect(
      invalid.findings.find(x => x.code === 'K8S_SERVER_DRY_RUN_INVALID'),
    ).toMatchObject({
      artifact: 'patch-checkout-resources.yaml',
      path: 'spec.selector',
      message: expect.stringMatching(
        /spec\.selector: Invalid value: .*field is immutable/,
      ),
    });

    api.denied.add('patch deployments');
    const forbidden = (await fix.runPreflight(store(), ALICE)).preflight!;
    expect(forbidden.verdict).toBe('block');
    expect(blocks(forbidden)).toEqual(['K8S_SERVER_DRY_RUN_FORBIDDEN']);
    expect(
      forbidden.findings.find(x => x.code === 'K8S_SERVER_DRY_RUN_FORBIDDEN'),
    ).toMatchObject({
      stage: 'policy',
      artifact: 'patch-checkout-resources.yaml',
      message: expect.stringMatching(
        /cannot patch resource "deployments" in API group "apps"/,
      ),
    });
  });

  it('warns that the server check did not run when the cluster is unreachable', async () => {
    const { fix, store } = withCluster('gone');
    const pf = (await fix.runPreflight(store(), ALICE)).preflight!;
    expect(blocks(pf)).toEqual([]);
    expect(pf.verdict).toBe('warn');
    expect(pf.findings).toContainEqual(
      expect.objectContaining({
        code: 'K8S_SERVER_DRY_RUN_UNREACHABLE',
        severity: 'warn',
        message: expect.stringMatching(
          /API server of context gone could not be reached .*the server-side dry run did not run for 1 of 1/,
        ),
      }),
    );
    expect(pf.serverDryRun).toEqual({
      context: 'gone',
      objects: 0,
      live: 0,
      ok: false,
      reachable: false,
    });
  });

  it('records the live object as the drift base at planning, and blocks when the live object moves on', async () => {
    const { fix } = withCluster();
    const made = await fix.createPlan({
      incidentId: 'inc-1',
      mode: 'k8s',
      actor: ALICE,
    });
    expect(made.strategy).toBe('scale-out');
    const baseKey = 'deployment/shop/checkout';
    expect(made.plan.base?.objects[baseKey]).toMatch(/^sha256:[0-9a-f]{64}$/);
    const same = (await fix.runPreflight(made.id, ALICE)).preflight!;
    expect(blocks(same)).toEqual([]);
    expect(same.serverDryRun).toMatchObject({ objects: 1, live: 1, ok: true });
    const scale = api.requests.find(r => r.method === 'PATCH')!;
    expect(scale).toMatchObject({
      path: '/apis/apps/v1/namespaces/shop/deployments/checkout/scale',
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 6 } },
    });

    // Someone else rolls out a new image: the live object no longer hashes to the plan's base.
    api.put(
      liveDeployment({ image: 'registry.example.com/shop/checkout:1.9.0' }),
    );
    const drifted = (await fix.runPreflight(made.id, ALICE)).preflight!;
    expect(drifted.verdict).toBe('block');
    expect(drifted.findings).toContainEqual(
      expect.objectContaining({
        code: 'DRIFT_BASE_HASH',
        stage: 'drift',
        message: expect.stringContaining(
          "deployment/shop/checkout: the live object's hash differs from the plan's base",
        ),
      }),
    );
  });

  it('makes no cluster calls when no context is configured', async () => {
    for (const config of [
      {},
      { kubernetes: { kubeconfigPath } },
      // A context for another environment only.
      {
        kubernetes: { contexts: { production: 'staging-ro' }, kubeconfigPath },
      },
    ]) {
      const { fix, store } = service(config);
      const made = await fix.createPlan({
        incidentId: 'inc-1',
        mode: 'k8s',
        actor: ALICE,
      });
      expect(made.plan.base).toBeUndefined();
      const pf = (await fix.runPreflight(store(), ALICE)).preflight!;
      expect(pf.serverDryRun).toBeUndefined();
      expect(
        pf.findings.map(f => f.code).filter(c => c.startsWith('K8S_SERVER')),
      ).toEqual([]);
      expect(blocks(pf)).toEqual([]);
    }
    expect(api.requests).toEqual([]);
  });
});
