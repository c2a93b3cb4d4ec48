import { buildEntityIndex, resolveEntity } from './resolve';

const index = buildEntityIndex([
  {
    ref: 'component:default/checkout-service',
    kind: 'Component',
    name: 'checkout-service',
    annotations: { 'copilot.dev/selector': 'app=checkout,namespace=shop' },
  },
  {
    ref: 'component:default/payments-service',
    kind: 'Component',
    name: 'payments-service',
    annotations: { 'backstage.io/kubernetes-id': 'payments' },
  },
  {
    ref: 'api:default/payments-service',
    kind: 'API',
    name: 'payments-service',
    annotations: {},
  },
  {
    ref: 'resource:default/orders-db',
    kind: 'Resource',
    name: 'orders-db',
    annotations: {},
  },
]);

describe('resolveEntity', () => {
  it('prefers an explicit entity ref that exists', () => {
    expect(
      resolveEntity(
        { entity: 'Resource:default/orders-db', service: 'checkout-service' },
        index,
      ),
    ).toBe('resource:default/orders-db');
  });
  it('matches copilot.dev/selector annotations', () => {
    expect(resolveEntity({ app: 'checkout', namespace: 'shop' }, index)).toBe(
      'component:default/checkout-service',
    );
    expect(
      resolveEntity({ app: 'checkout', namespace: 'other' }, index),
    ).toBeUndefined();
  });
  it('matches the kubernetes id, then names, preferring components over APIs', () => {
    expect(resolveEntity({ 'k8s.deployment.name': 'payments' }, index)).toBe(
      'component:default/payments-service',
    );
    expect(resolveEntity({ service: 'Payments-Service' }, index)).toBe(
      'component:default/payments-service',
    );
  });
  it('leaves unknown services unresolved', () => {
    expect(resolveEntity({ service: 'ghost' }, index)).toBeUndefined();
    expect(resolveEntity({}, index)).toBeUndefined();
  });
});
