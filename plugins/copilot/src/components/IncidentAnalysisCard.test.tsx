import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import type {
  CopilotApi,
  Incident,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { rootRouteRef } from '../routes';
import { IncidentAnalysisCard } from './IncidentAnalysisCard';

const now = new Date().toISOString();

const incident: Incident = {
  id: 'i-1',
  title: 'checkout is failing',
  entityRef: 'component:default/checkout',
  status: 'open',
  severity: 'high',
  source: 'alertmanager',
  affectedEntityRefs: [],
  labels: {},
  openedAt: now,
  updatedAt: now,
  analysis: {
    id: 'a-1',
    incidentId: 'i-1',
    windowFrom: now,
    windowTo: now,
    abstained: false,
    unexplained: 0.05,
    durationMs: 40,
    createdAt: now,
    hypotheses: [
      {
        id: 'h-1',
        rank: 1,
        kind: 'config_change',
        entityRef: 'resource:default/orders-db',
        statement:
          'A config change of orders-db (max_connections 200 -> 100) 2 min before its latency rose.',
        confidence: 0.82,
        supportEvidenceIds: ['e-1', 'e-2'],
        counterEvidenceIds: [],
        createdAt: now,
      },
    ],
    blastRadius: {
      rootEntityRef: 'resource:default/orders-db',
      impacted: [
        {
          entityRef: 'component:default/payments',
          depth: 1,
          anomalous: true,
        },
      ],
      owners: ['group:default/team-db'],
      slosAtRisk: [
        {
          entityRef: 'component:default/checkout',
          name: 'availability',
          objective: 0.999,
          errorBudgetRemaining: -0.42,
        },
        {
          entityRef: 'component:default/payments',
          name: 'latency_p95_ms',
          objective: 0.99,
          errorBudgetRemaining: 0.3,
        },
      ],
      risk: {
        level: 'high',
        score: 0.8,
        reason: '2 of 2 dependents anomalous',
      },
    },
  },
};

describe('IncidentAnalysisCard', () => {
  it('shows the ranked causes and the blast radius, and analyses again on demand', async () => {
    const api = {
      analyzeIncident: jest.fn(async () => ({
        taskId: 't-1',
        task: {} as any,
      })),
      getTask: jest.fn(async () => ({
        id: 't-1',
        kind: 'incident.analyze',
        status: 'succeeded' as const,
        progress: 1,
        createdAt: now,
        updatedAt: now,
      })),
    } as unknown as CopilotApi;
    const onAnalysed = jest.fn();
    await renderInTestApp(
      <IncidentAnalysisCard
        incident={incident}
        onAnalysed={onAnalysed}
        pollMs={1}
      />,
      {
        apis: [[copilotApiRef, api]],
        mountedRoutes: {
          '/copilot': rootRouteRef,
          '/catalog/:namespace/:kind/:name': entityRouteRef,
        },
      },
    );
    expect(screen.getAllByTestId('copilot-hypothesis')).toHaveLength(1);
    expect(screen.getByText(/max_connections 200 -> 100/)).toBeInTheDocument();
    expect(screen.getByText(/82/)).toBeInTheDocument();
    expect(screen.getByText(/Blast radius: high risk/)).toBeInTheDocument();
    expect(screen.getByText(/group:default\/team-db/)).toBeInTheDocument();
    const slos = screen.getAllByTestId('copilot-slo-at-risk');
    expect(slos[0]).toHaveTextContent(
      /availability \(99\.90%\): error budget overspent by 42%/,
    );
    expect(slos[1]).toHaveTextContent(/30% of the error budget left/);
    fireEvent.click(screen.getByRole('button', { name: 'Analyse again' }));
    await waitFor(() => expect(onAnalysed).toHaveBeenCalled());
    expect(api.analyzeIncident).toHaveBeenCalledWith('i-1');
  });
});
