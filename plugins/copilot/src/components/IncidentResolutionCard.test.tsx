import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  CopilotApiError,
  type CopilotApi,
  type Incident,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { rootRouteRef } from '../routes';
import { IncidentResolutionCard } from './IncidentResolutionCard';
import { testIncident } from './__fixtures__/incidents';

const now = new Date().toISOString();

const incident: Incident = {
  ...testIncident(),
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
          'A config change of orders-db 2 min before its latency rose.',
        confidence: 0.82,
        supportEvidenceIds: ['e-1'],
        counterEvidenceIds: [],
        createdAt: now,
      },
      {
        id: 'h-2',
        rank: 2,
        kind: 'bad_deploy',
        entityRef: 'component:default/payments',
        statement: 'The deploy of payments v2.',
        confidence: 0.1,
        supportEvidenceIds: ['e-2'],
        counterEvidenceIds: [],
        createdAt: now,
      },
    ],
  },
};

const routes = {
  mountedRoutes: {
    '/copilot': rootRouteRef,
    '/catalog/:namespace/:kind/:name': entityRouteRef,
  },
};

describe('IncidentResolutionCard', () => {
  it('resolves with what fixed it and the confirmed hypothesis', async () => {
    const resolved: Incident = {
      ...incident,
      status: 'resolved',
      resolvedAt: now,
      resolution: {
        summary: 'Reverted max_connections.',
        rootCause: {
          entityRef: 'resource:default/orders-db',
          kind: 'config_change',
          hypothesisId: 'h-1',
        },
        by: 'user:default/alice',
        at: now,
      },
    };
    const api = {
      updateIncident: jest.fn(async () => resolved),
    } as unknown as CopilotApi;
    const onChanged = jest.fn();
    await renderInTestApp(
      <IncidentResolutionCard incident={incident} onChanged={onChanged} />,
      { apis: [[copilotApiRef, api]], ...routes },
    );
    expect(screen.getByText('Nothing recorded yet')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('What fixed it'), {
      target: { value: 'Reverted max_connections.' },
    });
    fireEvent.click(
      screen.getByLabelText(
        'config change at resource:default/orders-db (82%)',
      ),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Resolve' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledWith(resolved));
    expect(api.updateIncident).toHaveBeenCalledWith('i-1', {
      status: 'resolved',
      resolution: { summary: 'Reverted max_connections.', hypothesisId: 'h-1' },
    });
  });

  it('shows a recorded resolution, reopens, and reports a refusal', async () => {
    const api = {
      updateIncident: jest.fn(async () => {
        throw new CopilotApiError(403, 'Forbidden', {
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
          detail:
            "You are not allowed to change incident 'i-1' (copilot.incident.update)",
        });
      }),
    } as unknown as CopilotApi;
    await renderInTestApp(
      <IncidentResolutionCard
        incident={{
          ...incident,
          status: 'resolved',
          resolution: {
            rootCause: {
              entityRef: 'resource:default/orders-db',
              kind: 'config_change',
              hypothesisId: 'h-1',
            },
            by: 'user:default/alice',
            at: now,
          },
        }}
        onChanged={jest.fn()}
      />,
      { apis: [[copilotApiRef, api]], ...routes },
    );
    expect(screen.getByTestId('copilot-confirmed-cause')).toHaveTextContent(
      /Confirmed root cause: config change at/,
    );
    expect(screen.getByText(/by user:default\/alice/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Resolve' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Reopen' }));
    await waitFor(() =>
      expect(screen.getByText(/copilot\.incident\.update/)).toBeInTheDocument(),
    );
    expect(api.updateIncident).toHaveBeenCalledWith('i-1', { status: 'open' });
  });
});
