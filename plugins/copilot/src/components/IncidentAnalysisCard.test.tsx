import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import type { CopilotApi } from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { rootRouteRef } from '../routes';
import { IncidentAnalysisCard } from './IncidentAnalysisCard';
import { analysedIncident } from './__fixtures__/incidents';

const now = new Date().toISOString();

const incident = analysedIncident;

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
