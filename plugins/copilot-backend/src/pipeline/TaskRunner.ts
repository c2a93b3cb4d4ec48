import { EventEmitter } from 'node:events';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Task } from '@devops-copilot/backstage-plugin-copilot-common';
import type { TaskStore } from '../stores/TaskStore';

/** Reports a task's progress in [0, 1] with a short message. */
export type ReportProgress = (
  progress: number,
  message: string,
) => Promise<void>;

const TERMINAL = new Set<Task['status']>(['succeeded', 'failed']);

/**
 * Runs long operations as tasks: `start` stores the task and returns it at once, the work runs in the
 * background, and every change is stored and emitted to the subscribers of the task (the SSE stream).
 */
export class TaskRunner {
  private readonly events = new EventEmitter();

  constructor(
    private readonly store: TaskStore,
    private readonly logger: LoggerService,
  ) {
    this.events.setMaxListeners(0);
  }

  async start<R>(
    spec: { kind: string; input?: Record<string, unknown>; createdBy?: string },
    work: (report: ReportProgress) => Promise<R>,
  ): Promise<{ task: Task; done: Promise<Task> }> {
    const task = await this.store.create(spec);
    const done = this.execute(task, work);
    return { task, done };
  }

  /** Calls `listener` with every change of the task until it ends; returns the unsubscribe function. */
  subscribe(id: string, listener: (task: Task) => void): () => void {
    this.events.on(id, listener);
    return () => this.events.off(id, listener);
  }

  get(id: string): Promise<Task> {
    return this.store.get(id);
  }

  static isTerminal(task: Task): boolean {
    return TERMINAL.has(task.status);
  }

  private async execute<R>(
    task: Task,
    work: (report: ReportProgress) => Promise<R>,
  ): Promise<Task> {
    const emit = (t: Task) => {
      this.events.emit(task.id, t);
      return t;
    };
    try {
      emit(
        await this.store.update(task.id, {
          status: 'running',
          message: 'started',
        }),
      );
      const result = await work(async (progress, message) => {
        emit(
          await this.store.update(task.id, {
            progress: Math.max(0, Math.min(1, progress)),
            message,
          }),
        );
      });
      return emit(
        await this.store.update(task.id, {
          status: 'succeeded',
          progress: 1,
          message: 'done',
          result,
        }),
      );
    } catch (error) {
      this.logger.error(`Task ${task.kind} ${task.id} failed: ${error}`);
      const failed: Task = {
        ...task,
        status: 'failed',
        error: String((error as Error)?.message ?? error),
        updatedAt: new Date().toISOString(),
      };
      try {
        return emit(
          await this.store.update(task.id, {
            status: 'failed',
            error: failed.error,
          }),
        );
      } catch (storeError) {
        // The store itself is gone (shutdown): report the failure to live subscribers only.
        this.logger.warn(
          `Task ${task.id}: could not store its failure: ${storeError}`,
        );
        return emit(failed);
      }
    }
  }
}
