import type { Knex } from 'knex';
import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { CopilotFixStrategy } from '@devops-copilot/backstage-plugin-copilot-node';
import type { FixRunner } from '@devops-copilot/backstage-plugin-copilot-common';
import type { IncidentStore } from '../stores/IncidentStore';
import type { AnalysisStore } from '../stores/AnalysisStore';
import { FixPlanStore } from '../stores/FixPlanStore';
import { ApprovalStore } from '../stores/ApprovalStore';
import { ExecutionStore } from '../stores/ExecutionStore';
import { AuditStore } from '../stores/AuditStore';
import type { RemediationConfig } from './config';
import { FixEntityResolver } from './entities';
import { FixService, policyFromConfig } from './FixService';
import { KubernetesClusters } from './kubernetes';
import { SigningKey } from './keys';
import {
  AgentRunner,
  DryRunRunner,
  GitOpsRunner,
  type FixRunnerImpl,
} from './runners';
import { createStrategyRegistry } from './strategies';
import type { SloService } from '../slo/SloService';

/** Builds the remediation service and its stores from config (wired in plugin.ts). */
export function createFixService(options: {
  database: Knex;
  rootConfig: Config;
  config: RemediationConfig;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  incidents: IncidentStore;
  analyses?: AnalysisStore;
  strategies: readonly CopilotFixStrategy[];
  /** Computes error budgets from the entity's SLOs when it carries no budget annotation. */
  slo?: SloService;
  now?: () => number;
}): FixService {
  const { database, config, logger } = options;
  const key = SigningKey.load(config.signingKey, logger);
  const runners: Partial<Record<FixRunner, FixRunnerImpl>> = {
    dryrun: new DryRunRunner(),
    agent: new AgentRunner(config.agent),
  };
  if (config.gitops)
    runners.gitops = new GitOpsRunner(config.gitops, options.rootConfig);
  const policy = policyFromConfig(config);
  const kubernetes = config.kubernetes
    ? KubernetesClusters.fromConfig(config.kubernetes)
    : undefined;
  logger.info(
    `Remediation: ${policy.name} policies${
      config.opa ? ` at ${config.opa.url}/v1/data/${config.opa.path}` : ''
    }, runners ${Object.keys(runners).join(', ')}, signing key ${key.keyId}${
      config.kubernetes
        ? `, server-side dry run with kubeconfig context ${[
            config.kubernetes.context,
            ...Object.entries(config.kubernetes.contexts).map(
              ([env, ctx]) => `${ctx} (${env})`,
            ),
          ]
            .filter(Boolean)
            .join(', ')}`
        : ''
    }`,
  );
  return new FixService({
    incidents: options.incidents,
    analyses: options.analyses,
    plans: FixPlanStore.create({ database }),
    approvals: ApprovalStore.create({ database }),
    executions: ExecutionStore.create({ database }),
    audit: AuditStore.create({ database }),
    entities: new FixEntityResolver(
      options.catalog,
      options.auth,
      config,
      options.slo,
    ),
    registry: createStrategyRegistry(options.strategies),
    policy,
    config,
    key,
    runners,
    logger,
    now: options.now,
    kubernetes,
  });
}
