import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CEDAR_POLICY_TEXT } from '../engine/remediate';
import { readRemediationConfig } from './config';
import { toPlanEntity } from './entities';
import { SigningKey } from './keys';
import { opaHttpCall, policyFromConfig } from './FixService';
import { AgentRunner, parseGitHubRepo } from './runners';
import type { StoredFixPlan } from '../stores/FixPlanStore';

const read = (remediation: any) =>
  readRemediationConfig(new ConfigReader({ copilot: { remediation } }));

describe('copilot.remediation config', () => {
  it('has safe defaults', () => {
    const c = read(undefined);
    expect(c).toMatchObject({
      changeFreezes: [],
      defaultEnvironment: 'production',
      nonProductionRunners: ['dryrun'],
      policies: undefined,
      opa: undefined,
      gitops: undefined,
    });
    expect(policyFromConfig(c).name).toBe('cedar');
  });

  it('reads policies from a file, OPA, freezes and gitops', () => {
    const dir = mkdtempSync(join(tmpdir(), 'copilot-policies-'));
    try {
      const file = join(dir, 'policies.cedar');
      writeFileSync(file, DEFAULT_CEDAR_POLICY_TEXT);
      const c = read({
        policiesFile: file,
        changeFreezes: [
          {
            from: '2026-12-24T00:00:00Z',
            to: '2026-12-27T00:00:00Z',
            environments: ['production'],
            reason: 'holidays',
          },
        ],
        environments: [
          { entity: 'Component:default/Cart', environment: 'staging' },
        ],
        gitops: { repoUrl: 'https://github.com/acme/gitops.git' },
      });
      expect(c.policies).toContain('production-requires-approval');
      expect(c.changeFreezes[0]).toMatchObject({
        environments: ['production'],
        reason: 'holidays',
      });
      expect(c.environments['component:default/cart']).toBe('staging');
      expect(c.gitops).toMatchObject({
        baseBranch: 'main',
        path: 'remediations',
      });
      const opa = read({ opa: { url: 'http://opa:8181/' } });
      expect(opa.opa).toEqual({
        url: 'http://opa:8181',
        path: 'copilot/preflight',
        timeoutMs: 2000,
      });
      expect(policyFromConfig(opa).name).toBe('opa');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ opa: { url: 'opa:8181' } }, /opa\.url must be an http/],
    [{ opa: { url: 'http://opa', path: '../x' } }, /opa\.path/],
    [
      {
        changeFreezes: [
          { from: '2026-12-27T00:00:00Z', to: '2026-12-24T00:00:00Z' },
        ],
      },
      /changeFreezes\[0\]/,
    ],
    [
      { changeFreezes: [{ from: 'a', to: 'b', environments: ['prod'] }] },
      /changeFreezes\[0\]/,
    ],
    [{ nonProductionRunners: ['shell'] }, /'shell' is not a runner/],
    [{ defaultEnvironment: 'qa' }, /defaultEnvironment must be one of/],
    [{ signingKey: 'secret' }, /PKCS#8 PEM/],
    [{ gitops: { repoUrl: 'x', path: '../etc' } }, /gitops\.path/],
    [{ gitops: { repoUrl: 'x', baseBranch: '-f' } }, /baseBranch/],
    [{ policies: 'permit', policiesFile: '/x' }, /either policies/],
    [{ policiesFile: '/nonexistent/policies.cedar' }, /cannot read/],
  ])('rejects %j with a clear error', (remediation, message) => {
    expect(() => read(remediation)).toThrow(message);
  });
});

describe('SigningKey', () => {
  it('loads a configured ed25519 key, refuses others, and signs values', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = SigningKey.load(pem, mockServices.logger.mock());
    const { hash, signature } = key.signValue({ b: 1, a: [true] });
    expect(key.verifyValue({ a: [true], b: 1 }, hash, signature)).toBe(true);
    expect(key.verifyValue({ a: [false], b: 1 }, hash, signature)).toBe(false);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() =>
      SigningKey.load(
        rsa.export({ type: 'pkcs8', format: 'pem' }).toString(),
        mockServices.logger.mock(),
      ),
    ).toThrow(/must be an ed25519 key/);
  });

  it('generates an ephemeral key with a warning outside production, and refuses to in production', () => {
    const logger = mockServices.logger.mock();
    expect(SigningKey.load(undefined, logger).keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/ephemeral ed25519 key/),
    );
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => SigningKey.load(undefined, logger)).toThrow(
        /required in production/,
      );
    } finally {
      process.env.NODE_ENV = env;
    }
  });
});

describe('toPlanEntity', () => {
  const config = read(undefined);
  it('reads the workload and the environment from annotations and drops values that are not names', () => {
    const e = toPlanEntity(
      'component:default/checkout',
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'checkout',
          annotations: {
            'copilot.dev/workload': 'Deployment/shop/checkout;rm -rf /',
            'backstage.io/kubernetes-id': 'checkout',
            'backstage.io/kubernetes-namespace': 'shop',
            'copilot.dev/database': 'postgresql:orders; drop table x',
          },
        },
        spec: { owner: 'team-checkout', lifecycle: 'experimental' },
      },
      config,
    );
    expect(e.entity.environment).toBe('development');
    expect(e.entity.workload).toEqual({
      kind: 'Deployment',
      name: 'checkout',
      namespace: 'shop',
      container: 'checkout',
    });
    expect(e.entity.database).toBeUndefined();
    expect(e.owners).toEqual(['group:default/team-checkout']);
    expect(e.errorBudgetRemaining).toBeNull();
    // Unknown entities fall back to the configured default: production, the safe side.
    expect(
      toPlanEntity('component:default/ghost', undefined, config).entity
        .environment,
    ).toBe('production');
  });
});

describe('runners and OPA', () => {
  it('renders an isolated Job that mounts only the plan files', async () => {
    const plan = {
      id: 'plan-0123456789abcdef',
      mode: 'k8s',
      plan: {
        steps: [{ order: 1, title: 'undo', artifact: 'commands.sh' }],
        artifacts: [
          {
            path: 'commands.sh',
            content: 'kubectl rollout undo deployment/checkout -n shop\n',
          },
        ],
        rollback: { artifacts: [] },
      },
    } as unknown as StoredFixPlan;
    const out = await new AgentRunner({
      image: 'runner:1',
      namespace: 'runners',
      serviceAccountName: 'sa',
    }).run(plan, {
      executionId: 'abcdef012345',
    });
    const job = out.output.job as any;
    const cm = out.output.configMap as any;
    expect(job.metadata).toMatchObject({
      name: 'copilot-fix-0123456789abcdef-abcdef01',
      namespace: 'runners',
    });
    expect(job.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(job.spec.template.spec.containers[0].args).toEqual([
      '--manifest',
      '/plan/manifest.json',
      '--mode',
      'k8s',
      '--allowed-tools',
      'kubectl',
    ]);
    expect(Object.keys(cm.data)).toEqual(['manifest.json', 'commands.sh']);
    expect(JSON.parse(cm.data['manifest.json']).artifacts[0].sha256).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  it('parses GitHub repository URLs', () => {
    expect(parseGitHubRepo('https://github.com/acme/gitops.git')).toEqual({
      owner: 'acme',
      repo: 'gitops',
    });
    expect(parseGitHubRepo('/tmp/origin.git')).toBeUndefined();
  });

  it('fails closed when OPA does not answer', async () => {
    const policy = policyFromConfig(
      read({ opa: { url: 'http://127.0.0.1:9', timeoutMs: 500 } }),
    );
    const decision = await policy.evaluate({} as any);
    expect(decision).toMatchObject({
      engine: 'opa',
      decision: 'deny',
      reasons: ['opa-unavailable'],
    });
    await expect(
      opaHttpCall({ url: 'http://127.0.0.1:9', path: 'x', timeoutMs: 500 })({
        input: {},
      }),
    ).rejects.toThrow();
  });
});
