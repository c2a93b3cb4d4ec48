import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  AuditLogRow,
  AuditVerification,
  FixExecution,
  FixPlan,
  FixPlanDocument,
  FixPlanLink,
  FixPreflight,
  FixRunner,
  IncidentAuditPack,
} from '@devops-copilot/backstage-plugin-copilot-common';
import {
  buildPlan,
  CedarPolicyEvaluator,
  NoStrategyError,
  OpaPolicyEvaluator,
  preflight,
  RenderError,
  StrategyRegistry,
  verifyChain,
  type FreezeWindow,
  type Plan,
  type PlanHypothesis,
  type PlanMode,
  type PolicyEvaluator,
} from '../engine/remediate';
import type { IncidentStore } from '../stores/IncidentStore';
import type { AnalysisStore } from '../stores/AnalysisStore';
import type { FixPlanStore, StoredFixPlan } from '../stores/FixPlanStore';
import type { ApprovalStore } from '../stores/ApprovalStore';
import type { ExecutionStore } from '../stores/ExecutionStore';
import type { AuditStore } from '../stores/AuditStore';
import { ProblemError } from '../service/problem';
import type { RemediationConfig } from './config';
import type { FixEntityResolver, ResolvedEntity } from './entities';
import { FIX_ANNOTATIONS } from './entities';
import type { SigningKey } from './keys';
import type { FixRunnerImpl } from './runners';
import { withServerFindings, type KubernetesClusters } from './kubernetes';

/** POSTs `{input}` to OPA's Data API at `${url}/v1/data/<path>`. */
export function opaHttpCall(opa: NonNullable<RemediationConfig['opa']>) {
  return async (body: { input: unknown }) => {
    const res = await fetch(`${opa.url}/v1/data/${opa.path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opa.timeoutMs),
    });
    if (!res.ok) throw new Error(`OPA answered ${res.status}`);
    return (await res.json()) as any;
  };
}

/** The policy engine preflight uses: OPA over REST when configured, else Cedar with the configured text. */
export function policyFromConfig(config: RemediationConfig): PolicyEvaluator {
  if (config.opa) return new OpaPolicyEvaluator(opaHttpCall(config.opa));
  return CedarPolicyEvaluator.create(config.policies);
}

/** Which entity metadata each mode needs, to say what is missing when no strategy fits. */
const MODE_NEEDS: Record<PlanMode, (e: ResolvedEntity) => string | undefined> =
  {
    k8s: e =>
      e.entity.workload
        ? undefined
        : `a Kubernetes workload (annotation ${FIX_ANNOTATIONS.workload}: Deployment/<namespace>/<name>, or ${FIX_ANNOTATIONS.kubernetesId})`,
    helm: e =>
      e.entity.helm
        ? undefined
        : `a Helm release (annotations ${FIX_ANNOTATIONS.helmRelease} and ${FIX_ANNOTATIONS.helmChart})`,
    tf: e =>
      e.entity.terraform
        ? undefined
        : `a Terraform module (annotation ${FIX_ANNOTATIONS.terraform}: <module>@<source>)`,
    ansible: e =>
      e.entity.ansible
        ? undefined
        : `an Ansible host group (annotation ${FIX_ANNOTATIONS.ansibleHosts})`,
    sql: e =>
      e.entity.database
        ? undefined
        : `a database (annotation ${FIX_ANNOTATIONS.database}: postgresql:<name> or mysql:<name>)`,
  };

export interface FixServiceDeps {
  incidents: IncidentStore;
  analyses?: AnalysisStore;
  plans: FixPlanStore;
  approvals: ApprovalStore;
  executions: ExecutionStore;
  audit: AuditStore;
  entities: FixEntityResolver;
  registry: StrategyRegistry;
  policy: PolicyEvaluator;
  config: RemediationConfig;
  key: SigningKey;
  runners: Partial<Record<FixRunner, FixRunnerImpl>>;
  logger: LoggerService;
  now?: () => number;
  /** Cluster access (copilot.remediation.kubernetes): live objects and server-side dry runs in preflight. */
  kubernetes?: KubernetesClusters;
}

/** Fix plans end to end: planning, preflight, approvals, execution through runners, and the audit chain. */
export class FixService {
  private readonly now: () => number;

  constructor(private readonly deps: FixServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  get registry(): StrategyRegistry {
    return this.deps.registry;
  }

  private async audit(
    actor: string,
    action: string,
    subject: string,
    incidentId: string | undefined,
    data: Record<string, unknown>,
  ) {
    return this.deps.audit.append(
      {
        at: new Date(this.now()).toISOString(),
        actor,
        action,
        subject,
        data,
        incidentId,
      },
      this.deps.key.privateKey,
    );
  }

  async withApprovals(plan: StoredFixPlan): Promise<FixPlan> {
    return { ...plan, approvals: await this.deps.approvals.list(plan.id) };
  }

  async getPlan(id: string): Promise<FixPlan> {
    return this.withApprovals(await this.deps.plans.get(id));
  }

  /** Plans by id, for the permission framework's resource loader. */
  async getMany(ids: string[]): Promise<Array<StoredFixPlan | undefined>> {
    return this.deps.plans.getMany(ids);
  }

  async findStored(id: string): Promise<StoredFixPlan | undefined> {
    return this.deps.plans.find(id);
  }

  async listPlans(incidentId?: string): Promise<FixPlan[]> {
    const plans = await this.deps.plans.list({ incidentId });
    const approvals = await this.deps.approvals.listMany(plans.map(p => p.id));
    return plans.map(p => ({
      ...p,
      approvals: approvals.filter(a => a.planId === p.id),
    }));
  }

  /** The incident's hypotheses as the planner sees them, with facts from the evidence they cite. */
  private async hypotheses(incidentId: string): Promise<PlanHypothesis[]> {
    const analysis = await this.deps.analyses?.latest(incidentId);
    if (!analysis || analysis.hypotheses.length === 0) return [];
    const evidence = await this.deps.analyses!.evidence(incidentId);
    const byId = new Map(evidence.map(e => [e.id, e]));
    return analysis.hypotheses.map(h => {
      const details: Record<string, string | number | boolean> = {};
      for (const id of h.supportEvidenceIds)
        for (const [k, v] of Object.entries(byId.get(id)?.data ?? {}))
          if (
            !(k in details) &&
            (typeof v === 'string' ||
              typeof v === 'number' ||
              typeof v === 'boolean')
          )
            details[k] = v;
      return {
        kind: h.kind,
        ...(h.entityRef ? { entityRef: h.entityRef } : {}),
        confidence: h.confidence,
        statement: h.statement,
        details,
      };
    });
  }

  /** Makes and stores a plan for the incident; 422 naming what is missing when none fits. */
  async createPlan(input: {
    incidentId: string;
    mode: PlanMode;
    strategy?: string;
    actor: string;
  }): Promise<FixPlan> {
    const incident = await this.deps.incidents.get(input.incidentId);
    const hypotheses = await this.hypotheses(incident.id);
    if (hypotheses.filter(h => h.kind !== 'none').length === 0)
      throw new ProblemError(
        422,
        'Unprocessable Content',
        `Incident ${incident.id} has no root-cause hypotheses to answer; run POST /v1/incidents/${incident.id}/analyze first`,
        { missing: ['hypotheses'] },
      );
    // The top hypothesis' entity is where the fix goes (e.g. the database behind a failing checkout).
    const target =
      hypotheses.find(h => h.kind !== 'none')?.entityRef ?? incident.entityRef;
    const resolved = await this.deps.entities.resolve(target);
    // The live workload, when a cluster is configured: its hash is the plan's drift base.
    const w = resolved.entity.workload;
    if (w && input.mode === 'k8s' && this.deps.kubernetes) {
      const live = await this.deps.kubernetes.liveObject(
        resolved.entity.environment,
        {
          apiVersion: 'apps/v1',
          kind: w.kind,
          name: w.name,
          namespace: w.namespace,
        },
      );
      if (live) resolved.entity.workload = { ...w, live };
    }
    let plan: Plan;
    try {
      plan = buildPlan(
        {
          incident: {
            id: incident.id,
            entityRef: incident.entityRef,
            title: incident.title,
            openedAt: incident.openedAt,
            hypotheses,
          },
          entity: resolved.entity,
          mode: input.mode,
          strategy: input.strategy,
          now: this.now(),
        },
        this.deps.registry,
      );
    } catch (e) {
      if (e instanceof NoStrategyError || e instanceof RenderError) {
        const missing = MODE_NEEDS[input.mode](resolved);
        throw new ProblemError(
          422,
          'Unprocessable Content',
          `No fix plan for incident ${incident.id} in ${input.mode} mode: ${
            e.message
          }${
            missing ? `; ${target} lacks ${missing}` : ''
          }. Hypotheses: ${hypotheses.map(h => h.kind).join(', ')}.`,
          {
            missing: missing ? [missing] : [],
            hypotheses: hypotheses.map(h => h.kind),
            strategies: this.deps.registry
              .list()
              .filter(s => s.modes.includes(input.mode))
              .map(s => s.id),
          },
        );
      }
      throw e;
    }
    const stored = await this.deps.plans.insert({
      plan: plan as FixPlanDocument,
      environment: resolved.entity.environment,
      owners: resolved.owners,
      author: input.actor,
      now: new Date(this.now()),
    });
    await this.audit(input.actor, 'fix.plan', `plan:${plan.id}`, incident.id, {
      incidentId: incident.id,
      entityRef: plan.entityRef,
      mode: plan.mode,
      strategy: plan.strategy,
      risk: plan.risk.score,
      artifacts: plan.artifacts.map(a => a.path),
    });
    return this.withApprovals(stored);
  }

  private freezeWindows(environment: string): FreezeWindow[] {
    return this.deps.config.changeFreezes
      .filter(
        f =>
          !f.environments || (f.environments as string[]).includes(environment),
      )
      .map(f => ({
        from: f.from,
        to: f.to,
        ...(f.reason ? { reason: f.reason } : {}),
      }));
  }

  /** Runs the engine's preflight over the stored plan with today's guardrail inputs. */
  private async evaluate(plan: StoredFixPlan): Promise<FixPreflight> {
    const approvals = await this.deps.approvals.list(plan.id);
    const approver = approvals.find(a => a.approver !== plan.author);
    const resolved = await this.deps.entities.resolve(plan.entityRef);
    const now = this.now();
    // With a cluster configured: the live objects go into preflight, then the API server dry-runs the change.
    const cluster = this.deps.kubernetes?.check({
      environment: plan.environment,
      mode: plan.mode,
      artifacts: plan.plan.artifacts,
      namespace: resolved.entity.workload?.namespace,
      rollbackArtifacts: plan.plan.rollback?.artifacts,
      now,
    });
    const live = cluster ? await cluster.readLive() : [];
    const result = await preflight(
      {
        mode: plan.mode,
        artifacts: plan.plan.artifacts,
        ...(live.length ? { live } : {}),
        plan: plan.plan as Plan,
        context: {
          entity: plan.entityRef,
          environment: plan.environment,
          ...(resolved.entity.workload
            ? { namespace: resolved.entity.workload.namespace }
            : {}),
          author: plan.author,
          approvedBy: approver?.approver ?? null,
          errorBudgetRemaining: resolved.errorBudgetRemaining,
          freezeWindows: this.freezeWindows(plan.environment),
          now,
        },
      },
      { policy: this.deps.policy },
    );
    const server = cluster ? await cluster.dryRun() : undefined;
    const { verdict, findings } = server
      ? withServerFindings(result, server.findings)
      : result;
    return {
      verdict,
      findings,
      policy: result.policy,
      facts: result.facts as unknown as Record<string, unknown>,
      risk: result.risk,
      at: new Date(now).toISOString(),
      ...(server ? { serverDryRun: server.summary } : {}),
    };
  }

  async runPreflight(planId: string, actor: string): Promise<FixPlan> {
    const plan = await this.deps.plans.get(planId);
    const result = await this.evaluate(plan);
    const stored = await this.deps.plans.setPreflight(
      plan.id,
      result,
      new Date(this.now()),
    );
    await this.audit(
      actor,
      'fix.preflight',
      `plan:${plan.id}`,
      plan.incidentId,
      {
        verdict: result.verdict,
        policy: {
          engine: result.policy.engine,
          decision: result.policy.decision,
          reasons: result.policy.reasons,
        },
        findings: result.findings.map(f => `${f.severity}:${f.code}`),
        ...(result.serverDryRun
          ? {
              serverDryRun: {
                context: result.serverDryRun.context,
                objects: result.serverDryRun.objects,
                ok: result.serverDryRun.ok,
              },
            }
          : {}),
      },
    );
    return this.withApprovals(stored);
  }

  /** Records an approval (the route has checked the permission); the author never approves their own plan. */
  async approve(
    plan: StoredFixPlan,
    actor: string,
    note?: string,
  ): Promise<FixPlan> {
    if (actor === plan.author)
      throw new ProblemError(
        403,
        'Forbidden',
        `You wrote fix plan ${plan.id}; its author cannot approve it. Ask another owner of ${plan.entityRef} to approve.`,
        { missing: ['an approver other than the author'] },
      );
    if (plan.status === 'executed')
      throw new ProblemError(
        409,
        'Conflict',
        `Fix plan ${plan.id} was already executed`,
      );
    const approval = await this.deps.approvals.add({
      planId: plan.id,
      approver: actor,
      note,
      now: new Date(this.now()),
    });
    if (plan.status !== 'approved')
      await this.deps.plans.setStatus(
        plan.id,
        'approved',
        new Date(this.now()),
      );
    await this.audit(actor, 'fix.approve', `plan:${plan.id}`, plan.incidentId, {
      approvalId: approval.id,
      ...(note ? { note } : {}),
    });
    return this.getPlan(plan.id);
  }

  /**
   * Carries the plan out with `runner`. Refused (403 naming what is missing) unless a preflight ran, the
   * plan is approved (unless the runner is exempt: dryrun always, others on non-production entities by
   * config) and a fresh preflight at this moment does not block.
   */
  async execute(
    plan: StoredFixPlan,
    runnerId: FixRunner,
    actor: string,
  ): Promise<FixExecution> {
    const runner = this.deps.runners[runnerId];
    if (!runner)
      throw new ProblemError(
        503,
        'Service Unavailable',
        runnerId === 'gitops'
          ? 'The gitops runner is not configured (copilot.remediation.gitops.repoUrl)'
          : `The ${runnerId} runner is not available`,
      );
    if (runnerId !== 'dryrun' && plan.status === 'executed')
      throw new ProblemError(
        409,
        'Conflict',
        `Fix plan ${plan.id} was already executed; draft a new plan to change it again`,
      );
    const missing: string[] = [];
    let fresh: FixPreflight | undefined;
    if (runnerId !== 'dryrun') {
      const approvals = await this.deps.approvals.list(plan.id);
      const approved = approvals.some(a => a.approver !== plan.author);
      const exempt =
        plan.environment !== 'production' &&
        this.deps.config.nonProductionRunners.includes(runnerId);
      if (!approved && !exempt)
        missing.push(
          `an approval by someone other than the author (POST /v1/fix/approve, copilot.fix.approve)${
            plan.environment === 'production'
              ? ''
              : `; or allow the ${runnerId} runner without approval on non-production entities (copilot.remediation.nonProductionRunners)`
          }`,
        );
      if (!plan.preflight) {
        missing.push('a preflight run (POST /v1/fix/preflight)');
      } else {
        fresh = await this.evaluate(plan);
        if (fresh.verdict === 'block') {
          const blocking = fresh.findings.filter(f => f.severity === 'block');
          missing.push(
            `a passing preflight: it blocks on ${
              blocking.map(f => `${f.code} (${f.message})`).join('; ') ||
              'approval'
            }`,
          );
        }
      }
      if (missing.length > 0) {
        await this.audit(
          actor,
          'fix.execute.refused',
          `plan:${plan.id}`,
          plan.incidentId,
          {
            runner: runnerId,
            missing,
          },
        );
        throw new ProblemError(
          403,
          'Forbidden',
          `Fix plan ${
            plan.id
          } cannot run with the ${runnerId} runner; missing: ${missing.join(
            '; ',
          )}`,
          { missing },
        );
      }
    }
    const executionId = randomUUID();
    const startedAt = new Date(this.now()).toISOString();
    let result;
    try {
      result = await runner.run(plan, { executionId, actor });
    } catch (e) {
      await this.audit(
        actor,
        'fix.execute.failed',
        `plan:${plan.id}`,
        plan.incidentId,
        {
          runner: runnerId,
          executionId,
          error: (e as Error).message,
        },
      );
      throw new ProblemError(
        502,
        'Bad Gateway',
        `The ${runnerId} runner failed: ${(e as Error).message}`,
      );
    }
    const output = JSON.parse(
      JSON.stringify({
        ...result.output,
        planId: plan.id,
        executionId,
        ...(fresh
          ? { preflight: { verdict: fresh.verdict, at: fresh.at } }
          : {}),
      }),
    );
    const { hash, signature } = this.deps.key.signValue(output);
    const execution = await this.deps.executions.record({
      id: executionId,
      planId: plan.id,
      runner: runnerId,
      status: result.status,
      requestedBy: actor,
      output,
      outputHash: hash,
      signature,
      keyId: this.deps.key.keyId,
      ...(result.prUrl ? { prUrl: result.prUrl } : {}),
      startedAt,
      finishedAt: new Date(this.now()).toISOString(),
    });
    if (runnerId !== 'dryrun')
      await this.deps.plans.setStatus(
        plan.id,
        'executed',
        new Date(this.now()),
      );
    await this.audit(
      actor,
      'fix.execute',
      `execution:${executionId}`,
      plan.incidentId,
      {
        planId: plan.id,
        runner: runnerId,
        status: result.status,
        outputHash: hash,
      },
    );
    if (result.prUrl)
      await this.audit(
        actor,
        'fix.pr',
        `execution:${executionId}`,
        plan.incidentId,
        {
          planId: plan.id,
          url: result.prUrl,
        },
      );
    return execution;
  }

  /**
   * Links the plan to where its change went (e.g. the pull request a template opened); a new link is a
   * `fix.pr` audit row. The same link again answers the existing one (`created: false`) and audits nothing.
   */
  async linkPlan(
    plan: StoredFixPlan,
    link: { kind: FixPlanLink['kind']; url: string; note?: string },
    actor: string,
  ): Promise<{ link: FixPlanLink; created: boolean }> {
    const out = await this.deps.plans.addLink({
      planId: plan.id,
      ...link,
      createdBy: actor,
      now: new Date(this.now()),
    });
    if (out.created)
      await this.audit(actor, 'fix.pr', `plan:${plan.id}`, plan.incidentId, {
        planId: plan.id,
        linkId: out.link.id,
        kind: link.kind,
        url: link.url,
        ...(link.note ? { note: link.note } : {}),
      });
    return out;
  }

  async verify(): Promise<AuditVerification> {
    const rows = await this.deps.audit.all();
    const v = verifyChain(rows, this.deps.key.publicKey);
    return {
      ok: v.ok,
      rows: rows.length,
      ...(v.ok
        ? {}
        : { brokenAt: rows[v.brokenAt]?.seq ?? v.brokenAt, reason: v.reason }),
      keyId: this.deps.key.keyId,
    };
  }

  async exportIncident(
    incidentId: string,
    actor: string,
  ): Promise<IncidentAuditPack> {
    const incident = await this.deps.incidents.get(incidentId);
    const analysis = await this.deps.analyses?.latest(incidentId);
    const plans = await this.listPlans(incidentId);
    const ids = plans.map(p => p.id);
    const executions = await this.deps.executions.listForPlans(ids);
    await this.audit(
      actor,
      'audit.export',
      `incident:${incidentId}`,
      incidentId,
      {
        plans: ids.length,
        executions: executions.length,
      },
    );
    const audit = (await this.deps.audit.forIncident(
      incidentId,
    )) as AuditLogRow[];
    return {
      exportedAt: new Date(this.now()).toISOString(),
      incident,
      ...(analysis ? { analysis } : {}),
      plans,
      preflights: plans.flatMap(p =>
        p.preflight ? [{ ...p.preflight, planId: p.id }] : [],
      ),
      approvals: plans.flatMap(p => p.approvals),
      executions,
      audit,
      publicKey: {
        format: 'spki-pem',
        algorithm: 'ed25519',
        keyId: this.deps.key.keyId,
        pem: this.deps.key.publicKeyPem,
      },
    };
  }
}
