import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Anomaly } from '@devops-copilot/backstage-plugin-copilot-common';
import { randomUUID } from 'node:crypto';
import type { RollupStore } from '../stores/RollupStore';
import type { TemplateStore } from '../stores/TemplateStore';
import type { AnomalyStore } from '../stores/AnomalyStore';
import type { Bus } from '../bus/Bus';
import {
  DEFAULT_DETECTOR_POOL_OPTIONS,
  DetectorPool,
  logSeriesSpec,
  metricSeriesSpec,
  templateSeriesSpec,
  type AnomalyChange,
  type DetectorPoolOptions,
} from './DetectorPool';
import type { NovelTemplate } from './TemplateMiningService';
import { novelTemplateFinding } from '../engine/detect';
import type { SignalsIngestedEvent } from './IngestService';

const MINUTE = 60_000;
const ERRORISH = /^(error|fatal|critical|crit|alert|emerg|panic)/i;

/** Options of the detect stage. */
export interface DetectStageOptions extends DetectorPoolOptions {
  /** A minute is decided on this long after it ended, so late lines of the minute still count. */
  graceMs: number;
  /** Detector states are checkpointed at most this often; a restart replays the rollups since. */
  checkpointEveryMs: number;
  /** On a first start, the detectors learn from at most this much rollup history. */
  bootstrapMs: number;
  /** Rollups are read this many minutes at a time when catching up. */
  chunkMinutes: number;
}

export const DEFAULT_DETECT_STAGE_OPTIONS: Omit<
  DetectStageOptions,
  keyof DetectorPoolOptions
> = {
  graceMs: 5_000,
  checkpointEveryMs: 30 * MINUTE,
  bootstrapMs: 7 * 24 * 60 * MINUTE,
  chunkMinutes: 60,
};

/** The payload the detect stage publishes on `signal.detect`. */
export interface AnomaliesDetectedEvent {
  type: 'anomalies';
  anomalies: Array<
    Pick<
      Anomaly,
      | 'id'
      | 'entityRef'
      | 'kind'
      | 'status'
      | 'score'
      | 'direction'
      | 'windowFrom'
      | 'windowTo'
      | 'summary'
    > & { change: AnomalyChange['change'] }
  >;
}

interface DetectStageDeps {
  rollups: RollupStore;
  templates: TemplateStore;
  anomalies: AnomalyStore;
  bus: Bus;
  logger: LoggerService;
}

/**
 * The detect stage: every closed minute, feeds the metric rollups, the log volume and error-level
 * counts and the per-template counts of every entity to its series' streaming detectors, stores the
 * anomaly windows they open as evidence candidates and publishes them on `signal.detect`. Novel log
 * signatures reported by ingest become anomalies of their own at once.
 *
 * State: the detectors live in memory and are checkpointed to the store; on start the stage resumes
 * from the checkpoint and replays the rollups written since, so a restart changes no decision.
 * Run it on one replica (the one that ingests) until detector state is shared over the bus.
 */
export class DetectStage {
  private readonly pool: DetectorPool;
  private decidedThrough?: number;
  private lastCheckpointMs = 0;
  private running?: Promise<Anomaly[]>;
  private started?: Promise<void>;
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;

  private constructor(
    private readonly deps: DetectStageDeps & { options: DetectStageOptions },
  ) {
    this.pool = new DetectorPool(deps.options);
  }

  static create(
    deps: DetectStageDeps & { options?: Partial<DetectStageOptions> },
  ): DetectStage {
    return new DetectStage({
      ...deps,
      options: {
        ...DEFAULT_DETECTOR_POOL_OPTIONS,
        ...DEFAULT_DETECT_STAGE_OPTIONS,
        ...deps.options,
      },
    });
  }

  /** Loads the checkpoint (once). */
  private start(): Promise<void> {
    this.started ??= (async () => {
      const [states, open] = await Promise.all([
        this.deps.anomalies.loadStates(),
        this.deps.anomalies.list({ status: 'open', limit: 100_000 }),
      ]);
      this.pool.restore(states, open);
      const last = this.pool.lastMinuteMs();
      if (last !== undefined) this.decidedThrough = last + MINUTE;
      if (states.length > 0)
        this.deps.logger.info(
          `Detect: resumed ${
            states.length
          } series from the checkpoint of ${new Date(last!).toISOString()}`,
        );
    })();
    return this.started;
  }

  /** Runs at every minute boundary plus the grace period until `stop`. */
  schedule(now: () => number = Date.now): void {
    if (this.stopped) return;
    const t = now();
    const next =
      (Math.floor((t - this.deps.options.graceMs) / MINUTE) + 1) * MINUTE +
      this.deps.options.graceMs;
    this.timer = setTimeout(() => {
      this.run(now())
        .catch(e => this.deps.logger.error(`detect failed: ${e}`))
        .finally(() => this.schedule(now));
    }, Math.max(0, next - t));
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Decides on every minute closed by `nowMs` not decided yet; returns the anomalies it changed. */
  async run(nowMs: number): Promise<Anomaly[]> {
    if (this.running) await this.running.catch(() => undefined);
    this.running = this.runOnce(nowMs).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Writes the detectors' state now (also done every `checkpointEveryMs` and at shutdown). */
  async checkpoint(now = new Date()): Promise<number> {
    const dirty = this.pool.takeDirty();
    await this.deps.anomalies.saveStates(dirty, now);
    this.lastCheckpointMs = now.getTime();
    return dirty.length;
  }

  /** New log signatures unlike any earlier one of their entity: each is an anomaly of its own. */
  async onNovelTemplates(
    novel: NovelTemplate[],
    atMs: number,
  ): Promise<Anomaly[]> {
    if (novel.length === 0) return [];
    const now = new Date();
    const minute = Math.floor(atMs / MINUTE) * MINUTE;
    const anomalies: Anomaly[] = novel.map(t => {
      const finding = novelTemplateFinding({
        template: t.template,
        count: 1,
        firstSeenTs: atMs,
        nowTs: atMs,
        // The miner flags a template novel only after the entity's warm-up lines.
        historyMs: 0,
        minHistoryMs: 0,
        error: ERRORISH.test(t.level),
      });
      return {
        id: randomUUID(),
        entityRef: t.entityRef,
        seriesKey: `novel:${t.entityRef}`,
        kind: 'novel-template',
        status: 'closed',
        windowFrom: new Date(minute).toISOString(),
        windowTo: new Date(minute + MINUTE).toISOString(),
        peakAt: new Date(atMs).toISOString(),
        score: finding.score,
        direction: 'up',
        detectors: [finding],
        seasonality: [],
        summary: `New ${t.level} log signature: «${truncate(t.template, 160)}»`,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
    });
    await this.deps.anomalies.upsertAnomalies(anomalies);
    await this.publish(anomalies.map(a => ({ anomaly: a, change: 'opened' })));
    return anomalies;
  }

  /** Subscribes to ingest events (novel templates). */
  listen(): () => void {
    return this.deps.bus.subscribe<SignalsIngestedEvent>(
      'signal.ingest',
      async ({ payload }) => {
        if (payload.novelTemplates?.length)
          await this.onNovelTemplates(
            payload.novelTemplates,
            payload.latestTsMs,
          );
      },
    );
  }

  private async runOnce(nowMs: number): Promise<Anomaly[]> {
    await this.start();
    const { options } = this.deps;
    const closedEnd = Math.floor((nowMs - options.graceMs) / MINUTE) * MINUTE;
    const horizon = closedEnd - options.bootstrapMs;
    let from = this.decidedThrough;
    if (from === undefined) {
      // First start: learn from the rollup history there is, up to the bootstrap horizon.
      from = (await this.deps.rollups.earliestMinute(horizon)) ?? closedEnd;
    }
    if (from < horizon) from = horizon;
    const changed = new Map<string, AnomalyChange>();
    const now = new Date(nowMs);
    while (from < closedEnd) {
      const to = Math.min(closedEnd, from + options.chunkMinutes * MINUTE);
      for (const c of await this.decide(from, to, now))
        changed.set(c.anomaly.id, c);
      from = to;
      this.decidedThrough = to;
    }
    const changes = [...changed.values()];
    if (changes.length > 0) {
      await this.deps.anomalies.upsertAnomalies(changes.map(c => c.anomaly));
      await this.publish(changes);
    }
    this.pool.evict(closedEnd);
    if (nowMs - this.lastCheckpointMs >= options.checkpointEveryMs)
      await this.checkpoint(now);
    return changes.map(c => c.anomaly);
  }

  /** Feeds the minutes of [fromMs, toMs) in order. */
  private async decide(
    fromMs: number,
    toMs: number,
    now: Date,
  ): Promise<AnomalyChange[]> {
    const { rollups, templates } = this.deps;
    const [metrics, volume, counts, active] = await Promise.all([
      rollups.metricMinutes({ fromMs, toMs }),
      rollups.logVolume({ fromMs, toMs }),
      templates.minuteCounts(fromMs, toMs),
      rollups.activeLogMinutes(fromMs, toMs),
    ]);
    const byMinute = <T extends { minuteMs: number }>(rows: T[]) => {
      const m = new Map<number, T[]>();
      for (const r of rows) {
        const list = m.get(r.minuteMs);
        if (list) list.push(r);
        else m.set(r.minuteMs, [r]);
      }
      return m;
    };
    const metricsAt = byMinute(metrics);
    const volumeAt = byMinute(volume);
    const countsAt = byMinute(counts);
    const changes: AnomalyChange[] = [];
    const push = (c: AnomalyChange | undefined) => {
      if (c) changes.push(c);
    };

    for (let minute = fromMs; minute < toMs; minute += MINUTE) {
      for (const p of metricsAt.get(minute) ?? []) {
        if (p.count > 0)
          push(
            this.pool.feed(
              metricSeriesSpec(p.entityRef, p.metric, false),
              minute,
              p.sum / p.count,
              now,
            ),
          );
        if (p.p95 !== undefined)
          push(
            this.pool.feed(
              metricSeriesSpec(p.entityRef, p.metric, true),
              minute,
              p.p95,
              now,
            ),
          );
      }
      // Count series: a minute without lines of a known series is a zero, unless nothing at all was
      // ingested in that minute (then the data is missing, not zero).
      const missing = active.has(minute) ? 0 : NaN;
      const seen = new Set<string>();
      for (const v of volumeAt.get(minute) ?? []) {
        const total = logSeriesSpec(v.entityRef, 'volume');
        const errors = logSeriesSpec(v.entityRef, 'errors');
        seen.add(total.key).add(errors.key);
        push(this.pool.feed(total, minute, v.total, now));
        push(this.pool.feed(errors, minute, v.errors, now));
      }
      for (const c of countsAt.get(minute) ?? []) {
        const spec = templateSeriesSpec(c.entityRef, c.templateId, c.template);
        seen.add(spec.key);
        push(this.pool.feed(spec, minute, c.count, now));
      }
      for (const kind of ['log-volume', 'log-errors', 'template'] as const) {
        for (const spec of [...this.pool.specs(kind)]) {
          if (!seen.has(spec.key))
            push(this.pool.feed(spec, minute, missing, now));
        }
      }
    }
    return changes;
  }

  private async publish(changes: AnomalyChange[]): Promise<void> {
    if (changes.length === 0) return;
    const event: AnomaliesDetectedEvent = {
      type: 'anomalies',
      anomalies: changes.map(({ anomaly: a, change }) => ({
        id: a.id,
        entityRef: a.entityRef,
        kind: a.kind,
        status: a.status,
        score: a.score,
        direction: a.direction,
        windowFrom: a.windowFrom,
        windowTo: a.windowTo,
        summary: a.summary,
        change,
      })),
    };
    await this.deps.bus.publish('signal.detect', event);
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}
