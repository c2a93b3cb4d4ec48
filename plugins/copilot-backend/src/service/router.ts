import express from 'express';
import Router from 'express-promise-router';
import type {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { hashNdjson, ingestNdjson } from './ndjson';
import {
  AuthorizeResult,
  type BasicPermission,
} from '@backstage/plugin-permission-common';
import { createConditionTransformer } from '@backstage/plugin-permission-node';
import type { PermissionRuleset } from '@backstage/plugin-permission-node';
import {
  copilotIncidentCreatePermission,
  copilotIncidentReadPermission,
  copilotIncidentUpdatePermission,
  copilotSignalIngestPermission,
  createIncidentRequestSchema,
  updateIncidentRequestSchema,
  listIncidentsQuerySchema,
  type Incident,
  type IngestResult,
  type Task,
} from '@devops-copilot/backstage-plugin-copilot-common';
import type { IncidentStore } from '../stores/IncidentStore';
import type { IdempotencyStore } from '../stores/IdempotencyStore';
import { hashBody, type IngestService } from '../pipeline/IngestService';
import { ProblemError, problemHandler, requestId } from './problem';
import type { AlertService } from '../pipeline/AlertService';
import {
  alertmanagerWebhookSchema,
  normalizeAlerts,
} from '../engine/ingest/alertmanager';
import type { IncidentQuery } from './permissions';
import type { SloService } from '../slo/SloService';
import {
  otlpLogsToSignals,
  otlpMetricsToSignals,
  OtlpPayloadError,
} from '../engine/ingest/otlp';
import type { TemplateStore } from '../stores/TemplateStore';
import type { RollupStore } from '../stores/RollupStore';
import type { AnomalyStore } from '../stores/AnomalyStore';
import { TaskRunner } from '../pipeline/TaskRunner';
import type { AnalysisService } from '../pipeline/AnalysisService';
import type { AnalysisStore } from '../stores/AnalysisStore';
import { registerKnowledgeRoutes } from './knowledgeRoutes';
import type { KnowledgeService } from '../knowledge/KnowledgeService';
import { registerFixRoutes, type FixRouteDeps } from './fixRoutes';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  incidents: IncidentStore;
  idempotency: IdempotencyStore;
  ingest: IngestService;
  templates: TemplateStore;
  anomalies?: AnomalyStore;
  tasks?: TaskRunner;
  analysis?: { service: AnalysisService; store: AnalysisStore };
  rollups: RollupStore;
  alerts: AlertService;
  incidentRuleset: PermissionRuleset<Incident, IncidentQuery>;
  maxBodyBytes: number;
  maxBatchItems: number;
  maxStreamBytes: number;
  /** Documents, search and cited answers (issue 6); the routes answer 503 without it. */
  knowledge?: KnowledgeService;
  /** Largest knowledge document accepted (copilot.knowledge.maxDocBytes). */
  maxDocBytes?: number;
  /** SLO evaluation (`GET /v1/slo`); the route answers 503 without it. */
  slo?: SloService;
  /** Remediation (issue 7): fix plans, approvals, runners, audit; the routes answer 503 without it. */
  fix?: Pick<FixRouteDeps, 'fix' | 'auditor' | 'fixPlanRuleset'>;
}

const ENTITY_REF = /^[\w-]+:[\w.-]+\/[\w.-]+$/;

const zodMessage = (issues: { path: (string | number)[]; message: string }[]) =>
  issues.map(i => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');

/** The copilot's REST API, mounted at /api/copilot; every route lives under /v1. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, incidents, idempotency, ingest } = options;
  const toCriteria = createConditionTransformer(options.incidentRuleset);
  const router = Router();
  router.use(requestId);

  /** Credentials of a user or service that holds a basic permission, or NotAllowedError. */
  const authorizeBasic = async (
    req: express.Request,
    permission: BasicPermission,
    refusal: string,
  ) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(refusal);
    }
    return credentials;
  };

  router.get('/v1/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  /** 415 naming the Content-Type received and what to send instead. */
  const unsupportedMediaType = (req: express.Request, instead: string) =>
    new ProblemError(
      415,
      'Unsupported Media Type',
      `Content-Type '${
        req.header('content-type') ?? '(none)'
      }' is not accepted here; ${instead}`,
    );

  const jsonBody = express.json({
    limit: options.maxBodyBytes,
    type: ['application/json', 'application/*+json'],
  });
  /** Parses a JSON body, or answers 415 with what to send instead. */
  const jsonOnly =
    (instead: string): express.RequestHandler =>
    (req, res, next) => {
      if (!req.is(['application/json', 'application/*+json'])) {
        next(unsupportedMediaType(req, instead));
        return;
      }
      jsonBody(req, res, next);
    };
  const requireJson = jsonOnly('send the body as application/json.');
  /** A JSON body, or none at all (then `{}`). */
  const optionalJson: express.RequestHandler = (req, res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) {
      req.body = {};
      next();
      return;
    }
    requireJson(req, res, next);
  };

  const NDJSON = [
    'application/x-ndjson',
    'application/ndjson',
    'application/jsonl',
  ];
  const ingestJson = jsonOnly(
    'send a JSON array as application/json, or one signal per line as application/x-ndjson.',
  );
  const ingestBody: express.RequestHandler = (req, res, next) => {
    if (req.is(NDJSON)) {
      next();
      return;
    }
    ingestJson(req, res, next);
  };

  router.post('/v1/signals/ingest', ingestBody, async (req, res) => {
    const credentials = await authorizeBasic(
      req,
      copilotSignalIngestPermission,
      'You are not allowed to ingest signals (copilot.signal.ingest)',
    );
    const key = req.header('idempotency-key');
    const scope = `signals.ingest:${
      'principal' in credentials ? JSON.stringify(credentials.principal) : ''
    }`;
    const send = (status: number, payload: unknown) =>
      res
        .status(status)
        .type(status >= 400 ? 'application/problem+json' : 'application/json')
        .json(payload);

    if (req.is(NDJSON)) {
      const previous = key
        ? await idempotency.peek(scope, key, Date.now())
        : undefined;
      if (previous) {
        if ((await hashNdjson(req)) !== previous.requestHash) {
          throw new ConflictError(
            `Idempotency-Key '${key}' was already used for a different request body; use a new key for a new request`,
          );
        }
        res.setHeader('Idempotent-Replayed', 'true');
        send(previous.response.statusCode, previous.response.body);
        return;
      }
      const outcome = await ingestNdjson(req, ingest, {
        chunkSize: 1000,
        maxBytes: options.maxStreamBytes,
      });
      let status = 202;
      let payload: unknown = outcome.result;
      if (outcome.truncated) {
        status = 413;
        payload = {
          type: 'about:blank',
          title: 'Content Too Large',
          status,
          detail: `The stream passed ${options.maxStreamBytes} bytes; reading stopped there. The ${outcome.result.accepted} signals read before were accepted and stored; send the rest in another request.`,
          instance: req.originalUrl,
          requestId: res.locals.requestId,
          ...outcome.result,
        };
      } else if (outcome.lines === 0 && outcome.result.errors.length === 0) {
        throw new InputError(
          'The stream is empty; send one JSON signal per line',
        );
      } else if (outcome.result.errors.length > 0) {
        status = 422;
        payload = {
          type: 'about:blank',
          title: 'Unprocessable Content',
          status,
          detail: `${outcome.result.rejected} lines were rejected (see errors: index is the 0-based line number); the other ${outcome.result.accepted} signals were accepted and stored. Fix the rejected lines and resend only them.`,
          instance: req.originalUrl,
          requestId: res.locals.requestId,
          ...outcome.result,
        };
      }
      if (key) {
        await idempotency.save(
          scope,
          key,
          outcome.bodyHash,
          { statusCode: status, body: payload },
          new Date(),
        );
      }
      send(status, payload);
      return;
    }

    const body = req.body;
    const items: unknown = Array.isArray(body) ? body : body?.signals;
    if (!Array.isArray(items)) {
      throw new InputError(
        'The body must be a JSON array of signals, or an object {"signals": [...]}',
      );
    }
    if (items.length === 0) {
      throw new InputError('The batch is empty; send at least one signal');
    }
    const bodyHash = key ? hashBody(items) : '';
    if (key) {
      const previous = await idempotency.lookup(
        scope,
        key,
        bodyHash,
        Date.now(),
      );
      if (previous) {
        res.setHeader('Idempotent-Replayed', 'true');
        send(previous.statusCode, previous.body);
        return;
      }
    }
    const { status, payload } = await ingestBatch(req, res, items);
    if (key) {
      await idempotency.save(
        scope,
        key,
        bodyHash,
        { statusCode: status, body: payload },
        new Date(),
      );
    }
    send(status, payload);
  });

  /** Ingests a JSON batch: 202 with the counts, or 422 listing the rejected items. */
  async function ingestBatch(
    req: express.Request,
    res: express.Response,
    items: unknown[],
    defaultSource?: string,
  ): Promise<{ status: number; payload: unknown; result: IngestResult }> {
    if (items.length > options.maxBatchItems) {
      throw new ProblemError(
        413,
        'Content Too Large',
        `The batch has ${items.length} signals; the limit is ${options.maxBatchItems} per request. Split it into smaller batches.`,
      );
    }
    const result = await ingest.ingest(items, { defaultSource });
    if (result.errors.length === 0) {
      return { status: 202, payload: result, result };
    }
    return {
      status: 422,
      result,
      payload: {
        type: 'about:blank',
        title: 'Unprocessable Content',
        status: 422,
        detail: `${result.rejected} of ${items.length} signals were rejected (see errors: index, field, reason); the other ${result.accepted} were accepted and stored. Fix the rejected items and resend only them.`,
        instance: req.originalUrl,
        requestId: res.locals.requestId,
        ...result,
      },
    };
  }

  // OTLP/HTTP with JSON encoding, so that an OpenTelemetry Collector (otlphttp exporter with
  // `encoding: json`) exports straight to the copilot. Responses follow the OTLP specification:
  // 200 with `partialSuccess` when some records were rejected.
  const otlpJson = jsonOnly(
    'send an OTLP JSON export request as application/json.',
  );
  const otlpBody: express.RequestHandler = (req, res, next) => {
    if (req.is(['application/x-protobuf', 'application/protobuf'])) {
      next(
        new ProblemError(
          415,
          'Unsupported Media Type',
          "OTLP/HTTP protobuf is not accepted; send OTLP JSON (Content-Type: application/json), e.g. set `encoding: json` on the Collector's otlphttp exporter.",
        ),
      );
      return;
    }
    otlpJson(req, res, next);
  };
  const otlpRoute = (
    path: string,
    what: 'logs' | 'metrics',
    convert: typeof otlpLogsToSignals,
  ) =>
    router.post(path, otlpBody, async (req, res) => {
      await authorizeBasic(
        req,
        copilotSignalIngestPermission,
        'You are not allowed to ingest signals (copilot.signal.ingest)',
      );
      let converted: ReturnType<typeof otlpLogsToSignals>;
      try {
        converted = convert(req.body, { cumulative: ingest.cumulative });
      } catch (error) {
        if (error instanceof OtlpPayloadError) {
          throw new InputError(error.message);
        }
        throw error;
      }
      const { items, errors } = converted;
      if (items.length > options.maxBatchItems) {
        throw new ProblemError(
          413,
          'Content Too Large',
          `The export holds ${items.length} ${what} signals; the limit is ${options.maxBatchItems} per request. Lower the exporter's batch size (sending_queue / batch processor send_batch_max_size).`,
        );
      }
      const result =
        items.length > 0
          ? await ingest.ingest(items)
          : { accepted: 0, rejected: 0, unresolved: 0, errors: [] };
      const rejected = errors.length + result.rejected;
      const field =
        what === 'logs' ? 'rejectedLogRecords' : 'rejectedDataPoints';
      const reasons = [
        ...errors.map(e => `${e.field}: ${e.reason}`),
        ...result.errors.map(e => `item ${e.index} ${e.field}: ${e.reason}`),
      ];
      res.status(200).json(
        rejected > 0
          ? {
              partialSuccess: {
                [field]: rejected,
                errorMessage: `${rejected} rejected, ${
                  result.accepted
                } accepted: ${reasons.slice(0, 20).join('; ')}${
                  reasons.length > 20
                    ? ` (and ${reasons.length - 20} more)`
                    : ''
                }`,
              },
            }
          : {},
      );
    });
  otlpRoute('/v1/otlp/v1/logs', 'logs', otlpLogsToSignals);
  otlpRoute('/v1/otlp/v1/metrics', 'metrics', otlpMetricsToSignals);

  // Log templates mined for an entity; `novel=true` lists only the new signatures.
  router.get('/v1/templates', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const entity = req.query.entity;
    if (
      typeof entity !== 'string' ||
      !/^[\w-]+:[\w.-]+\/[\w.-]+$/.test(entity)
    ) {
      throw new InputError(
        'Query parameter entity must be a full entity ref, e.g. component:default/checkout',
      );
    }
    const [decision] = await permissions.authorizeConditional(
      [{ permission: copilotIncidentReadPermission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.DENY) {
      throw new NotAllowedError(
        'You are not allowed to read incident evidence (copilot.incident.read)',
      );
    }
    const limit = Number(req.query.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InputError('limit must be an integer from 1 to 1000');
    }
    const items = await options.templates.list(entity, {
      limit,
      novelOnly: req.query.novel === 'true',
    });
    res.json({ items });
  });

  /** The credentials of a caller allowed to read incident evidence (copilot.incident.read). */
  async function evidenceReader(req: express.Request) {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorizeConditional(
      [{ permission: copilotIncidentReadPermission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.DENY) {
      throw new NotAllowedError(
        'You are not allowed to read incident evidence (copilot.incident.read)',
      );
    }
    return credentials;
  }

  function optionalEntity(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !ENTITY_REF.test(value)) {
      throw new InputError(
        'Query parameter entity must be a full entity ref, e.g. component:default/checkout',
      );
    }
    return value;
  }

  // Anomaly windows found by the detect stage (evidence candidates), newest first.
  router.get('/v1/anomalies', async (req, res) => {
    await evidenceReader(req);
    const entityRef = optionalEntity(req.query.entity);
    const status = req.query.status;
    if (status !== undefined && status !== 'open' && status !== 'closed') {
      throw new InputError('status must be open or closed');
    }
    const limit = Number(req.query.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InputError('limit must be an integer from 1 to 1000');
    }
    const window: { fromMs?: number; toMs?: number } = {};
    for (const key of ['from', 'to'] as const) {
      const raw = req.query[key];
      if (raw === undefined) continue;
      const ms = typeof raw === 'string' ? Date.parse(raw) : NaN;
      if (Number.isNaN(ms)) {
        throw new InputError(
          `${key} must be an ISO-8601 timestamp, e.g. 2026-12-02T10:00:00Z`,
        );
      }
      window[key === 'from' ? 'fromMs' : 'toMs'] = ms;
    }
    const items = options.anomalies
      ? await options.anomalies.list({
          entityRef,
          status: status as 'open' | 'closed' | undefined,
          limit,
          ...window,
        })
      : [];
    res.json({ items });
  });

  // Detection coverage: series watched, and how many are still warming up (no alerts yet).
  router.get('/v1/detect/status', async (req, res) => {
    await evidenceReader(req);
    const entityRef = optionalEntity(req.query.entity);
    res.json(
      options.anomalies
        ? await options.anomalies.status(entityRef)
        : { series: 0, warm: 0, cold: 0, maxWarmupRemaining: 0 },
    );
  });

  // The SLOs the entity declares (copilot.dev/slo): SLI over the window, error budget left, burn rate.
  router.get('/v1/slo', async (req, res) => {
    await evidenceReader(req);
    const entity = req.query.entity;
    if (typeof entity !== 'string' || !ENTITY_REF.test(entity)) {
      throw new InputError(
        'entity must be a full entity ref, e.g. ?entity=component:default/checkout',
      );
    }
    let atMs = Date.now();
    if (req.query.at !== undefined) {
      atMs = typeof req.query.at === 'string' ? Date.parse(req.query.at) : NaN;
      if (Number.isNaN(atMs))
        throw new InputError(
          'at must be an ISO-8601 timestamp (the end of the SLO windows); leave it out for now',
        );
    }
    if (!options.slo) {
      throw new ProblemError(
        503,
        'Service Unavailable',
        'SLO evaluation is not enabled on this backend',
      );
    }
    res.json({ items: await options.slo.reports([entity], atMs) });
  });

  // Long operations: the task, and its progress as server-sent events until it ends.
  router.get('/v1/tasks/:id', async (req, res) => {
    await evidenceReader(req);
    if (!options.tasks)
      throw new NotFoundError(`No task with id '${req.params.id}'`);
    res.json(await options.tasks.get(req.params.id));
  });

  router.get('/v1/tasks/:id/stream', async (req, res) => {
    await evidenceReader(req);
    const tasks = options.tasks;
    if (!tasks) throw new NotFoundError(`No task with id '${req.params.id}'`);
    const id = req.params.id;
    const first = await tasks.get(id);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    let last = '';
    let ended = false;
    const cleanup: Array<() => void> = [];
    const end = () => {
      if (ended) return;
      ended = true;
      cleanup.forEach(f => f());
      res.end();
    };
    const send = (task: Task) => {
      if (ended) return;
      const data = JSON.stringify(task);
      if (data === last) return;
      last = data;
      const terminal = TaskRunner.isTerminal(task);
      res.write(
        `event: ${terminal ? task.status : 'progress'}\nid: ${
          task.updatedAt
        }\ndata: ${data}\n\n`,
      );
      (res as unknown as { flush?: () => void }).flush?.();
      if (terminal) end();
    };
    cleanup.push(tasks.subscribe(id, send));
    // A task run by another replica reaches this one through the store.
    const poll = setInterval(() => {
      tasks.get(id).then(send, () => undefined);
    }, 1000);
    cleanup.push(() => clearInterval(poll));
    req.on('close', end);
    send(first);
  });

  router.post('/v1/incidents', requireJson, async (req, res) => {
    const credentials = await authorizeBasic(
      req,
      copilotIncidentCreatePermission,
      'You are not allowed to open incidents (copilot.incident.create)',
    );
    const parsed = createIncidentRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new InputError(
        `Invalid incident: ${zodMessage(parsed.error.issues)}`,
      );
    }
    const p = parsed.data;
    const createdBy =
      credentials.principal.type === 'user'
        ? credentials.principal.userEntityRef
        : `service:${(credentials.principal as { subject: string }).subject}`;
    const key = req.header('idempotency-key');
    const scope = `incidents.create:${createdBy}`;
    const bodyHash = hashBody(p);
    if (key) {
      const previous = await idempotency.lookup(
        scope,
        key,
        bodyHash,
        Date.now(),
      );
      if (previous) {
        res.setHeader('Idempotent-Replayed', 'true');
        res.status(previous.statusCode).json(previous.body);
        return;
      }
    }
    const { incident, created } = await incidents.open({
      title: p.title,
      entityRef: p.entityRef,
      severity: p.severity,
      summary: p.summary,
      fingerprint: p.fingerprint,
      labels: p.labels,
      source: 'manual',
      openedAt: p.openedAt ? new Date(p.openedAt) : undefined,
      createdBy,
    });
    if (key) {
      await idempotency.save(
        scope,
        key,
        bodyHash,
        { statusCode: created ? 201 : 200, body: incident },
        new Date(),
      );
    }
    res.status(created ? 201 : 200).json(incident);
  });

  router.get('/v1/incidents', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const parsed = listIncidentsQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      throw new InputError(`Invalid query: ${zodMessage(parsed.error.issues)}`);
    }
    const [decision] = await permissions.authorizeConditional(
      [{ permission: copilotIncidentReadPermission }],
      {
        credentials,
      },
    );
    if (decision.result === AuthorizeResult.DENY) {
      throw new NotAllowedError(
        'You are not allowed to read incidents (copilot.incident.read)',
      );
    }
    const criteria =
      decision.result === AuthorizeResult.CONDITIONAL
        ? toCriteria(decision.conditions)
        : undefined;
    const page = await incidents.list({
      entityRef: parsed.data.entity,
      status: parsed.data.status,
      limit: parsed.data.limit,
      cursor: parsed.data.cursor,
      criteria,
    });
    res.json(page);
  });

  // Alertmanager webhook receiver: firing alerts open or refresh incidents (dedup by fingerprint),
  // resolved alerts resolve them.
  router.post('/v1/webhooks/alertmanager', requireJson, async (req, res) => {
    await authorizeBasic(
      req,
      copilotSignalIngestPermission,
      'You are not allowed to send alerts (copilot.signal.ingest)',
    );
    const parsed = alertmanagerWebhookSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new InputError(
        `Not an Alertmanager webhook body (version 4): ${zodMessage(
          parsed.error.issues,
        )}`,
      );
    }
    res
      .status(202)
      .json(await options.alerts.handle(normalizeAlerts(parsed.data)));
  });

  /** The incident, when the caller may read it (404 otherwise, so its existence is not revealed). */
  async function readableIncident(req: express.Request) {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const incident = await incidents.get(req.params.id);
    const [decision] = await permissions.authorize(
      [{ permission: copilotIncidentReadPermission, resourceRef: incident.id }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotFoundError(`No incident with id '${req.params.id}'`);
    }
    return { incident, credentials };
  }

  router.get('/v1/incidents/:id', async (req, res) => {
    const { incident } = await readableIncident(req);
    const analysis = await options.analysis?.store.latest(incident.id);
    res.json(analysis ? { ...incident, analysis } : incident);
  });

  // Status and the responders' resolution; a confirmed root cause feeds later analyses.
  router.patch('/v1/incidents/:id', requireJson, async (req, res) => {
    const { incident, credentials } = await readableIncident(req);
    const [decision] = await permissions.authorize(
      [
        {
          permission: copilotIncidentUpdatePermission,
          resourceRef: incident.id,
        },
      ],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You are not allowed to change incident '${incident.id}' (copilot.incident.update)`,
      );
    }
    const parsed = updateIncidentRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new InputError(
        `Invalid incident change: ${zodMessage(parsed.error.issues)}`,
      );
    }
    const body = parsed.data;
    let rootCause = body.resolution?.rootCause;
    const hypothesisId = body.resolution?.hypothesisId;
    let confirmed: { hypothesisId: string } | undefined;
    if (hypothesisId) {
      const analysis = await options.analysis?.store.latest(incident.id);
      const h = analysis?.hypotheses.find(x => x.id === hypothesisId);
      if (!h) {
        const ids = (analysis?.hypotheses ?? [])
          .filter(x => x.kind !== 'none' && x.entityRef)
          .map(x => x.id);
        throw new InputError(
          `resolution.hypothesisId: '${hypothesisId}' is not a hypothesis of this incident's latest analysis; ${
            ids.length
              ? `pick one of ${ids.join(', ')}`
              : 'it has none that names a cause'
          } (GET /v1/incidents/${
            incident.id
          }), or give resolution.rootCause {entityRef, kind} instead`,
        );
      }
      if (h.kind === 'none' || !h.entityRef) {
        throw new InputError(
          `resolution.hypothesisId: '${hypothesisId}' says no single root cause can be named, so it cannot be confirmed as one; give resolution.rootCause {entityRef, kind} instead`,
        );
      }
      rootCause = { entityRef: h.entityRef, kind: h.kind };
      confirmed = { hypothesisId: h.id };
    }
    const actor =
      credentials.principal.type === 'user'
        ? (credentials.principal as { userEntityRef: string }).userEntityRef
        : `service:${(credentials.principal as { subject: string }).subject}`;
    const updated = await incidents.update(incident.id, {
      status: body.status,
      ...(body.resolution
        ? {
            resolution: {
              summary: body.resolution.summary,
              ...(rootCause
                ? { rootCause: { ...rootCause, ...confirmed } }
                : {}),
            },
          }
        : {}),
      actor,
    });
    const analysis = await options.analysis?.store.latest(incident.id);
    res.json(analysis ? { ...updated, analysis } : updated);
  });

  // Root-cause analysis as a task: 202 with the task at once; progress at /tasks/:id/stream.
  router.post('/v1/incidents/:id/analyze', optionalJson, async (req, res) => {
    const { incident, credentials } = await readableIncident(req);
    if (!options.analysis) {
      throw new ProblemError(
        503,
        'Service Unavailable',
        'Root-cause analysis is not enabled on this backend',
      );
    }
    const body = (req.body ?? {}) as {
      window?: { from?: unknown; to?: unknown };
    };
    let window: { fromMs: number; toMs: number } | undefined;
    if (body.window !== undefined) {
      const from =
        typeof body.window?.from === 'string'
          ? Date.parse(body.window.from)
          : NaN;
      const to =
        typeof body.window?.to === 'string' ? Date.parse(body.window.to) : NaN;
      if (Number.isNaN(from) || Number.isNaN(to) || from >= to) {
        throw new InputError(
          'window must be {"from": ISO-8601, "to": ISO-8601} with from before to, e.g. {"window": {"from": "2026-03-01T11:10:00Z", "to": "2026-03-01T12:20:00Z"}}; leave it out to analyse the hour before the incident opened',
        );
      }
      if (to - from > 7 * 86_400_000) {
        throw new InputError('window must span at most 7 days');
      }
      window = { fromMs: from, toMs: to };
    }
    const createdBy =
      credentials.principal.type === 'user'
        ? (credentials.principal as { userEntityRef: string }).userEntityRef
        : `service:${(credentials.principal as { subject: string }).subject}`;
    const { task } = await options.analysis.service.start(
      incident,
      window,
      createdBy,
    );
    res
      .status(202)
      .location(`${req.baseUrl}/v1/tasks/${task.id}`)
      .json({ taskId: task.id, task });
  });

  // The evidence rows of the incident (anomalous windows, templates, changes, topology), strongest first.
  router.get('/v1/incidents/:id/evidence', async (req, res) => {
    const { incident } = await readableIncident(req);
    const items = options.analysis
      ? await options.analysis.store.evidence(incident.id)
      : [];
    res.json({ items });
  });

  // Knowledge (issue 6): /v1/docs, /v1/search, /v1/incidents/:id/answer.
  registerKnowledgeRoutes(router, {
    httpAuth,
    permissions,
    idempotency,
    incidents,
    analyses: options.analysis?.store,
    knowledge: options.knowledge,
    maxDocBytes: options.maxDocBytes ?? 20 * 1024 * 1024,
  });

  // Remediation (issue 7): /v1/fix/*, /v1/audit/verify, /v1/exports/incident.
  registerFixRoutes(router, {
    httpAuth,
    permissions,
    idempotency,
    requireJson,
    ...options.fix,
  });

  router.use((req, _res, next) => {
    next(
      new NotFoundError(
        `No route ${req.method} ${req.path}; see /api/copilot/v1 in the plugin README for the API`,
      ),
    );
  });
  router.use(problemHandler(options.logger));
  return router;
}
