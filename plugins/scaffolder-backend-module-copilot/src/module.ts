import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createCopilotIncidentAction } from './actions/createIncident';
import { createCopilotFixRenderAction } from './actions/renderFix';
import { createCopilotFixPreflightAction } from './actions/preflightFix';
import { createCopilotFixRecordAction } from './actions/recordFix';

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
        scaffolder.addActions(
          createCopilotIncidentAction({ discovery, auth }),
          createCopilotFixRenderAction({ discovery, auth }),
          createCopilotFixPreflightAction({ discovery, auth }),
          createCopilotFixRecordAction({ discovery, auth }),
        );
      },
    });
  },
});
