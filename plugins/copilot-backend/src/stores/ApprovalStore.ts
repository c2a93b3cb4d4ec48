import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { ConflictError } from '@backstage/errors';
import type { FixApproval } from '@devops-copilot/backstage-plugin-copilot-common';
import { toIso } from './util';

/** Approvals of fix plans: one per plan and approver, with a note. Never updated or deleted. */
export class ApprovalStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { database: Knex }): ApprovalStore {
    return new ApprovalStore(options.database);
  }

  /** Records an approval; the same approver approving the same plan twice is a ConflictError. */
  async add(input: {
    planId: string;
    approver: string;
    note?: string;
    now?: Date;
  }): Promise<FixApproval> {
    const existing = await this.db('approvals')
      .where({ plan_id: input.planId, approver: input.approver })
      .first();
    if (existing)
      throw new ConflictError(
        `${input.approver} already approved fix plan ${input.planId}`,
      );
    const row = {
      id: randomUUID(),
      plan_id: input.planId,
      approver: input.approver,
      decision: 'approved',
      note: input.note ?? null,
      created_at: input.now ?? new Date(),
    };
    await this.db('approvals').insert(row);
    return toApproval(row);
  }

  async list(planId: string): Promise<FixApproval[]> {
    return this.listMany([planId]);
  }

  async listMany(planIds: string[]): Promise<FixApproval[]> {
    if (planIds.length === 0) return [];
    const rows: Array<Record<string, any>> = await this.db('approvals')
      .whereIn('plan_id', planIds)
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(toApproval);
  }
}

function toApproval(r: Record<string, any>): FixApproval {
  return {
    id: r.id,
    planId: r.plan_id,
    approver: r.approver,
    decision: 'approved',
    ...(r.note ? { note: r.note } : {}),
    createdAt: toIso(r.created_at),
  };
}
