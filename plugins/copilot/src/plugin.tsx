import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { rootRouteRef } from './routes';
import { copilotApi } from './api';

/** A pulse line in a circle: the sidebar icon of the copilot page. */
function CopilotIcon() {
  return (
    <svg
      viewBox="0 0 24 24"
      width="1em"
      height="1em"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden="true"
    >
      <circle cx="12" cy="12" r="9" />
      <path d="M5 12h3l2-4 3 8 2-4h4" />
    </svg>
  );
}

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

/** The entity page's Reliability tab, on entities that declare SLOs (`copilot.dev/slo`). */
export const entityReliabilityContent = EntityContentBlueprint.make({
  name: 'reliability',
  params: {
    path: 'reliability',
    title: 'Reliability',
    filter: entity => Boolean(entity.metadata.annotations?.['copilot.dev/slo']),
    loader: () =>
      import('./components/EntityReliabilityContent').then(m => (
        <m.EntityReliabilityContent />
      )),
  },
});

/**
 * The DevOps Copilot frontend plugin.
 * @public
 */
export const copilotPlugin = createFrontendPlugin({
  pluginId: 'copilot',
  title: 'Copilot',
  icon: <CopilotIcon />,
  info: { packageJson: () => import('../package.json') },
  extensions: [
    copilotApi,
    copilotPage,
    entityIncidentsContent,
    entityReliabilityContent,
  ],
  routes: { root: rootRouteRef },
});
