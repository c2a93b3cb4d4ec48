import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { copilotApiRef, type CopilotFrontendApi } from '../api';
import { rootRouteRef } from '../routes';
import { CopilotPage } from './CopilotPage';

describe('CopilotPage', () => {
  it('shows the knowledge section at /copilot/knowledge and links to it', async () => {
    const api: Partial<CopilotFrontendApi> = {
      listDocs: jest.fn(async () => ({ items: [] })),
      listIncidents: jest.fn(async () => ({ items: [] })),
    };
    await renderInTestApp(<CopilotPage />, {
      apis: [[copilotApiRef, api]],
      mountPath: '/copilot/*',
      initialRouteEntries: ['/copilot/knowledge'],
      mountedRoutes: { '/copilot': rootRouteRef },
    });
    expect(
      await screen.findByRole('heading', { name: 'Knowledge' }),
    ).toBeInTheDocument();
    expect(await screen.findByText(/No documents yet/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Knowledge' })).toHaveAttribute(
      'href',
      '/copilot/knowledge',
    );
    expect(api.listIncidents).not.toHaveBeenCalled();
  });
});
