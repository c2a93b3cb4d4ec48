import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type {
  CopilotApi,
  SloReport,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { EntityReliabilityContent } from './EntityReliabilityContent';
import { entityReliabilityContent } from '../plugin';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';

const base = {
  entityRef: 'component:default/checkout',
  windowFrom: '2026-11-01T00:00:00.000Z',
  windowTo: '2026-12-01T00:00:00.000Z',
};
const reports: SloReport[] = [
  {
    ...base,
    name: 'availability',
    type: 'ratio',
    objective: 0.999,
    window: '30d',
    source: 'metric:http_5xx_rate x http_requests_total',
    good: 99950.4,
    total: 100000,
    sli: 0.9995,
    minutesWithData: 600,
    errorBudgetRemaining: 0.5,
    burnRate1h: 20,
  },
  {
    ...base,
    name: 'latency_p95_ms',
    type: 'threshold',
    comparator: '<',
    threshold: 300,
    objective: 0.99,
    window: '7d',
    good: 9000,
    total: 10080,
    sli: 9000 / 10080,
    errorBudgetRemaining: -9.7,
  },
  {
    ...base,
    name: 'throughput',
    type: 'ratio',
    objective: 0.99,
    window: '1d',
    missing: "no data for throughput: no metric 'throughput'",
  },
];

describe('EntityReliabilityContent', () => {
  it('shows each SLO with its SLI, error budget and burn rate', async () => {
    const api = {
      getSlos: jest.fn(async () => ({ items: reports })),
    } as unknown as CopilotApi;
    await renderInTestApp(
      <EntityProvider
        entity={{
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: 'checkout',
            namespace: 'default',
            annotations: { 'copilot.dev/slo': 'availability: 99.9% over 30d' },
          },
        }}
      >
        <EntityReliabilityContent refreshMs={60_000} />
      </EntityProvider>,
      { apis: [[copilotApiRef, api]] },
    );
    const cards = await screen.findAllByTestId('copilot-slo');
    expect(api.getSlos).toHaveBeenCalledWith('component:default/checkout');
    expect(cards).toHaveLength(3);
    expect(cards[0]).toHaveTextContent(/99\.90% good over 30d/);
    expect(cards[0]).toHaveTextContent(
      /SLI 99\.950% \(99,950 good of 100,000\) · 10\.0 hours of data in the 30d window/,
    );
    expect(cards[0]).toHaveTextContent(/50% of the error budget left/);
    expect(cards[0]).toHaveTextContent(/20\.0x: page now/);
    expect(cards[1]).toHaveTextContent(
      /latency_p95_ms < 300 in 99\.0% of minutes over 7d/,
    );
    expect(cards[1]).toHaveTextContent(/error budget overspent by 970%/);
    expect(cards[2]).toHaveTextContent(/no data for throughput/);
  });

  it('is a tab only on entities that declare SLOs', () => {
    const tester = createExtensionTester(entityReliabilityContent);
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    const entity = (annotations?: Record<string, string>) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'checkout', ...(annotations ? { annotations } : {}) },
    });
    expect(
      filter(entity({ 'copilot.dev/slo': 'availability: 99.9% over 30d' })),
    ).toBe(true);
    expect(filter(entity())).toBe(false);
    expect(filter(entity({ 'copilot.dev/runbook': 'techdocs:' }))).toBe(false);
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Reliability',
    );
  });
});
