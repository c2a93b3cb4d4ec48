import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createCopilotIncidentAction } from './actions/createIncident';

/**
 * Scaffolder actions of the DevOps Copilot.
 *
 * @public
 */
export const scaffolderModuleCopilot = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'copilot',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, discovery, auth }) {
        scaffolder.addActions(createCopilotIncidentAction({ discovery, auth }));
      },
    });
  },
});
