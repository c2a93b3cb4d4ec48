import {
  coreServices,
  createBackendModule,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import { CopilotIncidentCollatorFactory } from './CopilotIncidentCollatorFactory';
import { CopilotKnowledgeCollatorFactory } from './CopilotKnowledgeCollatorFactory';

/**
 * Search module of the DevOps Copilot: indexes incidents, runbooks, postmortems and ADRs into the portal's search.
 *
 * @public
 */
export const searchModuleCopilot = createBackendModule({
  pluginId: 'search',
  moduleId: 'copilot-collator',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        indexRegistry: searchIndexRegistryExtensionPoint,
      },
      async init({
        config,
        discovery,
        auth,
        logger,
        scheduler,
        indexRegistry,
      }) {
        const schedule = config.has('search.collators.copilot.schedule')
          ? config.getConfig('search.collators.copilot.schedule')
          : undefined;
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner(
            schedule
              ? readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule)
              : {
                  frequency: { minutes: 10 },
                  timeout: { minutes: 5 },
                  initialDelay: { seconds: 30 },
                },
          ),
          factory: CopilotIncidentCollatorFactory.fromConfig(config, {
            discovery,
            auth,
            logger,
          }),
        });
        const knowledgeSchedule = config.has(
          'search.collators.copilotKnowledge.schedule',
        )
          ? config.getConfig('search.collators.copilotKnowledge.schedule')
          : undefined;
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner(
            knowledgeSchedule
              ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
                  knowledgeSchedule,
                )
              : {
                  frequency: { minutes: 30 },
                  timeout: { minutes: 10 },
                  initialDelay: { minutes: 1 },
                },
          ),
          factory: CopilotKnowledgeCollatorFactory.fromConfig(config, {
            discovery,
            auth,
            logger,
          }),
        });
      },
    });
  },
});
