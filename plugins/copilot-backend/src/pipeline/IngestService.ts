import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  signalInputSchema,
  type IngestItemError,
  type IngestResult,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { resolveEntity, type EntityIndex } from '../engine/ingest/resolve';
import { callerName } from '../engine/correlate/calls';
import { fastSignal } from '../engine/ingest/validate';
import {
  CumulativeToDelta,
  deltaOfCumulativeSignal,
} from '../engine/ingest/cumulative';
import {
  MINUTE_MS,
  SignalAggregator,
  type AttributedSignal,
  type MetricCell,
  type RollupLevel,
} from '../engine/ingest/aggregate';
import type { SignalStore } from '../stores/SignalStore';
import type { RollupStore } from '../stores/RollupStore';
import { templateRowId } from '../stores/TemplateStore';
import type { Bus } from '../bus/Bus';
import type { CatalogIndex } from './CatalogIndex';
import type {
  NovelTemplate,
  TemplateMiningService,
} from './TemplateMiningService';

/** Payload of `signal.ingest` bus messages. */
export interface SignalsIngestedEvent {
  accepted: number;
  entityRefs: string[];
  latestTsMs: number;
  /** Templates first seen in the batch that are unlike every earlier one of their entity. */
  novelTemplates?: NovelTemplate[];
}

/** Work a catalog change brings: signals that an entity now claims. */
interface Reattribution {
  sampleIds: number[];
  signalIds: number[];
  volume: Array<{ minuteMs: number; level: RollupLevel; count: number }>;
}

/**
 * The one ingest path, for the HTTP endpoints and for in-process signal sources alike: validate each
 * item, resolve its catalog entity, then aggregate (parse and mine log lines, roll metrics up per minute,
 * sample raw lines) and write the batch in one transaction. Batches are committed one at a time, in
 * arrival order, so the miners and the rollup cache stay in step with the store.
 */
/** The catalog entity of the caller a call counter names, if it resolves. */
function resolveCaller(
  metric: string,
  labels: Record<string, string>,
  index: EntityIndex,
): string | undefined {
  const caller = callerName(metric, labels);
  return caller ? resolveEntity({ service: caller }, index) : undefined;
}

export class IngestService {
  private resolvedAtVersion = -1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly aggregator: SignalAggregator;
  /** Cumulative-to-delta state of this process, shared with the OTLP receiver (engine/ingest/cumulative). */
  readonly cumulative: CumulativeToDelta;

  private constructor(
    private readonly db: Knex,
    private readonly signals: SignalStore,
    private readonly rollups: RollupStore,
    private readonly templates: TemplateMiningService,
    private readonly catalog: CatalogIndex,
    private readonly bus: Bus,
    private readonly logger: LoggerService,
    aggregator?: SignalAggregator,
    cumulative?: CumulativeToDelta,
  ) {
    this.aggregator = aggregator ?? new SignalAggregator();
    this.cumulative = cumulative ?? new CumulativeToDelta();
  }

  static create(options: {
    database: Knex;
    signals: SignalStore;
    rollups: RollupStore;
    templates: TemplateMiningService;
    catalog: CatalogIndex;
    bus: Bus;
    logger: LoggerService;
    aggregator?: SignalAggregator;
    cumulative?: CumulativeToDelta;
  }) {
    return new IngestService(
      options.database,
      options.signals,
      options.rollups,
      options.templates,
      options.catalog,
      options.bus,
      options.logger,
      options.aggregator,
      options.cumulative,
    );
  }

  async ingest(
    items: unknown[],
    options: { defaultSource?: string; now?: Date } = {},
  ): Promise<IngestResult> {
    const now = options.now ?? new Date();
    const { index } = await this.catalog.get(now.getTime());
    const errors: IngestItemError[] = [];
    let withheld = 0;
    const good: AttributedSignal[] = [];
    items.forEach((item, i) => {
      const candidate =
        options.defaultSource &&
        item &&
        typeof item === 'object' &&
        !('source' in item)
          ? { ...(item as object), source: options.defaultSource }
          : item;
      let s = fastSignal(candidate);
      if (!s) {
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
        s = parsed.data;
      }
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
      // A metric labelled temporality: cumulative becomes the delta since its previous point.
      const signal = deltaOfCumulativeSignal(this.cumulative, {
        entityRef:
          resolveEntity(labels, index) ??
          // A service-graph or mesh call counter names its caller only in its own labels.
          (s.kind === 'metric' && s.key
            ? resolveCaller(s.key, labels, index)
            : undefined),
        source: s.source,
        kind: s.kind,
        tsMs,
        key: s.key,
        value: s.value,
        text: s.text,
        labels,
      });
      if (signal) good.push(signal);
      else withheld++;
    });
    const novelTemplates = await this.serially(() => this.commit(good, now));
    const entityRefs = [
      ...new Set(good.map(g => g.entityRef).filter((r): r is string => !!r)),
    ].sort();
    if (good.length > 0) {
      let latestTsMs = -Infinity;
      for (const g of good) if (g.tsMs > latestTsMs) latestTsMs = g.tsMs;
      const event: SignalsIngestedEvent = {
        accepted: good.length,
        entityRefs,
        latestTsMs,
        ...(novelTemplates.length > 0 ? { novelTemplates } : {}),
      };
      await this.bus.publish('signal.ingest', event);
    }
    for (const t of novelTemplates) {
      this.logger.info(
        `New ${t.level} log signature for ${t.entityRef}: ${t.template}`,
      );
    }
    const rejectedIndexes = new Set(errors.map(e => e.index));
    const result: IngestResult = {
      accepted: good.length,
      rejected: rejectedIndexes.size,
      unresolved: good.filter(g => !g.entityRef).length,
      ...(withheld > 0 ? { withheld } : {}),
      errors,
    };
    if (result.unresolved > 0) {
      this.logger.debug(
        `${result.unresolved} signals not attributed to a catalog entity (kept)`,
      );
    }
    return result;
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Aggregates a batch and writes it in one transaction; returns the novel templates it found. */
  private async commit(
    batch: AttributedSignal[],
    now: Date,
    reattribution?: Reattribution,
  ): Promise<NovelTemplate[]> {
    if (batch.length === 0 && !reattribution) return [];
    const logEntities = new Set<string>();
    const linesPerEntity = new Map<string, number>();
    for (const s of batch) {
      if (s.kind === 'log' && s.entityRef) {
        logEntities.add(s.entityRef);
        linesPerEntity.set(
          s.entityRef,
          (linesPerEntity.get(s.entityRef) ?? 0) + 1,
        );
      }
    }
    const minerOf = await this.templates.prepare(logEntities);
    const aggregate = this.aggregator.aggregate(batch, minerOf);
    const novel = await this.templates.classify(
      aggregate.newTemplates,
      linesPerEntity,
    );
    let cells: MetricCell[] = [];
    try {
      await this.db.transaction(async tx => {
        await this.signals.insertIn(tx, aggregate.rows, now);
        cells = await this.rollups.write(tx, aggregate, templateRowId);
        await this.templates.save(tx, aggregate.templateCounts, now);
        if (reattribution) {
          await this.rollups.deleteSamples(tx, reattribution.sampleIds);
          await this.signals.deleteIn(tx, reattribution.signalIds);
          await this.rollups.reattributeVolume(tx, reattribution.volume);
        }
      });
    } catch (error) {
      // The miners ran ahead of the store; rebuild them from what was committed.
      this.templates.reset();
      throw error;
    }
    this.rollups.committed(cells);
    return novel;
  }

  /**
   * When the catalog changed since the last pass, attributes the recent signals, sampled log lines and
   * changes that no entity claimed when they arrived (typically those ingested while the catalog was
   * still loading): their logs are mined and their metrics rolled up as if they had just arrived.
   */
  async reresolve(nowMs: number, lookbackMs = 2 * 3600_000): Promise<number> {
    const { index } = await this.catalog.get(nowMs);
    if (this.catalog.version === this.resolvedAtVersion) return 0;
    this.resolvedAtVersion = this.catalog.version;
    const fromMs = nowMs - lookbackMs;
    const pending = await this.signals.unresolved(fromMs);
    const samples = await this.rollups.unattributedSamples(fromMs);

    const replay: AttributedSignal[] = [];
    const work: Reattribution = { sampleIds: [], signalIds: [], volume: [] };
    const rowAssignments: Array<{ id: number; entityRef: string }> = [];
    for (const s of pending.signals) {
      const entityRef =
        resolveEntity(s.labels, index) ??
        (s.kind === 'metric' && s.key
          ? resolveCaller(s.key, s.labels, index)
          : undefined);
      if (!entityRef) continue;
      if (s.kind === 'metric') {
        replay.push({ ...s, entityRef });
        work.signalIds.push(s.id);
      } else {
        rowAssignments.push({ id: s.id, entityRef });
      }
    }
    const volume = new Map<string, number>();
    for (const s of samples) {
      const entityRef = resolveEntity(s.labels, index);
      if (!entityRef) continue;
      replay.push({
        entityRef,
        source: s.source,
        kind: 'log',
        tsMs: s.tsMs,
        text: s.text,
        labels: s.labels,
      });
      work.sampleIds.push(s.id);
      const key = `${Math.floor(s.tsMs / MINUTE_MS) * MINUTE_MS}\u0000${
        s.level ?? 'unknown'
      }`;
      volume.set(key, (volume.get(key) ?? 0) + 1);
    }
    work.volume = [...volume].map(([key, count]) => {
      const [minute, level] = key.split('\u0000');
      return { minuteMs: Number(minute), level: level as RollupLevel, count };
    });
    const changeAssignments = pending.changes.flatMap(c => {
      const entityRef = resolveEntity(c.labels, index);
      return entityRef ? [{ id: c.id, entityRef }] : [];
    });
    await this.signals.assignEntities({
      signals: rowAssignments,
      changes: changeAssignments,
    });
    if (replay.length > 0) {
      await this.serially(() => this.commit(replay, new Date(nowMs), work));
    }
    const n = replay.length + rowAssignments.length + changeAssignments.length;
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
