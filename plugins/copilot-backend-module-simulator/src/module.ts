import { resolve } from 'node:path';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { copilotSignalSourcesExtensionPoint } from '@devops-copilot/backstage-plugin-copilot-node';
import { SimulatorSource, readSimulatorConfig } from './SimulatorSource';

/**
 * Streams simulated signals of the demo shop into the copilot when `copilot.simulator.enabled` is true.
 *
 * @public
 */
export const copilotModuleSimulator = createBackendModule({
  pluginId: 'copilot',
  moduleId: 'simulator',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        sources: copilotSignalSourcesExtensionPoint,
      },
      async init({ config, logger, sources }) {
        const settings = readSimulatorConfig(config);
        if (!settings.enabled) {
          logger.info(
            'Signal simulator disabled (copilot.simulator.enabled is not true)',
          );
          return;
        }
        sources.addSignalSource(
          SimulatorSource.create({
            ...settings,
            catalogPath: resolve(settings.catalogPath),
            logger,
          }),
        );
      },
    });
  },
});
