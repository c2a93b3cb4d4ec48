import { ConfigReader } from '@backstage/config';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  FakeKubeApi,
  liveDeployment,
  makeTestCerts,
  type TestCerts,
} from '../__testUtils__/fakeKubernetes';
import { readRemediationConfig } from './config';
import {
  ClusterCheck,
  clusterWork,
  fieldPath,
  Kubeconfig,
  KubernetesApiError,
  KubernetesClient,
  KubernetesClusters,
  KubernetesUnreachableError,
  pluralOf,
  readKubernetesConfig,
  statusFinding,
  withServerFindings,
  type KubeConnection,
} from './kubernetes';

jest.setTimeout(30_000);

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig with a token user, a client-certificate user (files) and three contexts. */
function kubeconfig(server: string, certs: TestCerts, dir: string) {
  writeFileSync(join(dir, 'client.crt'), certs.clientCert);
  writeFileSync(join(dir, 'client.key'), certs.clientKey);
  writeFileSync(join(dir, 'ca.crt'), certs.serverCert);
  writeFileSync(join(dir, 'token'), 't0ken\n');
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'dev',
    clusters: [
      {
        name: 'prod',
        cluster: {
          server,
          'certificate-authority-data': b64(certs.serverCert),
        },
      },
      {
        name: 'prod-files',
        cluster: { server, 'certificate-authority': 'ca.crt' },
      },
      {
        name: 'insecure',
        cluster: { server, 'insecure-skip-tls-verify': true },
      },
      { name: 'untrusted', cluster: { server } },
    ],
    users: [
      { name: 'sa', user: { token: 't0ken' } },
      { name: 'sa-file', user: { tokenFile: 'token' } },
      {
        name: 'cert',
        user: {
          'client-certificate': 'client.crt',
          'client-key': 'client.key',
        },
      },
      {
        name: 'cert-data',
        user: {
          'client-certificate-data': b64(certs.clientCert),
          'client-key-data': b64(certs.clientKey),
        },
      },
      { name: 'half', user: { 'client-certificate': 'client.crt' } },
      {
        name: 'exec',
        user: { exec: { command: 'aws', args: ['eks', 'get-token'] } },
      },
    ],
    contexts: [
      { name: 'dev', context: { cluster: 'insecure', user: 'sa' } },
      {
        name: 'prod-token',
        context: { cluster: 'prod', user: 'sa', namespace: 'shop' },
      },
      {
        name: 'prod-token-file',
        context: { cluster: 'prod-files', user: 'sa-file' },
      },
      { name: 'prod-cert', context: { cluster: 'prod-files', user: 'cert' } },
      {
        name: 'prod-cert-data',
        context: { cluster: 'prod', user: 'cert-data' },
      },
      { name: 'insecure', context: { cluster: 'insecure', user: 'sa' } },
      { name: 'untrusted', context: { cluster: 'untrusted', user: 'sa' } },
      { name: 'half', context: { cluster: 'prod', user: 'half' } },
      { name: 'exec', context: { cluster: 'prod', user: 'exec' } },
      { name: 'dangling', context: { cluster: 'nowhere', user: 'sa' } },
    ],
  };
}

describe('kubernetes', () => {
  let certs: TestCerts;
  let api: FakeKubeApi;
  let dir: string;
  let kcPath: string;

  beforeAll(async () => {
    certs = makeTestCerts();
    api = await FakeKubeApi.start(certs);
    dir = mkdtempSync(join(tmpdir(), 'copilot-kubeconfig-'));
    kcPath = join(dir, 'config');
    writeFileSync(kcPath, stringify(kubeconfig(api.url, certs, dir)));
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
  });

  describe('config', () => {
    const read = (kubernetes: any) =>
      readRemediationConfig(
        new ConfigReader({ copilot: { remediation: { kubernetes } } }),
      ).kubernetes;

    it('is off without a context, and reads context, contexts, path and timeout', () => {
      expect(read(undefined)).toBeUndefined();
      expect(read({ kubeconfigPath: '/x' })).toBeUndefined();
      expect(
        read({
          context: 'prod-token',
          contexts: { staging: 'staging-admin' },
          kubeconfigPath: kcPath,
          timeoutMs: 1500,
        }),
      ).toEqual({
        context: 'prod-token',
        contexts: { staging: 'staging-admin' },
        kubeconfigPath: kcPath,
        kubeconfig: undefined,
        timeoutMs: 1500,
      });
      expect(read({ contexts: { production: 'p' } })).toMatchObject({
        context: undefined,
        timeoutMs: 5000,
      });
    });

    it.each([
      [
        { context: 'a', contexts: { prod: 'b' } },
        /contexts\.prod: not an environment/,
      ],
      [
        { context: 'a', kubeconfigPath: '/x', kubeconfig: 'y' },
        /either kubeconfigPath or kubeconfig/,
      ],
      [{ context: 'a', timeoutMs: 0 }, /timeoutMs must be/],
    ])('rejects %j', (kubernetes, message) => {
      expect(() => read(kubernetes)).toThrow(message);
      expect(() =>
        readKubernetesConfig(new ConfigReader(kubernetes as any)),
      ).toThrow(message);
    });
  });

  describe('kubeconfig', () => {
    it('selects the configured context (not the current one) with its token, CA data and namespace', () => {
      const kc = Kubeconfig.load({ path: kcPath });
      expect(kc.currentContext).toBe('dev');
      const c = kc.connection('prod-token');
      expect(c).toMatchObject({
        context: 'prod-token',
        server: api.url,
        namespace: 'shop',
        token: 't0ken',
        insecureSkipTlsVerify: false,
      });
      expect(c.ca?.toString()).toBe(certs.serverCert);
      expect(c.cert).toBeUndefined();
    });

    it('reads CA, client certificate, key and token files relative to the kubeconfig', () => {
      const kc = Kubeconfig.load({ path: kcPath });
      const cert = kc.connection('prod-cert');
      expect(cert.ca?.toString()).toBe(certs.serverCert);
      expect(cert.cert?.toString()).toBe(certs.clientCert);
      expect(cert.key?.toString()).toBe(certs.clientKey);
      expect(cert.token).toBeUndefined();
      expect(kc.connection('prod-cert-data').key?.toString()).toBe(
        certs.clientKey,
      );
      expect(kc.connection('prod-token-file').tokenFile).toBe(
        join(dir, 'token'),
      );
      expect(kc.connection('insecure').insecureSkipTlsVerify).toBe(true);
    });

    it('finds the kubeconfig through $KUBECONFIG (first file wins) or ~/.kube/config, or inline', () => {
      const other = join(dir, 'other');
      writeFileSync(
        other,
        stringify({
          'current-context': 'other',
          clusters: [
            { name: 'prod', cluster: { server: 'https://elsewhere:6443' } },
          ],
          users: [{ name: 'o', user: { token: 'x' } }],
          contexts: [
            { name: 'other', context: { cluster: 'prod', user: 'o' } },
          ],
        }),
      );
      const merged = Kubeconfig.load({
        env: { KUBECONFIG: [join(dir, 'missing'), kcPath, other].join(':') },
      });
      expect(merged.currentContext).toBe('dev');
      expect(merged.connection('other').server).toBe(api.url);
      expect(merged.connection('prod-token').server).toBe(api.url);
      const home = mkdtempSync(join(tmpdir(), 'copilot-home-'));
      try {
        expect(() => Kubeconfig.load({ env: {}, home })).toThrow(
          /cannot read the kubeconfig .*\.kube\/config/,
        );
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
      const inline = Kubeconfig.load({
        inline: stringify(kubeconfig(api.url, certs, dir)),
      });
      expect(inline.connection('prod-token').token).toBe('t0ken');
    });

    it.each([
      [
        'missing',
        /context 'missing' is not in the kubeconfig .*; it has: dev, prod-token/,
      ],
      [
        'dangling',
        /names cluster 'nowhere', which the kubeconfig does not define/,
      ],
      ['half', /client certificate without its key/],
      ['exec', /exec plugin, which the copilot does not run/],
    ])('refuses context %s with a clear config error', (name, message) => {
      expect(() => Kubeconfig.load({ path: kcPath }).connection(name)).toThrow(
        message,
      );
      expect(() =>
        KubernetesClusters.fromConfig({
          contexts: { production: name },
          kubeconfigPath: kcPath,
          timeoutMs: 1000,
        }),
      ).toThrow(message);
    });

    it('refuses a kubeconfig path that does not exist', () => {
      expect(() =>
        KubernetesClusters.fromConfig({
          context: 'x',
          contexts: {},
          kubeconfigPath: join(dir, 'nope'),
          timeoutMs: 1000,
        }),
      ).toThrow(/cannot read the kubeconfig/);
    });
  });

  describe('client', () => {
    const connect = (name: string, timeoutMs = 3000) =>
      new KubernetesClient(
        Kubeconfig.load({ path: kcPath }).connection(name),
        timeoutMs,
      );
    const ref = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'checkout',
      namespace: 'shop',
    };

    it('reads the live object with a bearer token, trusting the configured CA', async () => {
      api.put(liveDeployment());
      const obj = await connect('prod-token').get(ref);
      expect(obj?.metadata).toMatchObject({
        name: 'checkout',
        resourceVersion: '4711',
      });
      expect(api.requests).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: '/apis/apps/v1/namespaces/shop/deployments/checkout',
          authorization: 'Bearer t0ken',
        }),
      ]);
      expect(
        await connect('prod-token').get({ ...ref, name: 'ghost' }),
      ).toBeUndefined();
      // Token files are re-read on every request.
      expect((await connect('prod-token-file').get(ref))?.kind).toBe(
        'Deployment',
      );
      expect(api.requests[2].authorization).toBe('Bearer t0ken');
    });

    it('authenticates with a client certificate', async () => {
      api.put(liveDeployment());
      await connect('prod-cert').get(ref);
      await connect('prod-cert-data').get(ref);
      expect(api.requests.map(r => [r.clientCert, r.authorization])).toEqual([
        ['copilot-preflight', undefined],
        ['copilot-preflight', undefined],
      ]);
    });

    it('server-side applies in a dry run with strict field validation and persists nothing', async () => {
      const live = liveDeployment();
      api.put(live);
      const declared = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'checkout', namespace: 'shop' },
        spec: { replicas: 6 },
      };
      const out = await connect('prod-token').dryRun(ref, 'apply', declared);
      expect(out.metadata).toMatchObject({ resourceVersion: 'dry-run' });
      const [req] = api.requests;
      expect(req).toMatchObject({
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/checkout',
        query: {
          dryRun: 'All',
          fieldManager: 'devops-copilot',
          fieldValidation: 'Strict',
          force: 'true',
        },
        contentType: 'application/apply-patch+yaml',
        authorization: 'Bearer t0ken',
        body: declared,
      });
      await connect('prod-token').dryRun(ref, 'strategic', {
        spec: { template: { spec: { containers: [{ name: 'checkout' }] } } },
      });
      expect(api.requests[1]).toMatchObject({
        contentType: 'application/strategic-merge-patch+json',
        query: { dryRun: 'All', fieldValidation: 'Strict' },
      });
      expect(api.requests[1].query.force).toBeUndefined();
      expect(api.get(live)).toEqual(live);
    });

    it('answers refusals as KubernetesApiError with the server Status', async () => {
      api.put(liveDeployment());
      const c = connect('prod-token');
      const unknown = await c
        .dryRun(ref, 'strategic', { spec: { replicaz: 3 } })
        .catch(e => e);
      expect(unknown).toBeInstanceOf(KubernetesApiError);
      expect(unknown).toMatchObject({
        status: 400,
        message: 'strict decoding error: unknown field "spec.replicaz"',
      });
      const invalid = await c
        .dryRun(ref, 'merge', { spec: { replicas: -1 } }, 'scale')
        .catch(e => e);
      expect(invalid.status).toBe(422);
      expect(invalid.body.details.causes[0]).toMatchObject({
        field: 'spec.replicas',
      });
      expect(api.requests[1].path).toBe(
        '/apis/apps/v1/namespaces/shop/deployments/checkout/scale',
      );
      expect(
        (
          await c
            .dryRun({ ...ref, name: 'ghost' }, 'strategic', {})
            .catch(e => e)
        ).status,
      ).toBe(404);
      api.denied.add('patch deployments');
      expect((await c.dryRun(ref, 'strategic', {}).catch(e => e)).status).toBe(
        403,
      );
    });

    it('finds custom resources through API discovery', async () => {
      api.discovery.set('/apis/example.com/v1', {
        kind: 'APIResourceList',
        groupVersion: 'example.com/v1',
        resources: [
          { name: 'widgets', kind: 'Widget', namespaced: true },
          { name: 'widgets/status', kind: 'Widget', namespaced: true },
        ],
      });
      const c = connect('prod-token');
      expect(
        await c.path({
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          name: 'w',
          namespace: 'shop',
        }),
      ).toBe('/apis/example.com/v1/namespaces/shop/widgets/w');
      expect(
        await c.path({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c' }),
      ).toBe('/api/v1/namespaces/shop/configmaps/c');
      expect(
        await c.path({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          name: 'r',
        }),
      ).toBe('/apis/rbac.authorization.k8s.io/v1/clusterroles/r');
      await expect(
        c.path({ apiVersion: 'nope.io/v1', kind: 'Thing', name: 't' }),
      ).rejects.toMatchObject({ status: 404 });
      expect(pluralOf('NetworkPolicy')).toBe('networkpolicies');
      expect(pluralOf('Ingress')).toBe('ingresses');
      expect(pluralOf('Endpoints')).toBe('endpoints');
    });

    it('skips verification only when the kubeconfig says insecure-skip-tls-verify', async () => {
      api.put(liveDeployment());
      expect((await connect('insecure').get(ref))?.kind).toBe('Deployment');
      const err = await connect('untrusted')
        .get(ref)
        .catch(e => e);
      expect(err).toBeInstanceOf(KubernetesUnreachableError);
      expect(err.message).toMatch(/certificate/);
    });

    it('times out on a server that does not answer', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer(s => sockets.push(s));
      await new Promise<void>(r => silent.listen(0, '127.0.0.1', r));
      try {
        const port = (silent.address() as any).port;
        const conn: KubeConnection = {
          context: 'silent',
          server: `https://127.0.0.1:${port}`,
          insecureSkipTlsVerify: true,
        };
        const started = Date.now();
        const err = await new KubernetesClient(conn, 300)
          .get(ref)
          .catch(e => e);
        expect(err).toBeInstanceOf(KubernetesUnreachableError);
        expect(err.message).toMatch(/no answer within 300 ms/);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise(r => silent.close(r));
      }
    });
  });

  describe('plan work and findings', () => {
    const artifacts = [
      {
        path: 'commands.sh',
        content: [
          '#!/usr/bin/env bash',
          'set -euo pipefail',
          '',
          "kubectl patch 'deployment/checkout' -n 'shop' --type strategic --patch-file 'patch-checkout-resources.yaml'",
          "kubectl scale 'deployment/checkout' -n 'shop' --replicas=6",
          "kubectl rollout restart 'deployment/checkout' -n 'shop'",
          "kubectl rollout undo 'deployment/cart' -n 'shop'",
          'kubectl patch configmap \'checkout\' -n \'shop\' --type merge -p \'{"data":{"A":"1"}}\'',
          "kubectl apply -f 'quota.yaml' -n 'shop'",
          "kubectl rollout status 'deployment/checkout' -n 'shop' --timeout=10m",
          '',
        ].join('\n'),
      },
      {
        path: 'patch-checkout-resources.yaml',
        content: stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'checkout', namespace: 'shop' },
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'checkout',
                    resources: { limits: { memory: '1Gi' } },
                  },
                ],
              },
            },
          },
        }),
      },
      {
        path: 'quota.yaml',
        content: stringify({
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'compute' },
          spec: { hard: { 'limits.memory': '64Gi' } },
        }),
      },
      {
        path: 'rollback.sh',
        content: "kubectl scale 'deployment/checkout' -n 'shop' --replicas=4\n",
      },
      { path: 'README.md', content: '# fix\n' },
    ];

    it('turns patches, scale, rollout and manifests into dry runs, rollback excluded', () => {
      const w = clusterWork(artifacts, 'k8s', {
        namespace: 'shop',
        exclude: ['rollback.sh'],
        now: Date.parse('2026-03-01T00:00:00Z'),
      });
      expect(w.targets.map(t => `${t.kind}/${t.namespace}/${t.name}`)).toEqual([
        'Deployment/shop/checkout',
        'Deployment/shop/cart',
        'ConfigMap/shop/checkout',
        'ResourceQuota/shop/compute',
      ]);
      expect(
        w.operations.map(o => [
          o.type,
          o.artifact,
          o.line,
          o.target.kind,
          o.subresource,
        ]),
      ).toEqual([
        [
          'strategic',
          'patch-checkout-resources.yaml',
          1,
          'Deployment',
          undefined,
        ],
        ['merge', 'commands.sh', 5, 'Deployment', 'scale'],
        ['strategic', 'commands.sh', 6, 'Deployment', undefined],
        ['exists', 'commands.sh', 7, 'Deployment', undefined],
        ['merge', 'commands.sh', 8, 'ConfigMap', undefined],
        ['apply', 'quota.yaml', 1, 'ResourceQuota', undefined],
      ]);
      expect(w.operations[1].body).toEqual({ spec: { replicas: 6 } });
      expect(w.operations[2].body).toEqual({
        spec: {
          template: {
            metadata: {
              annotations: {
                'kubectl.kubernetes.io/restartedAt': '2026-03-01T00:00:00.000Z',
              },
            },
          },
        },
      });
      expect(w.operations[4].body).toEqual({ data: { A: '1' } });
      // The manifest gets the namespace `kubectl apply -n` gives it.
      expect((w.operations[5].body as any).metadata.namespace).toBe('shop');
    });

    it('maps Status failures to findings citing the artifact and the server causes', () => {
      const op = {
        artifact: 'patch.yaml',
        line: 1,
        lineOf: (p: ReadonlyArray<string | number>) =>
          p[0] === 'spec' ? 7 : 1,
        label: 'kubectl patch deployment/checkout -n shop',
      };
      const f = (status: number, body: any) =>
        statusFinding(op, new KubernetesApiError(status, body), 'prod');
      expect(
        f(400, {
          reason: 'BadRequest',
          message: 'strict decoding error: unknown field "spec.replicaz"',
        }),
      ).toEqual({
        code: 'K8S_SERVER_DRY_RUN_UNKNOWN_FIELD',
        severity: 'block',
        stage: 'schema',
        message: expect.stringMatching(
          /^kubectl patch deployment\/checkout -n shop: the API server \(context prod\) refuses it in a dry run: strict decoding error: unknown field "spec.replicaz"$/,
        ),
        artifact: 'patch.yaml',
        line: 7,
        path: 'spec.replicaz',
      });
      const invalid = f(422, {
        reason: 'Invalid',
        message: 'Deployment.apps "checkout" is invalid',
        details: {
          causes: [{ field: 'spec.selector', message: 'field is immutable' }],
        },
      });
      expect(invalid).toMatchObject({
        code: 'K8S_SERVER_DRY_RUN_INVALID',
        severity: 'block',
        path: 'spec.selector',
        line: 7,
      });
      expect(invalid.message).toMatch(
        /is invalid \(spec.selector: field is immutable\)$/,
      );
      expect(
        [
          [403, 'K8S_SERVER_DRY_RUN_FORBIDDEN', 'block', 'policy'],
          [404, 'K8S_SERVER_DRY_RUN_NOT_FOUND', 'block', 'drift'],
          [409, 'K8S_SERVER_DRY_RUN_CONFLICT', 'block', 'drift'],
          [400, 'K8S_SERVER_DRY_RUN_BAD_REQUEST', 'block', 'schema'],
          [415, 'K8S_SERVER_DRY_RUN_REJECTED', 'block', 'schema'],
          [401, 'K8S_SERVER_DRY_RUN_UNAUTHORIZED', 'warn', 'schema'],
          [500, 'K8S_SERVER_DRY_RUN_ERROR', 'warn', 'schema'],
        ].map(([status]) => {
          const x = f(status as number, { message: 'no' });
          return [status, x.code, x.severity, x.stage];
        }),
      ).toEqual([
        [403, 'K8S_SERVER_DRY_RUN_FORBIDDEN', 'block', 'policy'],
        [404, 'K8S_SERVER_DRY_RUN_NOT_FOUND', 'block', 'drift'],
        [409, 'K8S_SERVER_DRY_RUN_CONFLICT', 'block', 'drift'],
        [400, 'K8S_SERVER_DRY_RUN_BAD_REQUEST', 'block', 'schema'],
        [415, 'K8S_SERVER_DRY_RUN_REJECTED', 'block', 'schema'],
        [401, 'K8S_SERVER_DRY_RUN_UNAUTHORIZED', 'warn', 'schema'],
        [500, 'K8S_SERVER_DRY_RUN_ERROR', 'warn', 'schema'],
      ]);
      expect(
        f(400, {
          message: 'admission webhook "x.example.com" does not support dry run',
        }).severity,
      ).toBe('warn');
      expect(
        fieldPath('spec.template.spec.containers[0].resources.limits[memory]'),
      ).toEqual([
        'spec',
        'template',
        'spec',
        'containers',
        0,
        'resources',
        'limits',
        'memory',
      ]);
    });

    it('recomputes the verdict as preflight does', () => {
      const pass = { verdict: 'pass' as const, findings: [] };
      const info = {
        code: 'I',
        severity: 'info' as const,
        stage: 'schema' as const,
        message: 'i',
      };
      const warn = { ...info, code: 'W', severity: 'warn' as const };
      const block = { ...info, code: 'B', severity: 'block' as const };
      expect(withServerFindings(pass, [info]).verdict).toBe('pass');
      expect(withServerFindings(pass, [info, warn]).verdict).toBe('warn');
      expect(
        withServerFindings({ verdict: 'warn', findings: [warn] }, [
          block,
          block,
        ]),
      ).toEqual({
        verdict: 'block',
        findings: [warn, block],
      });
    });

    it('never reads Secrets into preflight, but still dry-runs them', async () => {
      const clusters = KubernetesClusters.fromConfig({
        context: 'prod-token',
        contexts: {},
        kubeconfigPath: kcPath,
        timeoutMs: 3000,
      });
      const check = clusters.check({
        environment: 'production',
        mode: 'k8s',
        artifacts: [
          {
            path: 'secret.yaml',
            content: stringify({
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: 'db', namespace: 'shop' },
              stringData: { password: 'x' },
            }),
          },
        ],
      })!;
      expect(await check.readLive()).toEqual([]);
      const { summary } = await check.dryRun();
      expect(summary).toMatchObject({ objects: 1, live: 0, ok: true });
      expect(api.requests.map(r => r.method)).toEqual(['PATCH']);
    });

    it('runs the whole check: live state, dry runs, missing targets; nothing persisted', async () => {
      const live = liveDeployment();
      api.put(live);
      api.put({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'checkout', namespace: 'shop' },
        data: { A: '0' },
      });
      const clusters = KubernetesClusters.fromConfig({
        contexts: { staging: 'prod-token' },
        kubeconfigPath: kcPath,
        timeoutMs: 3000,
      });
      expect(clusters.contextFor('production')).toBeUndefined();
      expect(
        clusters.check({ environment: 'production', mode: 'k8s', artifacts }),
      ).toBeUndefined();
      const check = clusters.check({
        environment: 'staging',
        mode: 'k8s',
        artifacts,
        namespace: 'shop',
        rollbackArtifacts: ['rollback.sh'],
      }) as ClusterCheck;
      const liveFiles = await check.readLive();
      expect(liveFiles.map(l => l.path)).toEqual([
        'live/deployment/shop/checkout.yaml',
        'live/configmap/shop/checkout.yaml',
      ]);
      expect(liveFiles[0].content).not.toContain('managedFields');
      const { findings, summary } = await check.dryRun();
      expect(findings).toEqual([
        expect.objectContaining({
          code: 'K8S_SERVER_DRY_RUN_NOT_FOUND',
          severity: 'block',
          artifact: 'commands.sh',
          line: 7,
          message: expect.stringMatching(
            /deployment\/shop\/cart does not exist/,
          ),
        }),
      ]);
      expect(summary).toEqual({
        context: 'prod-token',
        objects: 5,
        live: 2,
        ok: false,
        reachable: true,
      });
      const patches = api.requests.filter(r => r.method === 'PATCH');
      expect(patches).toHaveLength(5);
      for (const p of patches)
        expect(p.query).toMatchObject({
          dryRun: 'All',
          fieldValidation: 'Strict',
        });
      expect(patches.map(p => p.contentType)).toEqual([
        'application/strategic-merge-patch+json',
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ]);
      expect(api.get(live)).toEqual(live);
      expect(api.objects.size).toBe(2);
    });
  });
});
