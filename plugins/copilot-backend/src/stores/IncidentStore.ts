import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type {
  Incident,
  IncidentSeverity,
  IncidentStatus,
  Page,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { InputError, NotFoundError } from '@backstage/errors';
import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import { parseJson, toIso, toMs } from './util';
import {
  applyIncidentCriteria,
  type IncidentQuery,
} from '../service/permissions';

/** What a caller gives to open an incident. */
export interface NewIncident {
  title: string;
  entityRef: string;
  severity?: IncidentSeverity;
  source: string;
  summary?: string;
  fingerprint?: string;
  labels?: Record<string, string>;
  affectedEntityRefs?: string[];
  openedAt?: Date;
  createdBy?: string;
}

/** Filters of {@link IncidentStore.list}. */
export interface IncidentListOptions {
  entityRef?: string;
  status?: IncidentStatus;
  limit?: number;
  cursor?: string;
  /** The permission filter, from a conditional decision. */
  criteria?: PermissionCriteria<IncidentQuery>;
}

type Row = {
  id: string;
  org_id: string;
  title: string;
  entity_ref: string;
  status: string;
  severity: string;
  source: string;
  fingerprint: string | null;
  summary: string | null;
  affected_entity_refs: string;
  labels: string;
  opened_at: unknown;
  updated_at: unknown;
  resolved_at: unknown;
  created_by: string | null;
};

const encodeCursor = (openedAtMs: number, id: string) =>
  Buffer.from(JSON.stringify([openedAtMs, id])).toString('base64url');

function decodeCursor(cursor: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      typeof v[0] === 'number' &&
      typeof v[1] === 'string'
    ) {
      return [v[0], v[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new InputError(
    'cursor is not valid: pass the nextCursor value of the previous page unchanged',
  );
}

/** Incidents: open, dedupe by fingerprint while open, list with cursor paging, update status. */
export class IncidentStore {
  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): IncidentStore {
    return new IncidentStore(options.database, options.orgId ?? 'default');
  }

  /**
   * Opens an incident, or, when an open one with the same fingerprint exists, refreshes that one
   * (summary, affected entities, severity only upwards) and returns it with `created: false`.
   */
  async open(
    input: NewIncident,
  ): Promise<{ incident: Incident; created: boolean }> {
    const result = await this.openIn(input);
    if (result.created) {
      for (const listener of this.openedListeners) {
        try {
          listener(result.incident);
        } catch {
          // a listener's failure is its own; the incident is stored
        }
      }
    }
    return result;
  }

  /** Calls `listener` with every incident this store creates (after it is committed). */
  onOpened(listener: (incident: Incident) => void): () => void {
    this.openedListeners.add(listener);
    return () => this.openedListeners.delete(listener);
  }

  private readonly openedListeners = new Set<(incident: Incident) => void>();

  private async openIn(
    input: NewIncident,
  ): Promise<{ incident: Incident; created: boolean }> {
    return this.db.transaction(async tx => {
      const now = new Date();
      if (input.fingerprint) {
        const existing = await tx<Row>('incidents')
          .where({ org_id: this.orgId, fingerprint: input.fingerprint })
          .whereIn('status', ['open', 'acknowledged'])
          .first();
        if (existing) {
          const affected = new Set([
            ...parseJson<string[]>(existing.affected_entity_refs, []),
            ...(input.affectedEntityRefs ?? []),
          ]);
          const severity = maxSeverity(
            existing.severity as IncidentSeverity,
            input.severity ?? 'medium',
          );
          await tx('incidents')
            .where({ id: existing.id })
            .update({
              summary: input.summary ?? existing.summary,
              severity,
              affected_entity_refs: JSON.stringify([...affected].sort()),
              updated_at: now,
            });
          const row = await tx<Row>('incidents')
            .where({ id: existing.id })
            .first();
          return { incident: toIncident(row!), created: false };
        }
      }
      const row = {
        id: randomUUID(),
        org_id: this.orgId,
        title: input.title,
        entity_ref: input.entityRef.toLocaleLowerCase('en-US'),
        status: 'open',
        severity: input.severity ?? 'medium',
        source: input.source,
        fingerprint: input.fingerprint ?? null,
        summary: input.summary ?? null,
        affected_entity_refs: JSON.stringify(input.affectedEntityRefs ?? []),
        labels: JSON.stringify(input.labels ?? {}),
        opened_at: input.openedAt ?? now,
        updated_at: now,
        resolved_at: null,
        created_by: input.createdBy ?? null,
      };
      await tx('incidents').insert(row);
      const stored = await tx<Row>('incidents').where({ id: row.id }).first();
      return { incident: toIncident(stored!), created: true };
    });
  }

  /** Incidents by id, in the order asked, undefined where missing (for the permission framework). */
  async getMany(ids: string[]): Promise<Array<Incident | undefined>> {
    if (ids.length === 0) return [];
    const rows = await this.db<Row>('incidents')
      .where({ org_id: this.orgId })
      .whereIn('id', ids);
    const byId = new Map(rows.map(r => [r.id, toIncident(r)]));
    return ids.map(id => byId.get(id));
  }

  async get(id: string): Promise<Incident> {
    const row = await this.db<Row>('incidents')
      .where({ org_id: this.orgId, id })
      .first();
    if (!row) {
      throw new NotFoundError(`No incident with id '${id}'`);
    }
    return toIncident(row);
  }

  async list(options: IncidentListOptions = {}): Promise<Page<Incident>> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const query = this.db<Row>('incidents').where({ org_id: this.orgId });
    if (options.entityRef) {
      const ref = options.entityRef.toLocaleLowerCase('en-US');
      query.where(q =>
        q
          .where('entity_ref', ref)
          .orWhere('affected_entity_refs', 'like', `%${JSON.stringify(ref)}%`),
      );
    }
    if (options.status) query.where('status', options.status);
    if (options.criteria) applyIncidentCriteria(query, options.criteria);
    if (options.cursor) {
      const [openedAtMs, id] = decodeCursor(options.cursor);
      const at = new Date(openedAtMs);
      query.where(q =>
        q
          .where('opened_at', '<', at)
          .orWhere(q2 =>
            q2.where('opened_at', '=', at).andWhere('id', '<', id),
          ),
      );
    }
    const rows = await query
      .orderBy([
        { column: 'opened_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit + 1);
    const items = rows.slice(0, limit).map(toIncident);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return last
      ? { items, nextCursor: encodeCursor(toMs(last.opened_at), last.id) }
      : { items };
  }

  /** The open (or acknowledged) incident with this fingerprint, if any. */
  async findOpenByFingerprint(
    fingerprint: string,
  ): Promise<Incident | undefined> {
    const row = await this.db<Row>('incidents')
      .where({ org_id: this.orgId, fingerprint })
      .whereIn('status', ['open', 'acknowledged'])
      .first();
    return row ? toIncident(row) : undefined;
  }

  async setStatus(id: string, status: IncidentStatus): Promise<Incident> {
    const now = new Date();
    const updated = await this.db('incidents')
      .where({ org_id: this.orgId, id })
      .update({
        status,
        updated_at: now,
        resolved_at: status === 'resolved' ? now : null,
      });
    if (updated === 0) throw new NotFoundError(`No incident with id '${id}'`);
    return this.get(id);
  }
}

const SEVERITY_ORDER: IncidentSeverity[] = [
  'low',
  'medium',
  'high',
  'critical',
];

function maxSeverity(
  a: IncidentSeverity,
  b: IncidentSeverity,
): IncidentSeverity {
  return SEVERITY_ORDER.indexOf(a) >= SEVERITY_ORDER.indexOf(b) ? a : b;
}

function toIncident(row: Row): Incident {
  return {
    id: row.id,
    title: row.title,
    entityRef: row.entity_ref,
    status: row.status as IncidentStatus,
    severity: row.severity as IncidentSeverity,
    source: row.source,
    fingerprint: row.fingerprint ?? undefined,
    summary: row.summary ?? undefined,
    affectedEntityRefs: parseJson<string[]>(row.affected_entity_refs, []),
    labels: parseJson<Record<string, string>>(row.labels, {}),
    openedAt: toIso(row.opened_at),
    updatedAt: toIso(row.updated_at),
    resolvedAt: row.resolved_at ? toIso(row.resolved_at) : undefined,
    createdBy: row.created_by ?? undefined,
  };
}
