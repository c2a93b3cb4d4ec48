import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '@backstage/errors';
import type { FixExecution } from '@devops-copilot/backstage-plugin-copilot-common';
import { parseJson, toIso } from './util';

/**
 * Runner outputs (`commands` rows): each written once, signed, and never changed. The store has no
 * update path; writing an execution id a second time is a ConflictError and leaves the first intact.
 */
export class ExecutionStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { database: Knex }): ExecutionStore {
    return new ExecutionStore(options.database);
  }

  async record(execution: FixExecution): Promise<FixExecution> {
    try {
      await this.db.transaction(async tx => {
        const existing = await tx('commands')
          .where({ id: execution.id })
          .first();
        if (existing) throw new ConflictError('exists');
        await tx('commands').insert({
          id: execution.id,
          plan_id: execution.planId,
          runner: execution.runner,
          status: execution.status,
          output: JSON.stringify(execution.output),
          output_signature: execution.signature,
          output_hash: execution.outputHash,
          key_id: execution.keyId,
          pr_url: execution.prUrl ?? null,
          requested_by: execution.requestedBy,
          started_at: new Date(execution.startedAt),
          finished_at: new Date(execution.finishedAt),
        });
      });
    } catch (e) {
      if (
        e instanceof ConflictError ||
        /unique|duplicate|primary/i.test(String((e as Error).message))
      )
        throw new ConflictError(
          `execution ${execution.id} is already recorded; runner outputs are immutable`,
        );
      throw e;
    }
    return this.get(execution.id);
  }

  async get(id: string): Promise<FixExecution> {
    const row = await this.db('commands').where({ id }).first();
    if (!row) throw new NotFoundError(`No execution with id '${id}'`);
    return toExecution(row);
  }

  async listForPlans(planIds: string[]): Promise<FixExecution[]> {
    if (planIds.length === 0) return [];
    const rows: Array<Record<string, any>> = await this.db('commands')
      .whereIn('plan_id', planIds)
      .orderBy([
        { column: 'started_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(toExecution);
  }
}

function toExecution(r: Record<string, any>): FixExecution {
  return {
    id: r.id,
    planId: r.plan_id,
    runner: r.runner,
    status: r.status,
    requestedBy: r.requested_by,
    output: parseJson<Record<string, unknown>>(r.output, {}),
    outputHash: r.output_hash ?? '',
    signature: r.output_signature ?? '',
    keyId: r.key_id ?? '',
    ...(r.pr_url ? { prUrl: r.pr_url } : {}),
    startedAt: toIso(r.started_at),
    finishedAt: toIso(r.finished_at ?? r.started_at),
  };
}
