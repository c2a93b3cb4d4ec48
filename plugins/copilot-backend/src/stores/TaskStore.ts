import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { NotFoundError } from '@backstage/errors';
import type { Task } from '@devops-copilot/backstage-plugin-copilot-common';
import { parseJson, toIso } from './util';

/** Tasks: long operations with progress and a stored result (DESIGN.md section 3). */
export class TaskStore {
  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): TaskStore {
    return new TaskStore(options.database, options.orgId ?? 'default');
  }

  async create(input: {
    kind: string;
    input?: Record<string, unknown>;
    createdBy?: string;
  }): Promise<Task> {
    const now = new Date();
    const task: Task = {
      id: randomUUID(),
      kind: input.kind,
      status: 'queued',
      progress: 0,
      ...(input.input ? { input: input.input } : {}),
      ...(input.createdBy ? { createdBy: input.createdBy } : {}),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await this.db('tasks').insert({
      id: task.id,
      org_id: this.orgId,
      kind: task.kind,
      status: task.status,
      progress: 0,
      message: null,
      input: input.input ? JSON.stringify(input.input) : null,
      result: null,
      error: null,
      created_by: input.createdBy ?? null,
      created_at: now,
      updated_at: now,
    });
    return task;
  }

  /** Records progress, completion or failure. */
  async update(
    id: string,
    patch: Partial<
      Pick<Task, 'status' | 'progress' | 'message' | 'result' | 'error'>
    >,
  ): Promise<Task> {
    const row: Record<string, unknown> = { updated_at: new Date() };
    if (patch.status) row.status = patch.status;
    if (patch.progress !== undefined) row.progress = patch.progress;
    if (patch.message !== undefined) row.message = patch.message;
    if (patch.result !== undefined) row.result = JSON.stringify(patch.result);
    if (patch.error !== undefined) row.error = patch.error;
    await this.db('tasks').where({ org_id: this.orgId, id }).update(row);
    return this.get(id);
  }

  async get(id: string): Promise<Task> {
    const r = await this.db('tasks').where({ org_id: this.orgId, id }).first();
    if (!r) throw new NotFoundError(`No task with id '${id}'`);
    return {
      id: r.id,
      kind: r.kind,
      status: r.status,
      progress: Number(r.progress),
      ...(r.message ? { message: r.message } : {}),
      ...(r.input ? { input: parseJson(r.input, {}) } : {}),
      ...(r.result ? { result: parseJson(r.result, null) } : {}),
      ...(r.error ? { error: r.error } : {}),
      ...(r.created_by ? { createdBy: r.created_by } : {}),
      createdAt: toIso(r.created_at),
      updatedAt: toIso(r.updated_at),
    };
  }
}
