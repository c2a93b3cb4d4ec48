import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';

export const copilotModuleSimulator = createBackendModule({
  pluginId: 'copilot',
  moduleId: 'simulator',
  register(reg) {
    reg.registerInit({
      deps: { logger: coreServices.logger },
      async init({ logger }) {
        logger.info('simulator module loaded');
      },
    });
  },
});
