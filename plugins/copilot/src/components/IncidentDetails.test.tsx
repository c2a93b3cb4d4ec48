import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import type { Incident } from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef, type CopilotFrontendApi } from '../api';
import { rootRouteRef } from '../routes';
import { IncidentDetails } from './IncidentDetails';
import { testIncident } from './__fixtures__/incidents';

const incident: Incident = testIncident({ id: 'i-7' });

describe('IncidentDetails', () => {
  it('shows the runbooks and fix plans cards of the incident below its causes', async () => {
    const api: Partial<CopilotFrontendApi> = {
      getIncident: jest.fn(async () => incident),
      searchKnowledge: jest.fn(async () => ({
        query: 'checkout',
        confidence: { value: 0, confident: false },
        items: [],
      })),
      listFixPlans: jest.fn(async () => ({ items: [] })),
    };
    await renderInTestApp(<IncidentDetails />, {
      apis: [[copilotApiRef, api]],
      mountPath: '/copilot/incidents/:id',
      initialRouteEntries: ['/copilot/incidents/i-7'],
      mountedRoutes: {
        '/copilot': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    });
    expect(
      await screen.findByRole('heading', { name: 'Runbooks & past incidents' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Fix plans' }),
    ).toBeInTheDocument();
    expect(await screen.findByText(/No fix plan yet/)).toBeInTheDocument();
    expect(api.getIncident).toHaveBeenCalledWith('i-7');
    expect(api.searchKnowledge).toHaveBeenCalledWith({
      incidentId: 'i-7',
      k: 5,
    });
    expect(api.listFixPlans).toHaveBeenCalledWith('i-7');
  });
});
