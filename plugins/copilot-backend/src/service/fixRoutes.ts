import express from 'express';
import type {
  AuditorService,
  AuditorServiceEvent,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  type BasicPermission,
  type PermissionCondition,
  type PermissionCriteria,
  type PermissionRuleParams,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';
import type { PermissionRuleset } from '@backstage/plugin-permission-node';
import {
  copilotAuditReadPermission,
  copilotFixApprovePermission,
  copilotFixExecutePermission,
  copilotFixPlanPermission,
  copilotIncidentReadPermission,
  type FixPlan,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { z } from 'zod';
import type { IdempotencyStore } from '../stores/IdempotencyStore';
import type { StoredFixPlan } from '../stores/FixPlanStore';
import { hashBody } from '../pipeline/IngestService';
import type { FixService } from '../remediation/FixService';
import type { FixPlanResource } from './permissions';
import { ProblemError } from './problem';

/** What the fix routes need from the router and the plugin. */
export interface FixRouteDeps {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  idempotency: IdempotencyStore;
  /** Without it every route answers 503. */
  fix?: FixService;
  auditor?: AuditorService;
  fixPlanRuleset?: PermissionRuleset<FixPlanResource, never>;
  requireJson: express.RequestHandler;
}

const zodMessage = (
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
) =>
  issues
    .map(i => `${i.path.map(String).join('.') || 'body'}: ${i.message}`)
    .join('; ');

const modeSchema = z.enum(['k8s', 'helm', 'tf', 'ansible', 'sql']);
const planRequestSchema = z
  .object({
    incident_id: z.string().min(1).max(64),
    mode: modeSchema,
    strategy: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a strategy id like rollout-undo')
      .optional(),
  })
  .strict();
const planIdSchema = z.object({ plan_id: z.string().min(1).max(64) });
const approveSchema = planIdSchema
  .extend({ note: z.string().max(4000).optional() })
  .strict();
const executeSchema = planIdSchema
  .extend({ runner: z.enum(['dryrun', 'gitops', 'agent']) })
  .strict();
/** An https URL without credentials (it is shown to everyone who can read the plan). */
const linkUrlSchema = z
  .string()
  .max(2048)
  .refine(value => {
    try {
      const url = new URL(value);
      return (
        url.protocol === 'https:' &&
        url.username === '' &&
        url.password === '' &&
        url.hostname !== ''
      );
    } catch {
      return false;
    }
  }, 'an https URL without credentials');
const linkSchema = z
  .object({
    url: linkUrlSchema,
    kind: z.literal('pull-request'),
    note: z.string().max(4000).optional(),
  })
  .strict();
const exportSchema = z
  .object({ incident_id: z.string().min(1).max(64) })
  .strict();

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new InputError(`Invalid ${what}: ${zodMessage(parsed.error.issues)}`);
  return parsed.data;
}

function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  return p.type === 'user' ? p.userEntityRef! : `service:${p.subject}`;
}

/** Evaluates conditional criteria against one loaded plan with the registered rules. */
function matches(
  criteria: PermissionCriteria<
    PermissionCondition<string, PermissionRuleParams>
  >,
  plan: FixPlanResource,
  ruleset: PermissionRuleset<FixPlanResource, never>,
): boolean {
  if ('allOf' in criteria)
    return criteria.allOf.every(c => matches(c, plan, ruleset));
  if ('anyOf' in criteria)
    return criteria.anyOf.some(c => matches(c, plan, ruleset));
  if ('not' in criteria) return !matches(criteria.not, plan, ruleset);
  const rule = ruleset.getRuleByName(criteria.rule);
  return rule.apply(plan, (criteria.params ?? {}) as any);
}

/** Remediation routes: /v1/fix/*, /v1/audit/verify, /v1/exports/incident. */
export function registerFixRoutes(router: express.Router, deps: FixRouteDeps) {
  const { httpAuth, permissions, requireJson } = deps;
  const unavailable = new ProblemError(
    503,
    'Service Unavailable',
    'Remediation is not enabled on this backend',
  );
  /** The remediation service, or 503 when the backend runs without it. */
  const svc = (): FixService => {
    if (!deps.fix) throw unavailable;
    return deps.fix;
  };

  const credentialsOf = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  const authorizeBasic = async (
    credentials: BackstageCredentials,
    permission: BasicPermission,
    refusal: string,
  ) => {
    const [d] = await permissions.authorize([{ permission }], { credentials });
    if (d.result !== AuthorizeResult.ALLOW) throw new NotAllowedError(refusal);
  };

  /**
   * A resource permission on one plan: ALLOW, or CONDITIONAL judged here on the loaded plan with the
   * registered rules (IS_ENTITY_OWNER, IS_NON_PROD), as the permission backend would.
   */
  const authorizePlan = async (
    credentials: BackstageCredentials,
    permission: ResourcePermission<'copilot-fix-plan'>,
    plan: StoredFixPlan,
    refusal: string,
  ) => {
    const [d] = await permissions.authorizeConditional([{ permission }], {
      credentials,
    });
    if (d.result === AuthorizeResult.ALLOW) return;
    if (
      d.result === AuthorizeResult.CONDITIONAL &&
      deps.fixPlanRuleset &&
      matches(d.conditions, plan, deps.fixPlanRuleset)
    )
      return;
    throw new NotAllowedError(refusal);
  };

  /** The plan, when the caller may read its incident (404 otherwise). */
  const readablePlan = async (
    credentials: BackstageCredentials,
    id: string,
  ) => {
    const plan = await svc().findStored(id);
    if (!plan) throw new NotFoundError(`No fix plan with id '${id}'`);
    const [d] = await permissions.authorize(
      [
        {
          permission: copilotIncidentReadPermission,
          resourceRef: plan.incidentId,
        },
      ],
      { credentials },
    );
    if (d.result !== AuthorizeResult.ALLOW)
      throw new NotFoundError(`No fix plan with id '${id}'`);
    return plan;
  };

  /** Runs `fn` as an auditor event: success with its meta, or fail with the error. */
  const audited = async <T>(
    req: express.Request,
    eventId: string,
    meta: Record<string, string>,
    fn: () => Promise<T>,
    successMeta?: (t: T) => Record<string, string>,
  ): Promise<T> => {
    const event: AuditorServiceEvent | undefined =
      await deps.auditor?.createEvent({
        eventId,
        request: req,
        severityLevel:
          eventId === 'fix-execute' || eventId === 'fix-approve'
            ? 'high'
            : 'medium',
        meta,
      });
    try {
      const out = await fn();
      await event?.success(
        successMeta ? { meta: successMeta(out) } : undefined,
      );
      return out;
    } catch (error) {
      await event?.fail({ error: error as Error, meta });
      throw error;
    }
  };

  /** A stored answer for a retried request with the same Idempotency-Key and body, if any. */
  const replay = async (
    req: express.Request,
    res: express.Response,
    scope: string,
    bodyHash: string,
  ): Promise<boolean> => {
    const key = req.header('idempotency-key');
    if (!key) return false;
    const previous = await deps.idempotency.lookup(
      scope,
      key,
      bodyHash,
      Date.now(),
    );
    if (!previous) return false;
    res.setHeader('Idempotent-Replayed', 'true');
    res.status(previous.statusCode).json(previous.body);
    return true;
  };
  const remember = async (
    req: express.Request,
    scope: string,
    bodyHash: string,
    statusCode: number,
    body: unknown,
  ) => {
    const key = req.header('idempotency-key');
    if (key)
      await deps.idempotency.save(
        scope,
        key,
        bodyHash,
        { statusCode, body },
        new Date(),
      );
  };

  router.post('/v1/fix/plan', requireJson, async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizeBasic(
      credentials,
      copilotFixPlanPermission,
      'You are not allowed to draft fix plans (copilot.fix.plan)',
    );
    const body = parse(planRequestSchema, req.body, 'fix plan request');
    const actor = actorOf(credentials);
    const [incidentDecision] = await permissions.authorize(
      [
        {
          permission: copilotIncidentReadPermission,
          resourceRef: body.incident_id,
        },
      ],
      { credentials },
    );
    if (incidentDecision.result !== AuthorizeResult.ALLOW)
      throw new NotFoundError(`No incident with id '${body.incident_id}'`);
    const scope = `fix.plan:${actor}`;
    const bodyHash = hashBody(body);
    if (await replay(req, res, scope, bodyHash)) return;
    const plan = await audited(
      req,
      'fix-plan',
      { incidentId: body.incident_id, mode: body.mode },
      () =>
        svc().createPlan({
          incidentId: body.incident_id,
          mode: body.mode,
          strategy: body.strategy,
          actor,
        }),
      p => ({ planId: p.id, strategy: p.strategy }),
    );
    await remember(req, scope, bodyHash, 201, plan);
    res
      .status(201)
      .location(`${req.baseUrl}/v1/fix/plans/${plan.id}`)
      .json(plan);
  });

  router.get('/v1/fix/plans', async (req, res) => {
    const credentials = await credentialsOf(req);
    const q = parse(
      z.object({ incident_id: z.string().min(1).max(64) }),
      req.query,
      'query (incident_id is required)',
    );
    const [d] = await permissions.authorize(
      [
        {
          permission: copilotIncidentReadPermission,
          resourceRef: q.incident_id,
        },
      ],
      { credentials },
    );
    if (d.result !== AuthorizeResult.ALLOW) {
      res.json({ items: [] });
      return;
    }
    res.json({ items: await svc().listPlans(q.incident_id) });
  });

  router.get('/v1/fix/plans/:id', async (req, res) => {
    const credentials = await credentialsOf(req);
    const plan = await readablePlan(credentials, req.params.id);
    res.json(await svc().withApprovals(plan));
  });

  router.post('/v1/fix/plans/:id/links', requireJson, async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizeBasic(
      credentials,
      copilotFixPlanPermission,
      'You are not allowed to link fix plans (copilot.fix.plan)',
    );
    const body = parse(linkSchema, req.body, 'link');
    const plan = await readablePlan(credentials, req.params.id);
    const out = await audited(
      req,
      'fix-link',
      { planId: plan.id, kind: body.kind, url: body.url },
      () => svc().linkPlan(plan, body, actorOf(credentials)),
      o => ({ linkId: o.link.id, created: String(o.created) }),
    );
    res.status(out.created ? 201 : 200).json(out.link);
  });

  router.post('/v1/fix/preflight', requireJson, async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizeBasic(
      credentials,
      copilotFixPlanPermission,
      'You are not allowed to preflight fix plans (copilot.fix.plan)',
    );
    const body = parse(planIdSchema.strict(), req.body, 'preflight request');
    const plan = await readablePlan(credentials, body.plan_id);
    const out: FixPlan = await audited(
      req,
      'fix-preflight',
      { planId: plan.id },
      () => svc().runPreflight(plan.id, actorOf(credentials)),
      p => ({ verdict: p.preflight?.verdict ?? 'none' }),
    );
    res.json(out);
  });

  router.post('/v1/fix/approve', requireJson, async (req, res) => {
    const credentials = await credentialsOf(req);
    const body = parse(approveSchema, req.body, 'approval');
    const plan = await readablePlan(credentials, body.plan_id);
    const out = await audited(
      req,
      'fix-approve',
      { planId: plan.id },
      async () => {
        await authorizePlan(
          credentials,
          copilotFixApprovePermission,
          plan,
          `You are not allowed to approve fix plan ${plan.id} (copilot.fix.approve on plans for ${plan.entityRef}, ${plan.environment}); approvers must own the entity`,
        );
        return svc().approve(plan, actorOf(credentials), body.note);
      },
    );
    res.status(201).json(out);
  });

  router.post('/v1/fix/execute', requireJson, async (req, res) => {
    const credentials = await credentialsOf(req);
    const body = parse(executeSchema, req.body, 'execution request');
    const plan = await readablePlan(credentials, body.plan_id);
    // A retried execution answers the first one's record instead of running (or refusing) again.
    const scope = `fix.execute:${actorOf(credentials)}`;
    const bodyHash = hashBody(body);
    if (await replay(req, res, scope, bodyHash)) return;
    const execution = await audited(
      req,
      'fix-execute',
      { planId: plan.id, runner: body.runner },
      async () => {
        await authorizePlan(
          credentials,
          copilotFixExecutePermission,
          plan,
          `You are not allowed to execute fix plan ${plan.id} (copilot.fix.execute)`,
        );
        return svc().execute(plan, body.runner, actorOf(credentials));
      },
      e => ({
        executionId: e.id,
        status: e.status,
        ...(e.prUrl ? { prUrl: e.prUrl } : {}),
      }),
    );
    await remember(req, scope, bodyHash, 201, execution);
    res.status(201).json(execution);
  });

  router.get('/v1/audit/verify', async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizeBasic(
      credentials,
      copilotAuditReadPermission,
      'You are not allowed to read the audit log (copilot.audit.read)',
    );
    res.json(
      await audited(
        req,
        'audit-verify',
        {},
        () => svc().verify(),
        v => ({ ok: String(v.ok) }),
      ),
    );
  });

  router.post('/v1/exports/incident', requireJson, async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorizeBasic(
      credentials,
      copilotAuditReadPermission,
      'You are not allowed to export audit packs (copilot.audit.read)',
    );
    const body = parse(exportSchema, req.body, 'export request');
    const [d] = await permissions.authorize(
      [
        {
          permission: copilotIncidentReadPermission,
          resourceRef: body.incident_id,
        },
      ],
      { credentials },
    );
    if (d.result !== AuthorizeResult.ALLOW)
      throw new NotFoundError(`No incident with id '${body.incident_id}'`);
    const pack = await audited(
      req,
      'audit-export',
      { incidentId: body.incident_id },
      () => svc().exportIncident(body.incident_id, actorOf(credentials)),
    );
    res.json(pack);
  });
}
