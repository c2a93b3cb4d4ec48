import { Deployment } from 'kubernetes-models/apps/v1';
import {
  kindInfo,
  isClusterScoped,
  isSupersededApi,
  normalizeResourceType,
} from './k8sKinds';
import { validateObject } from './k8sSchema';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'checkout',
    namespace: 'shop',
    labels: { 'app.kubernetes.io/name': 'checkout' },
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'checkout' } },
    template: {
      metadata: { labels: { app: 'checkout' } },
      spec: {
        containers: [
          {
            name: 'checkout',
            image: 'r/checkout:1.0.0',
            resources: { limits: { memory: '1Gi' } },
          },
        ],
      },
    },
  },
});

describe('validateObject', () => {
  const info = kindInfo('apps/v1', 'Deployment')!;

  it('accepts a valid Deployment', () => {
    expect(validateObject(info, deployment())).toEqual([]);
  });

  it('rejects unknown fields at any depth, which the model validator alone accepts', () => {
    const d = deployment() as any;
    d.spec.template.spec.containers[0].resource = { limits: {} };
    d.spec.strategy = { type: 'RollingUpdate', rollingupdate: {} };
    expect(() => new Deployment(d).validate()).not.toThrow();
    const issues = validateObject(info, d);
    expect(issues.map(i => [i.kind, i.path.join('.')])).toEqual(
      expect.arrayContaining([
        ['unknown_field', 'spec.template.spec.containers.0.resource'],
        ['unknown_field', 'spec.strategy.rollingupdate'],
      ]),
    );
  });

  it('reports wrong types and missing required fields', () => {
    const d = deployment() as any;
    d.spec.replicas = 'three';
    delete d.spec.selector;
    const msgs = validateObject(info, d)
      .map(i => i.message)
      .join('\n');
    expect(msgs).toMatch(/replicas: must be integer/);
    expect(msgs).toMatch(/missing required field selector/);
  });

  it('ignores missing required fields of a partial patch', () => {
    const patch = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { template: { spec: { containers: [{ name: 'x', env: [] }] } } },
    };
    expect(validateObject(info, patch, true)).toEqual([]);
  });

  it('does not treat label keys with slashes as fields', () => {
    const d = deployment() as any;
    d.metadata.annotations = { 'example.com/owner': 'team-a' };
    expect(validateObject(info, d)).toEqual([]);
  });
});

describe('kinds', () => {
  it('knows scope, aliases and superseded API versions', () => {
    expect(isClusterScoped('ClusterRoleBinding')).toBe(true);
    expect(isClusterScoped('deployment')).toBe(false);
    expect(normalizeResourceType('deploy')).toBe('deployment');
    expect(normalizeResourceType('deployments.apps')).toBe('deployment');
    expect(isSupersededApi('extensions/v1beta1', 'Deployment')).toBe(true);
    expect(isSupersededApi('autoscaling/v1', 'HorizontalPodAutoscaler')).toBe(
      false,
    );
    expect(kindInfo('v1', 'ConfigMap')).toBeDefined();
  });
});
