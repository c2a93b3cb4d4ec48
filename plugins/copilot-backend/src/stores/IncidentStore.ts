import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type {
  Incident,
  IncidentResolution,
  IncidentSeverity,
  IncidentStatus,
  Page,
  RootCauseKind,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { NotFoundError } from '@backstage/errors';
import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import { keysetPage, parseJson, toIso, toMs } from './util';
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
  resolution_summary?: string | null;
  root_cause_entity_ref?: string | null;
  root_cause_kind?: string | null;
  root_cause_hypothesis_id?: string | null;
  resolution_by?: string | null;
  resolution_at?: unknown;
};

/** A change to an incident: its status and/or the responders' resolution. */
export interface IncidentUpdate {
  status?: IncidentStatus;
  /** Replaces the fields it gives (summary, root cause); the others are kept. */
  resolution?: {
    summary?: string;
    rootCause?: {
      entityRef: string;
      kind: Exclude<RootCauseKind, 'none'>;
      hypothesisId?: string;
    };
  };
  /** Who made the change. */
  actor?: string;
}

/** A confirmed root cause of an earlier incident (what later analyses read as history). */
export interface ConfirmedRootCause {
  incidentId: string;
  entityRef: string;
  kind: Exclude<RootCauseKind, 'none'>;
  /** When the incident opened. */
  atMs: number;
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

  /** Calls `listener` with every incident this store changes through {@link IncidentStore.update}. */
  onUpdated(listener: (incident: Incident) => void): () => void {
    this.updatedListeners.add(listener);
    return () => this.updatedListeners.delete(listener);
  }

  private readonly updatedListeners = new Set<(incident: Incident) => void>();

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
    return keysetPage<Row, Incident>(query, 'opened_at', options, toIncident);
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

  /**
   * Changes the status and/or records the resolution. Resolving stamps `resolved_at` (kept when it was
   * already resolved); reopening clears it. The resolution's fields replace the stored ones they name.
   */
  async update(id: string, change: IncidentUpdate): Promise<Incident> {
    const now = new Date();
    await this.db.transaction(async tx => {
      const row = await tx<Row>('incidents')
        .where({ org_id: this.orgId, id })
        .first();
      if (!row) throw new NotFoundError(`No incident with id '${id}'`);
      const patch: Record<string, unknown> = { updated_at: now };
      if (change.status && change.status !== row.status) {
        patch.status = change.status;
        patch.resolved_at = change.status === 'resolved' ? now : null;
      }
      const r = change.resolution;
      if (r) {
        if (r.summary !== undefined) patch.resolution_summary = r.summary;
        if (r.rootCause) {
          patch.root_cause_entity_ref =
            r.rootCause.entityRef.toLocaleLowerCase('en-US');
          patch.root_cause_kind = r.rootCause.kind;
          patch.root_cause_hypothesis_id = r.rootCause.hypothesisId ?? null;
        }
        patch.resolution_by = change.actor ?? null;
        patch.resolution_at = now;
      }
      await tx('incidents').where({ org_id: this.orgId, id }).update(patch);
    });
    const incident = await this.get(id);
    for (const listener of this.updatedListeners) {
      try {
        listener(incident);
      } catch {
        // a listener's failure is its own; the change is stored
      }
    }
    return incident;
  }

  /**
   * Confirmed root causes of incidents opened in [fromMs, toMs), optionally only those on `entityRefs`
   * (lower-case refs), newest first, at most `limit`.
   */
  async confirmedRootCauses(options: {
    fromMs: number;
    toMs: number;
    entityRefs?: readonly string[];
    limit?: number;
  }): Promise<ConfirmedRootCause[]> {
    const out: ConfirmedRootCause[] = [];
    const limit = options.limit ?? 1000;
    const refs = options.entityRefs
      ? [...new Set(options.entityRefs.map(r => r.toLocaleLowerCase('en-US')))]
      : undefined;
    const chunks = refs
      ? Array.from({ length: Math.ceil(refs.length / 500) }, (_, i) =>
          refs.slice(i * 500, i * 500 + 500),
        )
      : [undefined];
    for (const chunk of chunks) {
      if (chunk && chunk.length === 0) continue;
      const q = this.db<Row>('incidents')
        .where({ org_id: this.orgId })
        .whereNotNull('root_cause_entity_ref')
        .whereNotNull('root_cause_kind')
        .where('opened_at', '>=', new Date(options.fromMs))
        .where('opened_at', '<', new Date(options.toMs))
        .orderBy([
          { column: 'opened_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(limit)
        .select('id', 'root_cause_entity_ref', 'root_cause_kind', 'opened_at');
      if (chunk) q.whereIn('root_cause_entity_ref', chunk);
      for (const r of await q)
        out.push({
          incidentId: r.id,
          entityRef: r.root_cause_entity_ref!,
          kind: r.root_cause_kind as ConfirmedRootCause['kind'],
          atMs: toMs(r.opened_at),
        });
    }
    return out
      .sort((a, b) => b.atMs - a.atMs || (a.incidentId < b.incidentId ? 1 : -1))
      .slice(0, limit);
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
  const resolution = resolutionOf(row);
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
    ...(resolution ? { resolution } : {}),
  };
}

function resolutionOf(row: Row): IncidentResolution | undefined {
  if (!row.resolution_at) return undefined;
  const resolution: IncidentResolution = { at: toIso(row.resolution_at) };
  if (row.resolution_summary) resolution.summary = row.resolution_summary;
  if (row.root_cause_entity_ref && row.root_cause_kind)
    resolution.rootCause = {
      entityRef: row.root_cause_entity_ref,
      kind: row.root_cause_kind as Exclude<RootCauseKind, 'none'>,
      ...(row.root_cause_hypothesis_id
        ? { hypothesisId: row.root_cause_hypothesis_id }
        : {}),
    };
  if (row.resolution_by) resolution.by = row.resolution_by;
  return resolution;
}
