import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ConfigReader } from '@backstage/config';
import type { SloReport } from '@devops-copilot/backstage-plugin-copilot-common';
import type { SloService } from '../slo/SloService';
import { readRemediationConfig } from './config';
import { FixEntityResolver } from './entities';

const entity = (name: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

const report = (name: string, budget?: number): SloReport => ({
  entityRef: 'component:default/checkout',
  name,
  type: 'ratio',
  objective: 0.999,
  window: '30d',
  windowFrom: '2026-11-01T00:00:00.000Z',
  windowTo: '2026-12-01T00:00:00.000Z',
  ...(budget !== undefined ? { errorBudgetRemaining: budget } : {}),
});

describe('FixEntityResolver error budget', () => {
  const config = readRemediationConfig(new ConfigReader({}));
  const catalog = catalogServiceMock({
    entities: [
      entity('checkout', { 'copilot.dev/slo': 'availability: 99.9% over 30d' }),
      entity('payments', { 'copilot.dev/error-budget-remaining': '0.7' }),
      entity('search'),
    ],
  });
  const slo = {
    reports: jest.fn(async (refs: string[]) =>
      refs[0] === 'component:default/checkout'
        ? [report('availability', 0.4), report('latency', -0.2), report('x')]
        : [],
    ),
  } as unknown as SloService;
  const resolver = new FixEntityResolver(
    catalog,
    mockServices.auth(),
    config,
    slo,
  );

  it('takes the least budget left among the SLOs the entity declares', async () => {
    expect(
      (await resolver.resolve('component:default/checkout'))
        .errorBudgetRemaining,
    ).toBe(-0.2);
  });

  it('prefers the annotation, and has none without SLO data', async () => {
    expect(
      (await resolver.resolve('component:default/payments'))
        .errorBudgetRemaining,
    ).toBe(0.7);
    expect(
      (await resolver.resolve('component:default/search')).errorBudgetRemaining,
    ).toBeNull();
    expect((await resolver.resolve('component:default/missing')).found).toBe(
      false,
    );
  });
});
