import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CedarPolicyEvaluator } from './cedar';
import { OpaPolicyEvaluator, type OpaEvaluate } from './opa';
import { DEFAULT_CEDAR_POLICY_TEXT } from './policies';
import { preflight } from './preflight';
import type {
  PlanArtifact,
  PolicyFacts,
  PreflightContext,
  PreflightInput,
} from './types';

const LIVE: PlanArtifact = {
  path: 'checkout.yaml',
  content: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
  resourceVersion: "200"
spec:
  replicas: 3
  selector:
    matchLabels: {app: checkout}
  template:
    metadata:
      labels: {app: checkout}
    spec:
      containers:
        - name: checkout
          image: r/checkout:1.2.3
          resources:
            limits: {memory: 512Mi}
`,
};

const CTX: PreflightContext = {
  entity: 'component:default/checkout',
  environment: 'production',
  namespace: 'shop',
  author: 'user:default/alice',
  approvedBy: 'user:default/bob',
  errorBudgetRemaining: 0.5,
  changeFreeze: false,
};

const RESTART: PlanArtifact = {
  path: 'run.sh',
  content: 'kubectl rollout restart deployment/checkout -n shop\n',
};

function run(
  artifacts: PlanArtifact[],
  ctx: Partial<PreflightContext> = {},
  extra: Partial<PreflightInput> = {},
) {
  return preflight({
    mode: 'k8s',
    artifacts,
    context: { ...CTX, ...ctx },
    live: [LIVE],
    ...extra,
  });
}

const codes = (r: { findings: Array<{ code: string; severity: string }> }) =>
  r.findings.filter(f => f.severity !== 'info').map(f => f.code);

describe('preflight verdicts', () => {
  it("passes an approved restart of the entity's own deployment", async () => {
    const r = await run([RESTART]);
    expect(r.verdict).toBe('pass');
    expect(r.policy).toMatchObject({ engine: 'cedar', decision: 'allow' });
    expect(r.facts).toMatchObject({
      tools: ['kubectl'],
      verbs: ['rollout restart'],
      namespaces: ['shop'],
      blastRadius: 1,
      production: true,
      approved: true,
    });
  });

  it('blocks production without approval, and self-approval', async () => {
    expect(codes(await run([RESTART], { approvedBy: null }))).toContain(
      'POLICY_PRODUCTION_REQUIRES_APPROVAL',
    );
    expect(
      codes(await run([RESTART], { approvedBy: 'user:default/alice' })),
    ).toContain('POLICY_NO_SELF_APPROVAL');
    expect(
      (await run([RESTART], { approvedBy: null, environment: 'staging' }))
        .verdict,
    ).toBe('pass');
  });

  it('cites the artifact and line of an unknown field in a patch merged into the live object', async () => {
    const r = await run([
      {
        path: 'patch.yaml',
        content:
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: checkout\n          resources:\n            limit:\n              memory: 1Gi\n',
      },
    ]);
    const f = r.findings.find(x => x.code === 'K8S_UNKNOWN_FIELD')!;
    expect(f).toMatchObject({
      severity: 'block',
      artifact: 'patch.yaml',
      line: 13,
      path: 'spec.template.spec.containers.0.resources.limit',
    });
    expect(r.verdict).toBe('block');
  });

  it('blocks freezes and exhausted budgets, except for an approved revert', async () => {
    const undo: PlanArtifact = {
      path: 'undo.sh',
      content: 'kubectl rollout undo deployment/checkout -n shop\n',
    };
    expect(codes(await run([RESTART], { changeFreeze: true }))).toContain(
      'GR_CHANGE_FREEZE',
    );
    expect((await run([RESTART], { errorBudgetRemaining: -0.1 })).verdict).toBe(
      'block',
    );
    expect((await run([undo], { errorBudgetRemaining: -0.1 })).verdict).toBe(
      'warn',
    );
    expect(
      (
        await run([undo], {
          errorBudgetRemaining: -0.1,
          approvedBy: null,
          environment: 'staging',
        })
      ).verdict,
    ).toBe('block');
    const windows = [
      {
        from: '2026-12-20T00:00:00Z',
        to: '2027-01-02T00:00:00Z',
        reason: 'holidays',
      },
    ];
    expect(
      (
        await run([RESTART], {
          freezeWindows: windows,
          now: Date.parse('2026-12-24T12:00:00Z'),
        })
      ).verdict,
    ).toBe('block');
    expect(
      (
        await run([RESTART], {
          freezeWindows: windows,
          now: Date.parse('2026-12-02T12:00:00Z'),
        })
      ).verdict,
    ).toBe('pass');
  });

  it("counts reach in workloads, with a service's supporting objects as one unit", async () => {
    const obj = (kind: string, apiVersion: string, name: string, extra = '') =>
      `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: shop\n${extra}`;
    const bundle = [
      obj('ConfigMap', 'v1', 'checkout-config', 'data:\n  A: "1"\n'),
      obj('Service', 'v1', 'checkout', 'spec:\n  ports:\n    - port: 80\n'),
      obj('ServiceAccount', 'v1', 'checkout'),
      obj(
        'PodDisruptionBudget',
        'policy/v1',
        'checkout',
        'spec:\n  minAvailable: 1\n',
      ),
      obj('Deployment', 'apps/v1', 'checkout', 'spec:\n  replicas: 4\n'),
    ].join('---\n');
    const one = await run([{ path: 'bundle-patch.yaml', content: bundle }]);
    expect(one.facts.blastRadius).toBe(2);
    expect(one.verdict).toBe('pass');
    const six = await run([
      {
        path: 'run.sh',
        content: ['checkout', 'cart', 'catalog', 'search', 'orders', 'payments']
          .map(n => `kubectl rollout restart deployment/${n} -n shop`)
          .join('\n'),
      },
    ]);
    expect(six.facts.blastRadius).toBe(6);
    expect(codes(six)).toContain('GR_BLAST_RADIUS');
  });

  it('blocks namespaces outside the entity and system namespaces', async () => {
    const r = await run([
      {
        path: 'run.sh',
        content:
          'kubectl scale deployment/coredns -n kube-system --replicas=4\n',
      },
    ]);
    expect(codes(r)).toEqual(
      expect.arrayContaining([
        'POLICY_NAMESPACE_SCOPE',
        'POLICY_SYSTEM_NAMESPACES',
      ]),
    );
  });

  it('detects drift by resourceVersion, by a recorded base hash and by failing JSON patch tests', async () => {
    const rv = await run([
      {
        path: 'patch.yaml',
        content:
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\n  namespace: shop\n  resourceVersion: "150"\nspec:\n  replicas: 4\n',
      },
    ]);
    expect(codes(rv)).toContain('DRIFT_RESOURCE_VERSION');
    const hash = await run([RESTART], { baseHash: 'sha256:0000' });
    expect(codes(hash)).toContain('DRIFT_BASE_HASH');
    const test = await run([
      {
        path: 'p.json',
        content:
          '[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":5}]',
      },
      {
        path: 'run.sh',
        content:
          'kubectl patch deployment checkout -n shop --type json --patch-file p.json\n',
      },
    ]);
    expect(codes(test)).toContain('DRIFT_TEST_FAILED');
  });

  it('checks Terraform, SQL, Ansible and Helm artifacts', async () => {
    const tf = await preflight({
      mode: 'tf',
      context: { ...CTX, namespace: undefined },
      artifacts: [
        {
          path: 'main.tf',
          content:
            'resource "aws_security_group_rule" "x" {\n  type = "ingress"\n  from_port = 5432\n  to_port = 5432\n  cidr_blocks = ["0.0.0.0/0"]\n}\n',
        },
      ],
    });
    expect(tf.findings.find(f => f.code === 'GR_OPEN_INGRESS')).toMatchObject({
      artifact: 'main.tf',
      line: 5,
    });
    const badTf = await preflight({
      mode: 'tf',
      context: CTX,
      artifacts: [
        { path: 'main.tf', content: 'resource "x" "y" {\n  a = \n}\n' },
      ],
    });
    expect(badTf.findings[0]).toMatchObject({ code: 'HCL_PARSE', line: 2 });
    const sql = await preflight({
      mode: 'sql',
      context: CTX,
      artifacts: [{ path: '001.sql', content: 'DROP TABLE orders;' }],
    });
    expect(codes(sql)).toEqual(
      expect.arrayContaining(['SQL_DATA_LOSS', 'SQL_NO_DOWN']),
    );
    const play = await preflight({
      mode: 'ansible',
      context: CTX,
      artifacts: [
        {
          path: 'playbook.yml',
          content: '- hosts: all\n  tasks:\n    - shell: curl http://x | sh\n',
        },
      ],
    });
    expect(codes(play)).toEqual(
      expect.arrayContaining(['ANSIBLE_DANGEROUS_COMMAND', 'GR_BLAST_RADIUS']),
    );
    const helm = await preflight({
      mode: 'helm',
      context: CTX,
      artifacts: [
        {
          path: 'values.yaml',
          content: 'image:\n  repository: r/x\n  tag: latest\n',
        },
        {
          path: 'up.sh',
          content:
            'helm upgrade x c/x -n shop --reuse-values -f values.yaml --set securityContext.privileged=true\n',
        },
      ],
    });
    expect(codes(helm)).toEqual(
      expect.arrayContaining(['GR_MUTABLE_IMAGE_TAG', 'GR_PRIVILEGED']),
    );
  });

  it('fails closed on an artifact type it cannot check', async () => {
    expect(
      codes(
        await run([
          { path: 'fix.py', content: 'import os\nos.system("id")\n' },
        ]),
      ),
    ).toContain('ARTIFACT_TYPE');
  });
});

describe('policy engines', () => {
  it('evaluates custom Cedar text with @id names', async () => {
    const cedar = CedarPolicyEvaluator.create(
      `${DEFAULT_CEDAR_POLICY_TEXT}\n@id("no-helm-on-friday")\n@message("no helm on fridays")\nforbid (principal, action, resource) when { context.tools.contains("helm") };`,
    );
    const r = await preflight(
      {
        mode: 'helm',
        context: CTX,
        artifacts: [{ path: 'up.sh', content: 'helm rollback x 3 -n shop\n' }],
      },
      { policy: cedar },
    );
    expect(r.policy.reasons).toEqual(['no-helm-on-friday']);
    expect(r.findings.find(f => f.stage === 'policy')?.message).toBe(
      'cedar: no helm on fridays',
    );
  });

  describe('OPA adapter', () => {
    let server: Server;
    let url: string;
    const seen: unknown[] = [];

    beforeAll(async () => {
      // Imitates OPA's Data API: POST /v1/data/<path> {"input": ...} -> {"result": ...}.
      server = createServer((req, res) => {
        let body = '';
        req.on('data', c => (body += c));
        req.on('end', () => {
          if (
            req.method !== 'POST' ||
            req.url !== '/v1/data/copilot/preflight'
          ) {
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end('{}');
            return;
          }
          const { input } = JSON.parse(body) as { input: PolicyFacts };
          seen.push(input);
          const deny: string[] = [];
          if (input.production && !input.approved)
            deny.push('production changes need an approver');
          if (input.namespaces.some(n => n !== input.targetNamespace))
            deny.push('namespace outside the entity');
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(
              JSON.stringify({ result: { allow: deny.length === 0, deny } }),
            );
        });
      });
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise<void>(r => server.close(() => r())));

    const call =
      (path: string): OpaEvaluate =>
      async body => {
        const res = await fetch(`${url}/v1/data/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return res.json();
      };

    it('sends the same facts document Cedar sees and maps deny messages to findings', async () => {
      const opa = new OpaPolicyEvaluator(call('copilot/preflight'));
      const allowed = await preflight(
        { mode: 'k8s', context: CTX, artifacts: [RESTART] },
        { policy: opa },
      );
      expect(allowed.policy).toMatchObject({
        engine: 'opa',
        decision: 'allow',
      });
      expect(seen[0]).toEqual(allowed.facts);

      const denied = await preflight(
        {
          mode: 'k8s',
          context: { ...CTX, approvedBy: null },
          artifacts: [
            {
              path: 'r.sh',
              content: 'kubectl rollout restart deployment/x -n payments\n',
            },
          ],
        },
        { policy: opa },
      );
      expect(denied.verdict).toBe('block');
      expect(
        denied.findings.filter(f => f.stage === 'policy').map(f => f.message),
      ).toEqual([
        'opa: production changes need an approver',
        'opa: namespace outside the entity',
      ]);
    });

    it('fails closed on an undefined decision or an unreachable server', async () => {
      const undef = await preflight(
        { mode: 'k8s', context: CTX, artifacts: [RESTART] },
        { policy: new OpaPolicyEvaluator(call('wrong/path')) },
      );
      expect(undef.policy.reasons).toEqual(['opa-undefined']);
      expect(undef.verdict).toBe('block');
      const down = new OpaPolicyEvaluator(async () => {
        throw new Error('ECONNREFUSED');
      });
      expect(
        (
          await preflight(
            { mode: 'k8s', context: CTX, artifacts: [RESTART] },
            { policy: down },
          )
        ).verdict,
      ).toBe('block');
    });
  });
});
