import type { ErrorRequestHandler, RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { IngestItemError } from '@devops-copilot/backstage-plugin-copilot-common';

/** An error that carries per-item details and extra members for the problem document. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: { errors?: IngestItemError[]; [key: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const BACKSTAGE_ERRORS: Record<string, number> = {
  InputError: 400,
  AuthenticationError: 401,
  NotAllowedError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  NotModifiedError: 304,
  ServiceUnavailableError: 503,
};

/** Sets `x-request-id` (kept from the caller when it sent one) on every response. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.header('x-request-id');
  const id =
    incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
};

/** Turns every error into an RFC 9457 `application/problem+json` answer. */
export function problemHandler(logger: LoggerService): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const err = error as Error & {
      status?: number;
      statusCode?: number;
      type?: string;
      expose?: boolean;
    };
    let status = 500;
    let detail =
      'The copilot failed to handle the request; see the backend logs for this request id.';
    let extra: Record<string, unknown> = {};
    let title: string | undefined;
    if (err instanceof ProblemError) {
      status = err.status;
      title = err.title;
      detail = err.message;
      extra = err.extra;
    } else if (err && BACKSTAGE_ERRORS[err.name]) {
      status = BACKSTAGE_ERRORS[err.name];
      detail = err.message;
    } else if (
      err &&
      typeof (err.status ?? err.statusCode) === 'number' &&
      err.expose !== false
    ) {
      // body-parser and other http-errors style errors
      status = (err.status ?? err.statusCode)!;
      if (err.type === 'entity.too.large') {
        detail = `The request body is larger than this endpoint accepts; split the batch into smaller requests (limit: ${
          (err as any).limit
        } bytes).`;
      } else if (err.type === 'entity.parse.failed') {
        detail = `The request body is not valid JSON: ${err.message}. Send a JSON array of signals or {"signals": [...]}.`;
      } else {
        detail = err.message;
      }
    }
    if (status >= 500) {
      logger.error(
        `Request ${req.method} ${req.originalUrl} failed: ${err?.stack ?? err}`,
      );
    }
    res
      .status(status)
      .type('application/problem+json')
      .json({
        type: 'about:blank',
        title: title ?? TITLES[status] ?? 'Error',
        status,
        detail,
        instance: req.originalUrl,
        requestId: res.locals.requestId,
        ...extra,
      });
  };
}
