import type { Knex } from 'knex';
import type { KeyObject } from 'node:crypto';
import {
  appendAudit,
  type AuditEntry,
  type AuditRow,
} from '../engine/remediate';

const MAX_RETRIES = 5;

/**
 * The hash-chained audit log (`audit_log`). Append-only: this store can add rows and read them, and has
 * no update or delete. Each row hashes its predecessor and is signed (engine `appendAudit`).
 */
export class AuditStore {
  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): AuditStore {
    return new AuditStore(options.database, options.orgId ?? 'default');
  }

  /**
   * Appends `entry` after the current head of the chain, signed with `privateKey`. Concurrent appends
   * race on the unique chain position; the loser retries on the new head.
   */
  async append(
    entry: AuditEntry & { incidentId?: string },
    privateKey: KeyObject,
  ): Promise<AuditRow> {
    const { incidentId, ...rest } = entry;
    // What is hashed must survive a JSON round trip unchanged.
    const clean: AuditEntry = JSON.parse(JSON.stringify(rest));
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction(async tx => {
          const head = await tx('audit_log')
            .whereNotNull('chain_seq')
            .orderBy('chain_seq', 'desc')
            .first();
          const row = appendAudit(
            head ? toRow(head) : undefined,
            clean,
            privateKey,
          );
          const [type, ...id] = row.subject.split(':');
          await tx('audit_log').insert({
            org_id: this.orgId,
            actor: row.actor,
            action: row.action,
            subject_type: (id.length ? type : 'other').slice(0, 64),
            subject_id: (id.length ? id.join(':') : type).slice(0, 64),
            subject: row.subject,
            payload: JSON.stringify(row.data ?? null),
            prev_hash: row.prevHash,
            hash: row.hash,
            signature: row.signature,
            chain_seq: row.seq,
            at: row.at,
            incident_id: incidentId ?? null,
            created_at: new Date(row.at),
          });
          return row;
        });
      } catch (e) {
        if (
          attempt < MAX_RETRIES &&
          /unique|duplicate/i.test(String((e as Error).message))
        )
          continue;
        throw e;
      }
    }
  }

  /** Every row of the chain, in chain order. */
  async all(): Promise<AuditRow[]> {
    const rows: Array<Record<string, any>> = await this.db('audit_log')
      .whereNotNull('chain_seq')
      .orderBy('chain_seq', 'asc');
    return rows.map(toRow);
  }

  /** The rows about one incident (its plans, preflights, approvals, executions), in chain order. */
  async forIncident(incidentId: string): Promise<AuditRow[]> {
    const rows: Array<Record<string, any>> = await this.db('audit_log')
      .where({ incident_id: incidentId })
      .whereNotNull('chain_seq')
      .orderBy('chain_seq', 'asc');
    return rows.map(toRow);
  }
}

function toRow(r: Record<string, any>): AuditRow {
  let data: Record<string, unknown> | undefined;
  try {
    data = r.payload ? JSON.parse(r.payload) ?? undefined : undefined;
  } catch {
    // An unreadable payload cannot match its hash: keep the text so verification fails on it.
    data = { unreadable: String(r.payload) };
  }
  return {
    at: r.at,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    ...(data !== undefined ? { data } : {}),
    seq: Number(r.chain_seq),
    prevHash: r.prev_hash,
    hash: r.hash,
    signature: r.signature ?? '',
  };
}
