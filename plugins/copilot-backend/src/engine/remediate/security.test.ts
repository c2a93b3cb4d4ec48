import { imageTag, scanSecurity } from './security';
import type { Finding } from './types';

function scan(obj: unknown, production = true, helmValues = false) {
  const out: Finding[] = [];
  scanSecurity(obj, { artifact: 'x.yaml', production, helmValues }, out);
  return out.map(f => `${f.code}:${f.severity}`);
}

describe('scanSecurity', () => {
  it('flags privilege and host access in Kubernetes and Terraform spellings', () => {
    expect(
      scan({
        securityContext: {
          privileged: true,
          allowPrivilegeEscalation: true,
          runAsUser: 0,
        },
      }),
    ).toEqual([
      'GR_PRIVILEGED:block',
      'GR_PRIV_ESCALATION:block',
      'GR_RUN_AS_ROOT:block',
    ]);
    expect(
      scan({
        spec: [
          { host_network: true, volume: [{ host_path: [{ path: '/' }] }] },
        ],
      }),
    ).toEqual(['GR_HOST_NAMESPACE:block', 'GR_HOST_PATH:block']);
    expect(
      scan({ capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } }),
    ).toEqual([]);
    expect(scan({ capabilities: { add: ['CAP_SYS_ADMIN'] } })).toEqual([
      'GR_CAPABILITIES:block',
    ]);
  });

  it('applies the baseline profile to host ports and sandboxes', () => {
    expect(
      scan({
        ports: [{ containerPort: 8080, hostPort: 8080 }],
        securityContext: { seccompProfile: { type: 'Unconfined' } },
      }),
    ).toEqual(['GR_HOST_PORT:block', 'GR_UNCONFINED:block']);
    expect(
      scan({
        ports: [{ containerPort: 8080 }],
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      }),
    ).toEqual([]);
  });

  it('flags RBAC wildcards, escalation verbs and admin bindings', () => {
    expect(
      scan({
        rules: [
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
        ],
      }),
    ).toEqual([]);
    expect(
      scan({ rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }] }),
    ).toEqual(['GR_RBAC_WILDCARD:block']);
    expect(
      scan({
        rules: [
          {
            apiGroups: ['rbac.authorization.k8s.io'],
            resources: ['clusterroles'],
            verbs: ['bind', 'escalate'],
          },
        ],
      }),
    ).toEqual(['GR_RBAC_ESCALATION:block']);
    expect(
      scan({ roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } }),
    ).toEqual(['GR_CLUSTER_ADMIN_BINDING:block']);
  });

  it('judges image tags by environment and pins digests', () => {
    expect(imageTag('registry:5000/shop/app:1.2.3')).toBe('1.2.3');
    expect(imageTag('registry:5000/shop/app')).toBe('');
    expect(imageTag(`app@sha256:${'a'.repeat(64)}`)).toBeUndefined();
    expect(scan({ image: 'nginx' })).toEqual(['GR_MUTABLE_IMAGE_TAG:block']);
    expect(scan({ image: 'nginx:latest' }, false)).toEqual([
      'GR_MUTABLE_IMAGE_TAG:warn',
    ]);
    expect(scan({ image: 'nginx:1.27.3' })).toEqual([]);
    expect(
      scan({ image: { repository: 'r/app', tag: '' } }, true, true),
    ).toEqual([]);
    expect(scan({ image: { tag: 'latest' } }, true, true)).toEqual([
      'GR_MUTABLE_IMAGE_TAG:block',
    ]);
  });

  it('flags literal credentials but not references to them', () => {
    expect(
      scan({ env: [{ name: 'DB_PASSWORD', value: 'hunter2-prod' }] }),
    ).toEqual(['GR_PLAINTEXT_SECRET:block']);
    expect(
      scan({
        env: [
          {
            name: 'DB_PASSWORD',
            valueFrom: { secretKeyRef: { name: 'db', key: 'password' } },
          },
        ],
      }),
    ).toEqual([]);
    expect(
      scan({
        auth: {
          existingSecret: 'orders-db-credentials',
          clientSecret: 's3cr3t-value',
        },
      }),
    ).toEqual(['GR_PLAINTEXT_SECRET:block']);
    expect(scan({ apiKey: '{{ .Values.key }}', token: '' })).toEqual([]);
  });
});
