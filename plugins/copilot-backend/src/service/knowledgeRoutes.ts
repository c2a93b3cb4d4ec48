import express from 'express';
import type Router from 'express-promise-router';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  copilotDocsManagePermission,
  copilotDocsReadPermission,
  copilotIncidentReadPermission,
  type KnowledgeDoc,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { KnowledgeError } from '../engine/knowledge';
import type { IdempotencyStore } from '../stores/IdempotencyStore';
import type { IncidentStore } from '../stores/IncidentStore';
import type { AnalysisStore } from '../stores/AnalysisStore';
import {
  KnowledgeService,
  type IngestInput,
} from '../knowledge/KnowledgeService';
import { ProblemError } from './problem';
import { multipartBoundary, parseMultipart } from './knowledgeMultipart';

export interface KnowledgeRouteDeps {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  idempotency: IdempotencyStore;
  incidents: IncidentStore;
  analyses?: AnalysisStore;
  knowledge?: KnowledgeService;
  /** Largest document accepted (`copilot.knowledge.maxDocBytes`). */
  maxDocBytes: number;
}

const ENTITY_REF = /^[\w-]+:[\w.-]+\/[\w.-]+$/;

const uploadSchema = z
  .object({
    title: z.string().trim().min(1).max(500).optional(),
    source: z.string().trim().min(1).max(1000).optional(),
    owner: z
      .string()
      .regex(ENTITY_REF, 'must be a full entity ref, e.g. group:default/team-a')
      .optional(),
    tags: z.array(z.string().min(1).max(100)).max(50).optional(),
    kind: z.enum(['runbook', 'postmortem', 'adr', 'other']),
    format: z.enum(['markdown', 'text', 'html', 'pdf']).optional(),
    content: z.string().optional(),
    contentBase64: z.string().optional(),
    filename: z.string().max(500).optional(),
  })
  .refine(b => (b.content === undefined) !== (b.contentBase64 === undefined), {
    message: 'send exactly one of content (text) or contentBase64',
    path: ['content'],
  });

const zodMessage = (issues: { path: PropertyKey[]; message: string }[]) =>
  issues
    .map(i => `${i.path.map(String).join('.') || 'body'}: ${i.message}`)
    .join('; ');

/** Maps the knowledge stage's typed input errors to problem documents with a stable `code`. */
function uploadProblem(error: KnowledgeError): ProblemError {
  const status: Record<string, [number, string]> = {
    EMPTY_DOCUMENT: [422, 'Unprocessable Content'],
    MALFORMED_DOCUMENT: [422, 'Unprocessable Content'],
    BINARY_CONTENT: [415, 'Unsupported Media Type'],
    UNKNOWN_FORMAT: [415, 'Unsupported Media Type'],
    DOCUMENT_TOO_LARGE: [413, 'Content Too Large'],
    EMBEDDING_PROVIDER: [503, 'Service Unavailable'],
  };
  const [code, title] = status[error.code] ?? [400, 'Bad Request'];
  const hint: Record<string, string> = {
    EMPTY_DOCUMENT: ' Send a document with text in it.',
    BINARY_CONTENT:
      ' Send Markdown, plain text, HTML, or a PDF with a text layer (as contentBase64 or a multipart file).',
    UNKNOWN_FORMAT:
      ' Supported: Markdown (.md), plain text (.txt), HTML (.html), PDF (.pdf); set format or the file name.',
    DOCUMENT_TOO_LARGE:
      ' Split the document, or raise copilot.knowledge.maxDocBytes.',
    MALFORMED_DOCUMENT: ' Fix the document and upload it again.',
  };
  return new ProblemError(
    code,
    title,
    `${error.message}.${hint[error.code] ?? ''}`.replace(/\.\./g, '.'),
    { code: error.code },
  );
}

/**
 * Knowledge routes: document upload/list/get/delete, hybrid search and cited incident answers.
 * Registered by createRouter before its not-found handler.
 */
export function registerKnowledgeRoutes(
  router: ReturnType<typeof Router>,
  deps: KnowledgeRouteDeps,
): void {
  const { httpAuth, permissions } = deps;
  const bodyLimit = Math.ceil(deps.maxDocBytes * 1.4) + 64 * 1024;
  const jsonParser = express.json({
    limit: bodyLimit,
    type: ['application/json', 'application/*+json'],
  });
  const rawParser = express.raw({
    limit: bodyLimit,
    type: 'multipart/form-data',
  });
  /** JSON or multipart/form-data, a 413 naming the document limit, a 415 for anything else. */
  const uploadBody: express.RequestHandler = (req, res, next) => {
    const done = (err?: unknown) => {
      const e = err as { type?: string } | undefined;
      if (e?.type === 'entity.too.large') {
        next(
          new ProblemError(
            413,
            'Content Too Large',
            `The upload is larger than copilot.knowledge.maxDocBytes (${deps.maxDocBytes} bytes) allows; split the document or raise the limit.`,
            { code: 'DOCUMENT_TOO_LARGE' },
          ),
        );
        return;
      }
      next(err);
    };
    if (req.is(['application/json', 'application/*+json'])) {
      jsonParser(req, res, done);
    } else if (req.is('multipart/form-data')) {
      rawParser(req, res, done);
    } else {
      next(
        new ProblemError(
          415,
          'Unsupported Media Type',
          `Content-Type '${
            req.header('content-type') ?? '(none)'
          }' is not accepted here; send JSON {title, kind, content | contentBase64, ...} as application/json, or a multipart/form-data form with a file part and kind, title, source, owner, tags fields.`,
        ),
      );
    }
  };

  const credentialsOf = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  const principalOf = (credentials: BackstageCredentials<any>) =>
    (credentials.principal as { type: string }).type === 'user'
      ? (credentials.principal as { userEntityRef: string }).userEntityRef
      : `service:${(credentials.principal as { subject: string }).subject}`;

  async function manager(req: express.Request) {
    const credentials = await credentialsOf(req);
    const [decision] = await permissions.authorize(
      [{ permission: copilotDocsManagePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW)
      throw new NotAllowedError(
        'You are not allowed to manage knowledge documents (copilot.docs.manage)',
      );
    return credentials;
  }

  /** Readers hold copilot.docs.read, or copilot.incident.read (on-call engineers). */
  async function reader(req: express.Request) {
    const credentials = await credentialsOf(req);
    const [docs] = await permissions.authorize(
      [{ permission: copilotDocsReadPermission }],
      { credentials },
    );
    if (docs.result === AuthorizeResult.ALLOW) return credentials;
    const [incidents] = await permissions.authorizeConditional(
      [{ permission: copilotIncidentReadPermission }],
      { credentials },
    );
    if (incidents.result === AuthorizeResult.DENY)
      throw new NotAllowedError(
        'You are not allowed to read knowledge documents (copilot.docs.read or copilot.incident.read)',
      );
    return credentials;
  }

  /** Incident documents are visible only to callers who may read that incident. */
  const visibility = (credentials: BackstageCredentials) => {
    const cache = new Map<string, Promise<boolean>>();
    return (doc: KnowledgeDoc): Promise<boolean> | boolean => {
      if (doc.kind !== 'incident') return true;
      const id = doc.source.replace(/^incident:/, '');
      if (!cache.has(id))
        cache.set(
          id,
          permissions
            .authorize(
              [{ permission: copilotIncidentReadPermission, resourceRef: id }],
              { credentials },
            )
            .then(([d]) => d.result === AuthorizeResult.ALLOW),
        );
      return cache.get(id)!;
    };
  };

  const service = () => {
    if (!deps.knowledge)
      throw new ProblemError(
        503,
        'Service Unavailable',
        'The knowledge stage is not enabled on this backend',
      );
    return deps.knowledge;
  };

  async function readableIncident(
    credentials: BackstageCredentials,
    id: string,
  ) {
    const incident = await deps.incidents.get(id).catch(() => undefined);
    const [decision] = incident
      ? await permissions.authorize(
          [{ permission: copilotIncidentReadPermission, resourceRef: id }],
          { credentials },
        )
      : [{ result: AuthorizeResult.DENY }];
    if (!incident || decision.result !== AuthorizeResult.ALLOW)
      throw new NotFoundError(`No incident with id '${id}'`);
    const analysis = await deps.analyses?.latest(id);
    const evidence = (await deps.analyses?.evidence(id)) ?? [];
    return { incident, analysis, evidence };
  }

  /** The upload as an ingest input, from JSON or multipart. */
  function uploadInput(req: express.Request): IngestInput {
    let fields: Record<string, unknown>;
    let file:
      | { data: Buffer; filename?: string; contentType?: string }
      | undefined;
    if (Buffer.isBuffer(req.body)) {
      const boundary = multipartBoundary(req.header('content-type'));
      if (!boundary)
        throw new InputError(
          'multipart/form-data without a boundary in the Content-Type',
        );
      let parts;
      try {
        parts = parseMultipart(req.body, boundary);
      } catch (e) {
        throw new InputError(
          `Malformed multipart body: ${(e as Error).message}`,
        );
      }
      fields = {};
      for (const p of parts) {
        if (p.filename !== undefined || p.name === 'file') {
          file = {
            data: p.data,
            filename: p.filename,
            contentType: p.contentType,
          };
        } else if (p.name === 'tags') {
          const tags = p.data
            .toString('utf8')
            .split(',')
            .map(t => t.trim())
            .filter(Boolean);
          fields.tags = [...((fields.tags as string[]) ?? []), ...tags];
        } else {
          fields[p.name] = p.data.toString('utf8');
        }
      }
      if (!file)
        throw new InputError(
          'The multipart form has no file part; send the document as a part named file',
        );
      fields.contentBase64 = '';
    } else {
      fields = (req.body ?? {}) as Record<string, unknown>;
    }
    const parsed = uploadSchema.safeParse(fields);
    if (!parsed.success)
      throw new InputError(
        `Invalid document upload: ${zodMessage(parsed.error.issues)}`,
      );
    const b = parsed.data;
    let content: string | Uint8Array;
    if (file) content = file.data;
    else if (b.content !== undefined) content = b.content;
    else {
      const base64 = b.contentBase64!.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(base64))
        throw new InputError('contentBase64 is not valid base64');
      content = Buffer.from(base64, 'base64');
    }
    return {
      title: b.title,
      kind: b.kind,
      source: b.source,
      owner: b.owner?.toLocaleLowerCase('en-US'),
      tags: b.tags,
      format: b.format,
      content,
      filename: b.filename ?? file?.filename,
      mimeType:
        file?.contentType && file.contentType !== 'application/octet-stream'
          ? file.contentType
          : undefined,
      origin: 'upload',
    };
  }

  router.post('/v1/docs', uploadBody, async (req, res) => {
    const credentials = await manager(req);
    const knowledge = service();
    const input = uploadInput(req);
    const key = req.header('idempotency-key');
    const scope = `docs.upload:${principalOf(credentials)}`;
    const bodyHash = key
      ? createHash('sha256')
          .update(
            JSON.stringify({ ...input, content: undefined, origin: undefined }),
          )
          .update(input.content)
          .digest('hex')
      : '';
    if (key) {
      const previous = await deps.idempotency.lookup(
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
    let result;
    try {
      result = await knowledge.ingest(input);
    } catch (e) {
      if (e instanceof KnowledgeError) throw uploadProblem(e);
      throw e;
    }
    const body = {
      doc: result.doc,
      chunks: result.chunks,
      replaced: result.replaced,
    };
    const status = result.replaced ? 200 : 201;
    if (key)
      await deps.idempotency.save(
        scope,
        key,
        bodyHash,
        { statusCode: status, body },
        new Date(),
      );
    res
      .status(status)
      .location(`${req.baseUrl}/v1/docs/${result.doc.id}`)
      .json(body);
  });

  router.get('/v1/docs', async (req, res) => {
    await reader(req);
    const { kind, owner, cursor } = req.query;
    if (
      kind !== undefined &&
      !['runbook', 'postmortem', 'adr', 'other', 'incident'].includes(
        String(kind),
      )
    )
      throw new InputError(
        'kind must be runbook, postmortem, adr, other or incident',
      );
    if (owner !== undefined && !ENTITY_REF.test(String(owner)))
      throw new InputError(
        'owner must be a full entity ref, e.g. group:default/team-a',
      );
    const limit = Number(req.query.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new InputError('limit must be an integer from 1 to 500');
    if (!deps.knowledge) {
      res.json({ items: [] });
      return;
    }
    res.json(
      await service().listDocs({
        kind: kind as string | undefined,
        owner: (owner as string | undefined)?.toLocaleLowerCase('en-US'),
        limit,
        cursor: cursor as string | undefined,
      }),
    );
  });

  router.get('/v1/docs/:id', async (req, res) => {
    const credentials = await reader(req);
    const knowledge = service();
    const doc = await knowledge.getDoc(req.params.id);
    if (!(await visibility(credentials)(doc)))
      throw new NotFoundError(`No document with id '${req.params.id}'`);
    if (req.query.include === undefined) {
      res.json(doc);
      return;
    }
    if (req.query.include !== 'chunks')
      throw new InputError('include must be chunks (or left out)');
    const chunks = (await knowledge.chunks(doc.id)).map(c => ({
      ordinal: c.ordinal,
      text: c.text,
      headingPath: c.headingPath,
      lineStart: c.lineStart,
      lineEnd: c.lineEnd,
      ...(c.page !== undefined ? { page: c.page } : {}),
      kind: c.kind,
    }));
    res.json({ ...doc, chunks });
  });

  router.delete('/v1/docs/:id', async (req, res) => {
    await manager(req);
    const doc = await service().remove(req.params.id);
    res.json({ deleted: doc.id, chunks: doc.chunkCount });
  });

  router.get('/v1/search', async (req, res) => {
    const credentials = await reader(req);
    const knowledge = service();
    const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    const incidentId =
      typeof req.query.incident_id === 'string'
        ? req.query.incident_id
        : undefined;
    if (!q && !incidentId)
      throw new InputError(
        'Give q (the query text), incident_id (search for an incident), or both',
      );
    if (q.length > 4000)
      throw new InputError('q is longer than 4000 characters');
    const k = Number(req.query.k ?? 5);
    if (!Number.isInteger(k) || k < 1 || k > 50)
      throw new InputError('k must be an integer from 1 to 50');
    let query = q;
    const excludeSources: string[] = [];
    if (incidentId) {
      const { incident, analysis, evidence } = await readableIncident(
        credentials,
        incidentId,
      );
      query = [q, KnowledgeService.incidentQuery(incident, analysis, evidence)]
        .filter(Boolean)
        .join('\n');
      excludeSources.push(`incident:${incident.id}`);
    }
    const result = await knowledge.search(query, {
      k,
      visible: visibility(credentials),
      excludeSources,
    });
    res.json({
      query,
      ...(incidentId ? { incidentId } : {}),
      confidence: result.confidence,
      items: result.items,
    });
  });

  router.post('/v1/incidents/:id/answer', async (req, res, next) => {
    // The body is optional: {question?}; JSON only when present.
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) {
      next(
        new ProblemError(
          415,
          'Unsupported Media Type',
          'send {"question": "..."} as application/json, or no body',
        ),
      );
      return;
    }
    if (hasBody)
      await new Promise<void>((resolve, reject) =>
        express.json({ limit: 64 * 1024 })(req, res, err =>
          err ? reject(err) : resolve(),
        ),
      );
    const credentials = await credentialsOf(req);
    const body = (hasBody ? req.body : {}) as { question?: unknown };
    if (
      body.question !== undefined &&
      (typeof body.question !== 'string' || body.question.length > 2000)
    )
      throw new InputError(
        'question must be a string of at most 2000 characters',
      );
    const { incident, analysis, evidence } = await readableIncident(
      credentials,
      req.params.id,
    );
    const answer = await service().answer(incident, {
      question: body.question as string | undefined,
      analysis,
      evidence,
      visible: visibility(credentials),
    });
    res.json(answer);
  });
}
