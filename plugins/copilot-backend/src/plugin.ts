import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  copilotSignalSourcesExtensionPoint,
  type CopilotSignalSource,
} from '@devops-copilot/backstage-plugin-copilot-node';
import {
  copilotFixStrategiesExtensionPoint,
  type CopilotFixStrategy,
} from '@devops-copilot/backstage-plugin-copilot-node';
import { createFixService } from './remediation/createFixService';
import {
  fixPlanPermissionRules,
  fixPlanResourceRef,
} from './service/permissions';
import { copilotPermissions } from '@devops-copilot/backstage-plugin-copilot-common';
import { createRouter } from './service/router';
import {
  incidentPermissionRules,
  incidentResourceRef,
} from './service/permissions';
import { applyDatabaseMigrations } from './stores/migrations';
import { IncidentStore } from './stores/IncidentStore';
import { SignalStore } from './stores/SignalStore';
import { IdempotencyStore } from './stores/IdempotencyStore';
import { InProcessBus } from './bus/InProcessBus';
import { NatsBus } from './bus/NatsBus';
import type { Bus } from './bus/Bus';
import { CatalogIndex } from './pipeline/CatalogIndex';
import { IngestService } from './pipeline/IngestService';
import { TriageStage } from './pipeline/TriageStage';
import { AlertService } from './pipeline/AlertService';
import { TemplateMiningService } from './pipeline/TemplateMiningService';
import { SloService } from './slo/SloService';
import { CumulativeToDelta } from './engine/ingest/cumulative';
import { TemplateStore } from './stores/TemplateStore';
import { RollupStore } from './stores/RollupStore';
import { AnomalyStore } from './stores/AnomalyStore';
import { DetectStage } from './pipeline/DetectStage';
import { TaskStore } from './stores/TaskStore';
import { TaskRunner } from './pipeline/TaskRunner';
import { AnalysisStore } from './stores/AnalysisStore';
import { AnalysisService } from './pipeline/AnalysisService';
import { SignalAggregator } from './engine/ingest/aggregate';
import { readCopilotConfig } from './config';
import { DocStore } from './stores/DocStore';
import { KnowledgeService } from './knowledge/KnowledgeService';
import { importCatalogRunbooks, importFolders } from './knowledge/importers';
import { indexIncidents } from './knowledge/incidents';

/**
 * The DevOps Copilot backend plugin: REST API at /api/copilot/v1, signal ingestion, detection and
 * incidents, on the backend's own database.
 *
 * @public
 */
export const copilotPlugin = createBackendPlugin({
  pluginId: 'copilot',
  register(env) {
    const sources: CopilotSignalSource[] = [];
    env.registerExtensionPoint(copilotSignalSourcesExtensionPoint, {
      addSignalSource(...added) {
        sources.push(...added);
      },
    });
    const fixStrategies: CopilotFixStrategy[] = [];
    env.registerExtensionPoint(copilotFixStrategiesExtensionPoint, {
      addFixStrategy(...added) {
        fixStrategies.push(...added);
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        urlReader: coreServices.urlReader,
        discovery: coreServices.discovery,
        auditor: coreServices.auditor,
      },
      async init(deps) {
        const { logger, database, httpRouter, scheduler, lifecycle } = deps;
        const config = readCopilotConfig(deps.config);
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyDatabaseMigrations(knex);
        }

        const incidents = IncidentStore.create({ database: knex });
        const signals = SignalStore.create({ database: knex });
        const idempotency = IdempotencyStore.create({ database: knex });
        const bus: Bus = config.bus.nats
          ? await NatsBus.connect({ ...config.bus.nats, logger })
          : new InProcessBus(logger);
        logger.info(
          config.bus.nats
            ? `Bus: NATS JetStream at ${config.bus.nats.servers.join(', ')}`
            : 'Bus: in-process',
        );
        const catalogIndex = CatalogIndex.create({
          catalog: deps.catalog,
          auth: deps.auth,
          logger,
        });
        const templateStore = TemplateStore.create({ database: knex });
        const templates = TemplateMiningService.create({
          store: templateStore,
          novelty: config.ingest.novelty,
        });
        const rollups = RollupStore.create({ database: knex });
        const ingest = IngestService.create({
          database: knex,
          templates,
          signals,
          rollups,
          catalog: catalogIndex,
          bus,
          logger,
          aggregator: new SignalAggregator({
            sampling: config.ingest.sampling,
            profiles: config.ingest.profiles,
          }),
          cumulative: new CumulativeToDelta(config.ingest.cumulative),
        });
        const triage = TriageStage.create({
          signals,
          rollups,
          incidents,
          catalog: catalogIndex,
          ingest,
          bus,
          logger,
          options: config.triage,
        });

        const anomalies = AnomalyStore.create({ database: knex });
        const detect = config.detect.enabled
          ? DetectStage.create({
              rollups,
              templates: templateStore,
              anomalies,
              bus,
              logger,
              options: {
                graceMs: config.detect.graceMs,
                checkpointEveryMs: config.detect.checkpointEveryMs,
                bootstrapMs: config.detect.bootstrapMs,
                closeAfterMinutes: config.detect.closeAfterMinutes,
                continueScore: config.detect.continueScore,
                maxSeries: config.detect.maxSeries,
                detector:
                  config.detect.alertThreshold !== undefined
                    ? { alertThreshold: config.detect.alertThreshold }
                    : {},
              },
            })
          : undefined;

        const tasks = new TaskRunner(
          TaskStore.create({ database: knex }),
          logger,
        );
        const analysisStore = AnalysisStore.create({ database: knex });
        const slo = new SloService({ catalog: catalogIndex, rollups });
        const analysis = new AnalysisService({
          analyses: analysisStore,
          incidents,
          slo,
          rollups,
          templates: templateStore,
          signals,
          anomalies,
          catalog: catalogIndex,
          tasks,
          logger,
          options: { scope: config.analysis.scope },
        });

        // Every new incident gets a root-cause analysis at once (DESIGN.md: hypotheses within seconds).
        if (config.analysis.autoOnOpen) {
          incidents.onOpened(incident => {
            analysis
              .start(incident, undefined, 'copilot')
              .catch(e =>
                logger.warn(
                  `Analysis of incident ${incident.id} failed to start: ${e}`,
                ),
              );
          });
        }

        // Knowledge (issue 6): the in-process index is built from the store here and kept in sync on
        // upload/delete; a scheduled rebuild keeps replicas in step, a scheduled import fills the store.
        const docStore = DocStore.create({ database: knex });
        const knowledge = new KnowledgeService({
          store: docStore,
          logger,
          config: config.knowledge,
        });
        await knowledge
          .rebuild()
          .catch(e =>
            logger.error(
              `Knowledge: building the index from the store failed; search starts empty: ${e}`,
            ),
          );
        if (config.knowledge.indexIncidents) {
          incidents.onOpened(incident => {
            knowledge
              .indexIncident(incident)
              .catch(e =>
                logger.warn(
                  `Knowledge: incident ${incident.id} not indexed: ${e}`,
                ),
              );
          });
          // A resolution (what fixed it, the confirmed cause) is what later responders search for.
          incidents.onUpdated(incident => {
            analysisStore
              .latest(incident.id)
              .then(latest => knowledge.indexIncident(incident, latest))
              .catch(e =>
                logger.warn(
                  `Knowledge: incident ${incident.id} not re-indexed: ${e}`,
                ),
              );
          });
        }

        deps.permissionsRegistry.addPermissions(copilotPermissions);
        deps.permissionsRegistry.addResourceType({
          resourceRef: incidentResourceRef,
          permissions: copilotPermissions.filter(
            p =>
              'resourceType' in p &&
              p.resourceType === incidentResourceRef.resourceType,
          ),
          rules: Object.values(incidentPermissionRules),
          getResources: ids => incidents.getMany(ids),
        });

        // Remediation (issue 7): fix plans, preflight, approvals, runners and the signed audit chain.
        const fix = createFixService({
          database: knex,
          rootConfig: deps.config,
          config: config.remediation,
          catalog: deps.catalog,
          auth: deps.auth,
          logger,
          incidents,
          analyses: analysisStore,
          strategies: fixStrategies,
          slo,
        });
        deps.permissionsRegistry.addResourceType({
          resourceRef: fixPlanResourceRef,
          permissions: copilotPermissions.filter(
            p =>
              'resourceType' in p &&
              p.resourceType === fixPlanResourceRef.resourceType,
          ),
          rules: Object.values(fixPlanPermissionRules),
          getResources: ids => fix.getMany(ids),
        });

        httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            logger,
            incidents,
            idempotency,
            ingest,
            templates: templateStore,
            rollups,
            anomalies,
            tasks,
            analysis: { service: analysis, store: analysisStore },
            slo,
            alerts: AlertService.create({
              incidents,
              catalog: catalogIndex,
              ingest,
              logger,
            }),
            incidentRuleset:
              deps.permissionsRegistry.getPermissionRuleset(
                incidentResourceRef,
              ),
            maxBodyBytes: config.ingest.maxBodyBytes,
            maxBatchItems: config.ingest.maxBatchItems,
            maxStreamBytes: config.ingest.maxStreamBytes,
            knowledge,
            maxDocBytes: config.knowledge.maxDocBytes,
            fix: {
              fix,
              auditor: deps.auditor,
              fixPlanRuleset:
                deps.permissionsRegistry.getPermissionRuleset(
                  fixPlanResourceRef,
                ),
            },
          }),
        );
        httpRouter.addAuthPolicy({
          path: '/v1/health',
          allow: 'unauthenticated',
        });

        // Detection follows ingestion closely (debounced), with a scheduled sweep as a safety net.
        bus.subscribe('signal.ingest', () => triage.requestRun());
        // The detect stage decides on every closed minute and on novel log signatures as they arrive.
        const unlisten = detect?.listen();
        await scheduler.scheduleTask({
          id: 'copilot-triage-sweep',
          frequency: { seconds: 30 },
          timeout: { minutes: 2 },
          scope: 'local',
          fn: async () => {
            await triage.run(Date.now());
          },
        });
        await scheduler.scheduleTask({
          id: 'copilot-retention',
          frequency: { minutes: 30 },
          timeout: { minutes: 10 },
          fn: async () => {
            const now = Date.now();
            const pruned = await signals.prune(
              now - config.signals.retentionMs,
            );
            const samples = await rollups.pruneSamples(
              now - config.ingest.sampling.retentionMs,
            );
            const aggregates = await rollups.pruneRollups(
              now - config.rollups.retentionMs,
            );
            await anomalies.prune(now - config.detect.anomalyRetentionMs);
            await idempotency.prune(now);
            if (pruned + samples + aggregates > 0)
              logger.info(
                `Retention: pruned ${pruned} signal rows, ${samples} sampled lines, ${aggregates} rollup rows`,
              );
          },
        });

        // Knowledge imports (one replica): folders, catalog runbook annotations, past incidents; then a
        // refit of the local embedder when the corpus changed enough.
        await scheduler.scheduleTask({
          id: 'copilot-knowledge-import',
          frequency: { minutes: config.knowledge.refreshMinutes },
          timeout: { minutes: 15 },
          initialDelay: { seconds: 20 },
          fn: async () => {
            const folders = await importFolders({
              folders: config.knowledge.folders,
              knowledge,
              store: docStore,
              logger,
            });
            const catalogRunbooks = config.knowledge.catalogImport
              ? await importCatalogRunbooks({
                  catalog: deps.catalog,
                  auth: deps.auth,
                  urlReader: deps.urlReader,
                  discovery: deps.discovery,
                  knowledge,
                  store: docStore,
                  logger,
                })
              : undefined;
            if (config.knowledge.indexIncidents)
              await indexIncidents({
                knowledge,
                incidents,
                analyses: analysisStore,
                logger,
              });
            await knowledge.refitIfNeeded();
            logger.info(
              `Knowledge import: folders ${JSON.stringify(
                folders,
              )}, catalog ${JSON.stringify(catalogRunbooks ?? 'off')}`,
            );
          },
        });
        // Every replica rebuilds its in-process index from the store (uploads on other replicas).
        await scheduler.scheduleTask({
          id: 'copilot-knowledge-rebuild',
          scope: 'local',
          frequency: { minutes: config.knowledge.refreshMinutes },
          timeout: { minutes: 15 },
          initialDelay: { minutes: config.knowledge.refreshMinutes },
          fn: async () => {
            await knowledge.rebuild();
          },
        });

        const abort = new AbortController();
        lifecycle.addStartupHook(async () => {
          detect?.schedule();
          for (const source of sources) {
            logger.info(`Starting signal source ${source.id}`);
            source
              .start(
                {
                  ingest: items =>
                    ingest.ingest(items, { defaultSource: source.id }),
                },
                { signal: abort.signal },
              )
              .catch(e =>
                logger.error(`Signal source ${source.id} failed: ${e}`),
              );
          }
        });
        lifecycle.addShutdownHook(async () => {
          abort.abort();
          triage.stop();
          unlisten?.();
          if (detect) {
            detect.stop();
            await detect
              .checkpoint()
              .catch(e =>
                logger.warn(`Detect: checkpoint at shutdown failed: ${e}`),
              );
          }
          await bus.close();
        });
      },
    });
  },
});
