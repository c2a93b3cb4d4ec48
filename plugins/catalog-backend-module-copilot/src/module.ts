import { createBackendModule } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { CopilotAnnotationsProcessor } from './CopilotAnnotationsProcessor';

/**
 * Adds the copilot annotations processor to the catalog.
 *
 * @public
 */
export const catalogModuleCopilot = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'copilot',
  register(reg) {
    reg.registerInit({
      deps: { catalog: catalogProcessingExtensionPoint },
      async init({ catalog }) {
        catalog.addProcessor(new CopilotAnnotationsProcessor());
      },
    });
  },
});
