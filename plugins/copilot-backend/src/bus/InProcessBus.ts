import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Bus, BusHandler, BusMessage, BusTopic } from './Bus';

/**
 * Delivers each message to every subscriber of its topic on the next tick, in publish order per
 * subscriber. A failing handler is logged and does not affect the publisher or other handlers.
 */
export class InProcessBus implements Bus {
  private readonly handlers = new Map<BusTopic, Set<BusHandler<any>>>();
  private pending = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly logger: LoggerService) {}

  async publish<T>(topic: BusTopic, payload: T): Promise<void> {
    if (this.closed)
      throw new Error(`bus is closed; cannot publish to ${topic}`);
    const message: BusMessage<T> = {
      topic,
      payload,
      publishedAt: new Date().toISOString(),
    };
    for (const handler of this.handlers.get(topic) ?? []) {
      const p = Promise.resolve()
        .then(() => handler(message))
        .catch(error =>
          this.logger.error(`bus handler for ${topic} failed: ${error}`),
        )
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  subscribe<T>(topic: BusTopic, handler: BusHandler<T>): () => void {
    const set = this.handlers.get(topic) ?? new Set();
    set.add(handler);
    this.handlers.set(topic, set);
    return () => set.delete(handler);
  }

  /** Resolves when every delivered message has been handled (used by tests and shutdown). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
    this.handlers.clear();
  }
}
