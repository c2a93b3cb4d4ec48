import { createHash } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  signalInputSchema,
  type IngestItemError,
  type IngestResult,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { resolveEntity } from '../engine/ingest/resolve';
import type { SignalStore, StoredSignalInput } from '../stores/SignalStore';
import type { Bus } from '../bus/Bus';
import type { CatalogIndex } from './CatalogIndex';
import type { TemplateMiningService } from './TemplateMiningService';

/** Payload of `signal.ingest` bus messages. */
export interface SignalsIngestedEvent {
  accepted: number;
  entityRefs: string[];
  latestTsMs: number;
}

/**
 * The one ingest path, for the HTTP endpoint and for in-process signal sources alike: validate each
 * item, resolve its catalog entity, store the good ones, report the bad ones by index and field.
 */
export class IngestService {
  private resolvedAtVersion = -1;

  private constructor(
    private readonly signals: SignalStore,
    private readonly catalog: CatalogIndex,
    private readonly bus: Bus,
    private readonly logger: LoggerService,
    private readonly templates?: TemplateMiningService,
  ) {}

  static create(options: {
    signals: SignalStore;
    catalog: CatalogIndex;
    bus: Bus;
    logger: LoggerService;
    templates?: TemplateMiningService;
  }) {
    return new IngestService(
      options.signals,
      options.catalog,
      options.bus,
      options.logger,
      options.templates,
    );
  }

  async ingest(
    items: unknown[],
    options: { defaultSource?: string; now?: Date } = {},
  ): Promise<IngestResult> {
    const now = options.now ?? new Date();
    const { index } = await this.catalog.get(now.getTime());
    const errors: IngestItemError[] = [];
    const good: StoredSignalInput[] = [];
    items.forEach((item, i) => {
      const candidate =
        options.defaultSource &&
        item &&
        typeof item === 'object' &&
        !('source' in item)
          ? { ...(item as object), source: options.defaultSource }
          : item;
      const parsed = signalInputSchema.safeParse(candidate);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          errors.push({
            index: i,
            field: issue.path.join('.') || '(item)',
            reason: issue.message,
          });
        }
        return;
      }
      const s = parsed.data;
      const tsMs = typeof s.ts === 'number' ? s.ts : Date.parse(s.ts);
      if (tsMs > now.getTime() + 5 * 60_000) {
        errors.push({
          index: i,
          field: 'ts',
          reason:
            'timestamp is more than 5 minutes in the future; check the sender clock',
        });
        return;
      }
      const labels = s.labels ?? {};
      good.push({
        entityRef: resolveEntity(labels, index),
        source: s.source,
        kind: s.kind,
        tsMs,
        key: s.key,
        value: s.value,
        text: s.text,
        labels,
      });
    });
    await this.signals.insert(good, now);
    await this.templates?.observe(good, now);
    const entityRefs = [
      ...new Set(good.map(g => g.entityRef).filter((r): r is string => !!r)),
    ].sort();
    if (good.length > 0) {
      const event: SignalsIngestedEvent = {
        accepted: good.length,
        entityRefs,
        latestTsMs: Math.max(...good.map(g => g.tsMs)),
      };
      await this.bus.publish('signal.ingest', event);
    }
    const rejectedIndexes = new Set(errors.map(e => e.index));
    const result: IngestResult = {
      accepted: good.length,
      rejected: rejectedIndexes.size,
      unresolved: good.filter(g => !g.entityRef).length,
      errors,
    };
    if (result.unresolved > 0) {
      this.logger.debug(
        `${result.unresolved} signals not attributed to a catalog entity (kept)`,
      );
    }
    return result;
  }

  /**
   * When the catalog changed since the last pass, attributes the recent signals and changes that no
   * entity claimed when they arrived (typically those ingested while the catalog was still loading).
   */
  async reresolve(nowMs: number, lookbackMs = 2 * 3600_000): Promise<number> {
    const { index } = await this.catalog.get(nowMs);
    if (this.catalog.version === this.resolvedAtVersion) return 0;
    this.resolvedAtVersion = this.catalog.version;
    const pending = await this.signals.unresolved(nowMs - lookbackMs);
    const assign = <T>(
      items: Array<{ id: T; labels: Record<string, string> }>,
    ) =>
      items.flatMap(item => {
        const entityRef = resolveEntity(item.labels, index);
        return entityRef ? [{ id: item.id, entityRef }] : [];
      });
    const assignments = {
      signals: assign(pending.signals),
      changes: assign(pending.changes),
    };
    await this.signals.assignEntities(assignments);
    const n = assignments.signals.length + assignments.changes.length;
    if (n > 0)
      this.logger.info(
        `Attributed ${n} earlier unresolved signals to catalog entities`,
      );
    return n;
  }
}

/** Stable hash of a request body, to tell a retry from a different request under the same key. */
export function hashBody(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}
