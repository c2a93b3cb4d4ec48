import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { rootRouteRef } from './routes';
import { copilotApi } from './api';

/** The /copilot page, listed in the sidebar as "Copilot". */
export const copilotPage = PageBlueprint.make({
  params: {
    path: '/copilot',
    title: 'Copilot',
    routeRef: rootRouteRef,
    noHeader: true,
    loader: () =>
      import('./components/CopilotPage').then(m => <m.CopilotPage />),
  },
});

/** The Incidents tab of component, system, resource and API pages. */
export const entityIncidentsContent = EntityContentBlueprint.make({
  name: 'incidents',
  params: {
    path: 'incidents',
    title: 'Incidents',
    filter: entity =>
      ['component', 'system', 'resource', 'api'].includes(
        entity.kind.toLocaleLowerCase('en-US'),
      ),
    loader: () =>
      import('./components/EntityIncidentsContent').then(m => (
        <m.EntityIncidentsContent />
      )),
  },
});

/**
 * The DevOps Copilot frontend plugin.
 * @public
 */
export const copilotPlugin = createFrontendPlugin({
  pluginId: 'copilot',
  info: { packageJson: () => import('../package.json') },
  extensions: [copilotApi, copilotPage, entityIncidentsContent],
  routes: { root: rootRouteRef },
});
