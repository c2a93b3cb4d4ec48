import { z } from 'zod/v3';
import { parseEntityRef } from '@backstage/catalog-model';
import { CAUSE_KINDS } from './types';

const entityRef = z.string().refine(
  v => {
    try {
      parseEntityRef(v);
      return v.includes(':') && v.includes('/');
    } catch {
      return false;
    }
  },
  { message: 'must be a full entity ref such as component:default/checkout' },
);

const timestamp = z.union([
  z.string().refine(v => !Number.isNaN(Date.parse(v)), {
    message: 'must be an ISO-8601 timestamp such as 2026-03-01T12:00:00Z',
  }),
  z.number().finite().nonnegative(),
]);

/**
 * One signal of an ingest batch.
 * @public
 */
export const signalInputSchema = z
  .object({
    source: z.string().min(1).max(200),
    kind: z.enum(['log', 'metric', 'event', 'deploy']),
    ts: timestamp,
    key: z.string().min(1).max(500).optional(),
    value: z.number().finite().optional(),
    text: z
      .string()
      .max(64 * 1024)
      .optional(),
    labels: z.record(z.string().max(2048)).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.kind === 'metric') {
      if (s.key === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['key'],
          message: 'a metric needs key (the metric name)',
        });
      if (s.value === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: 'a metric needs a numeric value',
        });
    }
    if (s.kind === 'log' && s.text === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: 'a log needs text (the log line)',
      });
    }
    if (
      (s.kind === 'event' || s.kind === 'deploy') &&
      s.key === undefined &&
      s.kind === 'event'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['key'],
        message: 'an event needs key (deploy, config_change, flag_change, ...)',
      });
    }
  });

/**
 * Body of `POST /incidents`.
 * @public
 */
export const createIncidentRequestSchema = z
  .object({
    title: z.string().min(1).max(500),
    entityRef,
    severity: z.enum(['critical', 'high', 'medium', 'low']).optional(),
    summary: z.string().max(20_000).optional(),
    fingerprint: z.string().min(1).max(500).optional(),
    labels: z.record(z.string().max(2048)).optional(),
    openedAt: z
      .string()
      .refine(v => !Number.isNaN(Date.parse(v)), {
        message: 'must be an ISO-8601 timestamp',
      })
      .optional(),
  })
  .strict();

/** The root-cause kinds a responder can confirm (`none` is not a cause). */
const confirmedRootCauseKind = z.enum(CAUSE_KINDS);

/**
 * Body of `PATCH /incidents/:id`.
 * @public
 */
export const updateIncidentRequestSchema = z
  .object({
    status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
    resolution: z
      .object({
        summary: z.string().min(1).max(20_000).optional(),
        hypothesisId: z.string().min(1).max(100).optional(),
        rootCause: z
          .object({ entityRef, kind: confirmedRootCauseKind })
          .strict()
          .optional(),
      })
      .strict()
      .refine(r => !(r.hypothesisId && r.rootCause), {
        message:
          'give either hypothesisId (confirms a hypothesis of the latest analysis) or rootCause, not both',
      })
      .optional(),
  })
  .strict()
  .refine(b => b.status !== undefined || b.resolution !== undefined, {
    message: 'nothing to change: give status and/or resolution',
  });

/**
 * Query of `GET /incidents`.
 * @public
 */
export const listIncidentsQuerySchema = z
  .object({
    entity: entityRef.optional(),
    status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().max(200).optional(),
  })
  .strict();
