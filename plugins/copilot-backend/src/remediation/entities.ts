import type { AuthService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { Entity } from '@backstage/catalog-model';
import type { PlanEntity } from '../engine/remediate';
import type { RemediationConfig, RemediationEnvironment } from './config';
import type { SloService } from '../slo/SloService';

/** Catalog annotations the fix planner reads (all optional). */
export const FIX_ANNOTATIONS = {
  environment: 'copilot.dev/environment',
  /** `Deployment/<namespace>/<name>` (kind StatefulSet or DaemonSet too). */
  workload: 'copilot.dev/workload',
  container: 'copilot.dev/container',
  replicas: 'copilot.dev/replicas',
  /** `<release>` with `copilot.dev/helm-chart`. */
  helmRelease: 'copilot.dev/helm-release',
  helmChart: 'copilot.dev/helm-chart',
  /** `<module>@<source>`. */
  terraform: 'copilot.dev/terraform-module',
  ansibleHosts: 'copilot.dev/ansible-hosts',
  /** `postgresql:<name>` or `mysql:<name>`. */
  database: 'copilot.dev/database',
  runtime: 'copilot.dev/runtime',
  configMap: 'copilot.dev/configmap',
  /** Share of the SLO error budget left, in [0, 1] (written by the SLO module when it knows). */
  errorBudget: 'copilot.dev/error-budget-remaining',
  kubernetesId: 'backstage.io/kubernetes-id',
  kubernetesNamespace: 'backstage.io/kubernetes-namespace',
} as const;

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface ResolvedEntity {
  entity: PlanEntity;
  owners: string[];
  errorBudgetRemaining: number | null;
}

/** The environment of an entity: its annotation, then config, then its lifecycle, then the default. */
export function environmentOf(
  ref: string,
  annotations: Record<string, string>,
  lifecycle: string | undefined,
  config: RemediationConfig,
): RemediationEnvironment {
  const a = annotations[FIX_ANNOTATIONS.environment]?.toLowerCase();
  if (a === 'production' || a === 'staging' || a === 'development') return a;
  if (a === 'prod') return 'production';
  if (a === 'dev') return 'development';
  const c = config.environments[ref.toLocaleLowerCase('en-US')];
  if (c) return c;
  if (lifecycle === 'production') return 'production';
  if (lifecycle === 'experimental' || lifecycle === 'development')
    return 'development';
  return config.defaultEnvironment;
}

/** What the catalog says about `ref`, as the planner's PlanEntity; values that are not names are dropped. */
export function toPlanEntity(
  ref: string,
  e: Entity | undefined,
  config: RemediationConfig,
): ResolvedEntity {
  const ann = (e?.metadata.annotations ?? {}) as Record<string, string>;
  const spec = (e?.spec ?? {}) as Record<string, unknown>;
  const lifecycle =
    typeof spec.lifecycle === 'string' ? spec.lifecycle : undefined;
  const environment = environmentOf(ref, ann, lifecycle, config);
  const entity: PlanEntity = { ref, environment, annotations: ann };
  const name = (v: string | undefined) => (v && NAME.test(v) ? v : undefined);

  const wl = ann[FIX_ANNOTATIONS.workload]?.split('/');
  const kind =
    wl?.length === 3 &&
    ['Deployment', 'StatefulSet', 'DaemonSet'].includes(wl[0])
      ? (wl[0] as 'Deployment')
      : 'Deployment';
  const wlName = name(
    wl?.length === 3 ? wl[2] : ann[FIX_ANNOTATIONS.kubernetesId],
  );
  const wlNs = name(
    wl?.length === 3 ? wl[1] : ann[FIX_ANNOTATIONS.kubernetesNamespace],
  );
  if (wlName) {
    const replicas = Number(ann[FIX_ANNOTATIONS.replicas]);
    entity.workload = {
      kind,
      name: wlName,
      namespace: wlNs ?? 'default',
      container: name(ann[FIX_ANNOTATIONS.container]) ?? wlName,
      ...(Number.isInteger(replicas) && replicas > 0 ? { replicas } : {}),
    };
  }
  const release = name(ann[FIX_ANNOTATIONS.helmRelease]);
  const chart = ann[FIX_ANNOTATIONS.helmChart];
  if (release && chart && /^[\w./:@-]+$/.test(chart))
    entity.helm = {
      release,
      chart,
      ...(wlNs ? { namespace: wlNs } : {}),
    };
  const tf = ann[FIX_ANNOTATIONS.terraform];
  const tfm = tf ? /^([A-Za-z_][\w-]*)@([\w./:@-]+)$/.exec(tf) : null;
  if (tfm) entity.terraform = { module: tfm[1], source: tfm[2] };
  const hosts = ann[FIX_ANNOTATIONS.ansibleHosts];
  if (hosts && /^[\w.-]+$/.test(hosts))
    entity.ansible = {
      hosts,
      service: wlName ?? e?.metadata.name ?? 'service',
    };
  const db = /^(postgresql|mysql):([A-Za-z_][\w]*)$/.exec(
    ann[FIX_ANNOTATIONS.database] ?? '',
  );
  if (db)
    entity.database = { engine: db[1] as 'postgresql' | 'mysql', name: db[2] };
  const runtime = ann[FIX_ANNOTATIONS.runtime];
  if (runtime && /^[a-z]+$/.test(runtime)) entity.runtime = runtime;
  const cm = name(ann[FIX_ANNOTATIONS.configMap]);
  if (cm) entity.configMap = cm;
  if (Array.isArray(e?.metadata.tags)) entity.tags = e!.metadata.tags;

  const owners = (e?.relations ?? [])
    .filter(r => r.type === 'ownedBy')
    .map(r => r.targetRef.toLocaleLowerCase('en-US'));
  if (owners.length === 0 && typeof spec.owner === 'string') {
    const o = spec.owner.includes(':')
      ? spec.owner
      : `group:default/${spec.owner}`;
    owners.push(o.toLocaleLowerCase('en-US'));
  }
  const budget = Number(ann[FIX_ANNOTATIONS.errorBudget]);
  return {
    entity,
    owners,
    errorBudgetRemaining:
      ann[FIX_ANNOTATIONS.errorBudget] !== undefined && Number.isFinite(budget)
        ? budget
        : null,
  };
}

/** Looks entities up in the catalog with the plugin's own credentials. */
export class FixEntityResolver {
  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly config: RemediationConfig,
    private readonly slo?: SloService,
  ) {}

  /**
   * The entity as the planner sees it. Its error budget is the annotation's when it has one, else the
   * least budget left among the SLOs it declares (`copilot.dev/slo`), computed now.
   */
  async resolve(ref: string): Promise<ResolvedEntity & { found: boolean }> {
    const e = await this.catalog.getEntityByRef(ref, {
      credentials: await this.auth.getOwnServiceCredentials(),
    });
    const resolved = toPlanEntity(ref, e, this.config);
    if (resolved.errorBudgetRemaining === null && e && this.slo) {
      const budgets = (await this.slo.reports([ref]))
        .map(r => r.errorBudgetRemaining)
        .filter((b): b is number => b !== undefined);
      if (budgets.length) resolved.errorBudgetRemaining = Math.min(...budgets);
    }
    return { ...resolved, found: Boolean(e) };
  }
}
