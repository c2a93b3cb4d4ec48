import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { SignalKind } from '@devops-copilot/backstage-plugin-copilot-common';
import type { AttributedSignal } from '../engine/ingest/aggregate';
import { parseJson, toMs } from './util';

/** A validated, normalised signal, ready to store. */
export type StoredSignalInput = AttributedSignal;

/** A signal read back from the store. */
export interface StoredSignal extends StoredSignalInput {
  id: number;
}

/** A change (deploy, config change, flag flip) read back from the store. */
export interface ChangeEvent {
  id: string;
  entityRef?: string;
  kind: string;
  tsMs: number;
  author?: string;
  version?: string;
  diffSummary?: string;
  link?: string;
}

const CHANGE_KEYS = new Set([
  'deploy',
  'config_change',
  'flag_change',
  'commit',
  'ci_run',
  'rollback',
]);
const INSERT_CHUNK = 400;

/**
 * Signals kept row by row, with bounded retention: deploys and other events, and metric points that no
 * catalog entity claims yet (kept so that a later catalog can claim them). Logs and attributed metrics
 * are aggregated instead (RollupStore, TemplateStore). Also the change events derived from deploy and
 * event signals.
 */
export class SignalStore {
  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): SignalStore {
    return new SignalStore(options.database, options.orgId ?? 'default');
  }

  async insert(signals: StoredSignalInput[], receivedAt: Date): Promise<void> {
    if (signals.length === 0) return;
    await this.db.transaction(tx => this.insertIn(tx, signals, receivedAt));
  }

  /** Stores signals row by row, with the change events they carry, inside the caller's transaction. */
  async insertIn(
    tx: Knex.Transaction,
    signals: StoredSignalInput[],
    receivedAt: Date,
  ): Promise<void> {
    if (signals.length === 0) return;
    {
      const rows = signals.map(s => ({
        org_id: this.orgId,
        entity_ref: s.entityRef ?? null,
        source: s.source,
        kind: s.kind,
        ts: new Date(s.tsMs),
        key: s.key ?? null,
        value: s.value ?? null,
        text: s.text ?? null,
        labels: JSON.stringify(s.labels),
        received_at: receivedAt,
      }));
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await tx('signals').insert(rows.slice(i, i + INSERT_CHUNK));
      }
      const changes = signals
        .filter(
          s =>
            s.kind === 'deploy' ||
            (s.kind === 'event' && s.key && CHANGE_KEYS.has(s.key)),
        )
        .map(s => ({
          id: randomUUID(),
          org_id: this.orgId,
          entity_ref: s.entityRef ?? null,
          kind: s.kind === 'deploy' ? s.key ?? 'deploy' : s.key!,
          ts: new Date(s.tsMs),
          author: s.labels.author ?? null,
          version: s.labels.version ?? null,
          diff_summary: s.labels.diff ?? s.text ?? null,
          link: s.labels.link ?? s.labels.url ?? null,
          labels: JSON.stringify(s.labels),
        }));
      for (let i = 0; i < changes.length; i += INSERT_CHUNK) {
        await tx('change_events').insert(changes.slice(i, i + INSERT_CHUNK));
      }
    }
  }

  async count(filter: { entityRef?: string | null } = {}): Promise<number> {
    const q = this.db('signals').where({ org_id: this.orgId });
    if (filter.entityRef === null) q.whereNull('entity_ref');
    else if (filter.entityRef) q.where('entity_ref', filter.entityRef);
    const [{ n }] = await q.count({ n: '*' });
    return Number(n);
  }

  /** Signals in [fromMs, toMs), optionally of one kind, oldest first. */
  async query(options: {
    fromMs: number;
    toMs: number;
    kind?: SignalKind;
    key?: string;
    entityRef?: string;
    limit?: number;
  }): Promise<StoredSignal[]> {
    const q = this.db('signals')
      .where({ org_id: this.orgId })
      .where('ts', '>=', new Date(options.fromMs))
      .where('ts', '<', new Date(options.toMs));
    if (options.kind) q.where('kind', options.kind);
    if (options.key) q.where('key', options.key);
    if (options.entityRef) q.where('entity_ref', options.entityRef);
    const rows = await q.orderBy('ts', 'asc').limit(options.limit ?? 200_000);
    return rows.map(rowToSignal);
  }

  async changes(options: {
    fromMs: number;
    toMs: number;
    entityRef?: string;
  }): Promise<ChangeEvent[]> {
    const q = this.db('change_events')
      .where({ org_id: this.orgId })
      .where('ts', '>=', new Date(options.fromMs))
      .where('ts', '<', new Date(options.toMs));
    if (options.entityRef) q.where('entity_ref', options.entityRef);
    const rows = await q.orderBy('ts', 'asc');
    return rows.map(r => ({
      id: r.id,
      entityRef: r.entity_ref ?? undefined,
      kind: r.kind,
      tsMs: toMs(r.ts),
      author: r.author ?? undefined,
      version: r.version ?? undefined,
      diffSummary: r.diff_summary ?? undefined,
      link: r.link ?? undefined,
    }));
  }

  /** Signals and changes since `fromMs` that no catalog entity claimed yet, with their labels. */
  async unresolved(
    fromMs: number,
    limit = 50_000,
  ): Promise<{
    signals: StoredSignal[];
    changes: Array<{ id: string; labels: Record<string, string> }>;
  }> {
    const signals = await this.db('signals')
      .where({ org_id: this.orgId })
      .whereNull('entity_ref')
      .where('ts', '>=', new Date(fromMs))
      .limit(limit);
    const changes = await this.db('change_events')
      .where({ org_id: this.orgId })
      .whereNull('entity_ref')
      .where('ts', '>=', new Date(fromMs))
      .select('id', 'labels')
      .limit(limit);
    return {
      signals: signals.map(rowToSignal),
      changes: changes.map(r => ({
        id: String(r.id),
        labels: parseJson<Record<string, string>>(r.labels, {}),
      })),
    };
  }

  /** Attributes previously unresolved signals and changes to entities. */
  async assignEntities(assignments: {
    signals: Array<{ id: number; entityRef: string }>;
    changes: Array<{ id: string; entityRef: string }>;
  }): Promise<void> {
    const group = <T>(items: Array<{ id: T; entityRef: string }>) => {
      const m = new Map<string, T[]>();
      for (const a of items)
        m.set(a.entityRef, [...(m.get(a.entityRef) ?? []), a.id]);
      return m;
    };
    await this.db.transaction(async tx => {
      for (const [table, items] of [
        ['signals', assignments.signals],
        ['change_events', assignments.changes],
      ] as const) {
        for (const [entityRef, ids] of group<number | string>(items)) {
          for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
            await tx(table)
              .where({ org_id: this.orgId })
              .whereIn('id', ids.slice(i, i + INSERT_CHUNK))
              .update({ entity_ref: entityRef });
          }
        }
      }
    });
  }

  /** Deletes signal rows (unattributed metric points that a later catalog claimed and rolled up). */
  async deleteIn(tx: Knex.Transaction, ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
      await tx('signals')
        .where({ org_id: this.orgId })
        .whereIn('id', ids.slice(i, i + INSERT_CHUNK))
        .delete();
    }
  }

  /** Deletes raw signals older than the retention; returns how many went. */
  async prune(olderThanMs: number): Promise<number> {
    return this.db('signals')
      .where({ org_id: this.orgId })
      .where('ts', '<', new Date(olderThanMs))
      .delete();
  }
}

function rowToSignal(r: any): StoredSignal {
  return {
    id: Number(r.id),
    entityRef: r.entity_ref ?? undefined,
    source: r.source,
    kind: r.kind,
    tsMs: toMs(r.ts),
    key: r.key ?? undefined,
    value:
      r.value === null || r.value === undefined ? undefined : Number(r.value),
    text: r.text ?? undefined,
    labels: parseJson<Record<string, string>>(r.labels, {}),
  };
}
