import { screen, waitFor, fireEvent } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type {
  CopilotApi,
  Incident,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { CopilotApiError } from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { rootRouteRef } from '../routes';
import { IncidentList } from './IncidentList';
import { EntityIncidentsContent } from './EntityIncidentsContent';
import { timeAgo } from './IncidentTable';

const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 'i-1',
  title: 'Elevated 5xx rate on payments-service',
  entityRef: 'component:default/payments-service',
  status: 'open',
  severity: 'critical',
  source: 'detector',
  summary: '5xx rate 26% vs baseline 0.3%',
  affectedEntityRefs: ['component:default/checkout-service'],
  labels: {},
  openedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
  updatedAt: new Date().toISOString(),
  ...over,
});

function fakeApi(list: CopilotApi['listIncidents']): CopilotApi {
  return {
    listIncidents: jest.fn(list),
    getIncident: jest.fn(async () => incident()),
    createIncident: jest.fn(async () => incident()),
    updateIncident: jest.fn(async () => incident()),
    getSlos: jest.fn(async () => ({ items: [] })),
    listAnomalies: jest.fn(async () => ({
      items: [
        {
          id: 'a-1',
          entityRef: 'component:default/checkout-service',
          seriesKey:
            'metric:component:default/checkout-service:http_request_duration_ms:p95',
          kind: 'metric' as const,
          metric: 'http_request_duration_ms',
          status: 'open' as const,
          windowFrom: new Date(Date.now() - 3 * 60_000).toISOString(),
          windowTo: new Date().toISOString(),
          peakAt: new Date(Date.now() - 2 * 60_000).toISOString(),
          score: 0.97,
          direction: 'up' as const,
          detectors: [],
          seasonality: [],
          summary:
            'p95 http_request_duration_ms 840 ms vs expected 120-180 ms, 6.2 robust sigmas',
          createdAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
        },
      ],
    })),
    getDetectionStatus: jest.fn(async () => ({
      series: 6,
      warm: 4,
      cold: 2,
      maxWarmupRemaining: 45,
    })),
    analyzeIncident: jest.fn(async () => ({ taskId: 't', task: {} as any })),
    getTask: jest.fn(async () => ({} as any)),
    listEvidence: jest.fn(async () => ({ items: [] })),
  };
}

const routes = {
  '/copilot': rootRouteRef,
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

describe('IncidentList', () => {
  it('lists incidents with their entity, status and severity as text', async () => {
    const api = fakeApi(async () => ({
      items: [
        incident(),
        incident({
          id: 'i-2',
          title: 'Checkout slow',
          severity: 'medium',
          status: 'acknowledged',
        }),
      ],
    }));
    await renderInTestApp(
      <IncidentList title="All incidents" refreshMs={60_000} />,
      {
        apis: [[copilotApiRef, api]],
        mountedRoutes: routes,
      },
    );
    const rows = await screen.findAllByTestId('copilot-incident-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('Elevated 5xx rate on payments-service');
    expect(rows[0]).toHaveTextContent('critical');
    expect(rows[0]).toHaveTextContent('5 min ago');
    expect(rows[1]).toHaveTextContent('acknowledged');
    expect(
      screen.getByRole('link', {
        name: 'Elevated 5xx rate on payments-service',
      }),
    ).toHaveAttribute('href', '/copilot/incidents/i-1');
    expect(api.listIncidents).toHaveBeenCalledWith({
      entityRef: undefined,
      status: undefined,
      limit: 25,
      cursor: undefined,
    });
  });

  it('filters by status', async () => {
    const api = fakeApi(async () => ({ items: [incident()] }));
    await renderInTestApp(
      <IncidentList title="All incidents" refreshMs={60_000} />,
      { apis: [[copilotApiRef, api]], mountedRoutes: routes },
    );
    await screen.findAllByTestId('copilot-incident-row');
    fireEvent.change(screen.getByLabelText('Filter incidents by status'), {
      target: { value: 'resolved' },
    });
    await waitFor(() =>
      expect(api.listIncidents).toHaveBeenLastCalledWith(
        expect.objectContaining({ status: 'resolved' }),
      ),
    );
  });

  it('says so when there are no incidents', async () => {
    const api = fakeApi(async () => ({ items: [] }));
    await renderInTestApp(
      <IncidentList title="All incidents" refreshMs={60_000} />,
      { apis: [[copilotApiRef, api]], mountedRoutes: routes },
    );
    expect(await screen.findByText('No incidents')).toBeInTheDocument();
  });

  it('shows the problem detail when the API fails', async () => {
    const api = fakeApi(async () => {
      throw new CopilotApiError(
        403,
        'You are not allowed to read incidents (copilot.incident.read)',
      );
    });
    await renderInTestApp(
      <IncidentList title="All incidents" refreshMs={60_000} />,
      { apis: [[copilotApiRef, api]], mountedRoutes: routes },
    );
    expect(
      (await screen.findAllByText(/not allowed to read incidents/)).length,
    ).toBeGreaterThan(0);
    expect(screen.queryAllByTestId('copilot-incident-row')).toHaveLength(0);
  });

  it('pages with Load more', async () => {
    const api = fakeApi(async ({ cursor } = {}) =>
      cursor
        ? { items: [incident({ id: 'i-3', title: 'Older one' })] }
        : { items: [incident()], nextCursor: 'c1' },
    );
    await renderInTestApp(
      <IncidentList title="All incidents" refreshMs={60_000} />,
      { apis: [[copilotApiRef, api]], mountedRoutes: routes },
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('Older one')).toBeInTheDocument();
    expect(screen.getAllByTestId('copilot-incident-row')).toHaveLength(2);
  });
});

describe('EntityIncidentsContent', () => {
  it("asks for the current entity's incidents", async () => {
    const api = fakeApi(async () => ({ items: [incident()] }));
    await renderInTestApp(
      <EntityProvider
        entity={{
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: 'checkout-service', namespace: 'default' },
        }}
      >
        <EntityIncidentsContent refreshMs={60_000} />
      </EntityProvider>,
      { apis: [[copilotApiRef, api]], mountedRoutes: routes },
    );
    expect(
      await screen.findByRole('heading', { name: 'Incidents' }),
    ).toBeInTheDocument();
    await screen.findAllByTestId('copilot-incident-row');
    expect(
      await screen.findByText(/840 ms vs expected 120-180 ms/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Detection warming up: 2 of 6 series/),
    ).toBeInTheDocument();
    expect(api.listAnomalies).toHaveBeenCalledWith(
      expect.objectContaining({
        entityRef: 'component:default/checkout-service',
      }),
    );
    expect(api.listIncidents).toHaveBeenCalledWith(
      expect.objectContaining({
        entityRef: 'component:default/checkout-service',
      }),
    );
  });
});

describe('timeAgo', () => {
  it('reads naturally', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(timeAgo('2026-03-01T11:59:30Z', now)).toBe('30 s ago');
    expect(timeAgo('2026-03-01T11:00:00Z', now)).toBe('1 h ago');
    expect(timeAgo('2026-02-27T12:00:00Z', now)).toBe('2 d ago');
  });
});
