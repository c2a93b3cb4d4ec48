import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  mergeCells,
  MINUTE_MS,
  type BatchAggregate,
  type LogSample,
  type MetricCell,
  type RollupLevel,
} from '../engine/ingest/aggregate';
import { QuantileSketch } from '../engine/ingest/sketch';
import { parseJson, toMs } from './util';

const HOUR_MS = 3_600_000;
const CHUNK = 300;

/** Per-minute log volume of one entity: all lines and those at error level or worse. */
export interface LogVolumePoint {
  entityRef: string;
  minuteMs: number;
  total: number;
  errors: number;
}

/** Per-minute aggregate of one metric of one entity, over all its series and writers. */
export interface MetricPoint {
  entityRef: string;
  minuteMs: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/** A stored raw sample line. */
export interface StoredSample {
  entityRef?: string;
  source: string;
  tsMs: number;
  templateId?: string;
  level?: string;
  traceId?: string;
  text: string;
  labels: Record<string, string>;
}

const cellKey = (c: {
  entityRef: string;
  metric: string;
  seriesKey: string;
  minuteMs: number;
}) => `${c.entityRef}\u0000${c.metric}\u0000${c.seriesKey}\u0000${c.minuteMs}`;

/**
 * Log volume by level, metric rollups with quantile sketches, and the bounded raw sample.
 *
 * Metric rows are owned by the backend instance that wrote them (`writer`): an instance merges a new
 * batch into its own row (kept in memory for the recent minutes, so no read is needed), and readers
 * merge across writers. Instances never overwrite each other's sketches.
 */
export class RollupStore {
  private readonly recent = new Map<string, MetricCell>();
  private latestMinute = 0;

  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
    readonly writer: string,
  ) {}

  static create(options: {
    database: Knex;
    orgId?: string;
    writer?: string;
  }): RollupStore {
    return new RollupStore(
      options.database,
      options.orgId ?? 'default',
      options.writer ?? randomUUID(),
    );
  }

  /**
   * Writes the aggregates of a batch inside `tx`. `templateRowId` maps an entity's miner id to the
   * template row id. Call `committed` with the returned cells once the transaction committed.
   */
  async write(
    tx: Knex.Transaction,
    batch: BatchAggregate,
    templateRowId: (entityRef: string, minerId: number) => string,
  ): Promise<MetricCell[]> {
    const levels = [...batch.logLevels].map(([key, count]) => {
      const [entityRef, minute, level] = key.split('\u0000');
      return {
        org_id: this.orgId,
        entity_ref: entityRef,
        minute: new Date(Number(minute)),
        level,
        count,
      };
    });
    for (let i = 0; i < levels.length; i += CHUNK) {
      await tx('log_rollups')
        .insert(levels.slice(i, i + CHUNK))
        .onConflict(['org_id', 'entity_ref', 'minute', 'level'])
        .merge({
          count: tx.raw('?? + ??', ['log_rollups.count', 'excluded.count']),
        });
    }

    const samples = batch.samples.map(s => this.sampleRow(s, templateRowId));
    for (let i = 0; i < samples.length; i += CHUNK) {
      await tx('log_samples').insert(samples.slice(i, i + CHUNK));
    }

    const merged: MetricCell[] = [];
    for (const cell of batch.metrics.values()) {
      const previous =
        this.recent.get(cellKey(cell)) ?? (await this.readOwn(tx, cell));
      merged.push(previous ? mergeCells(cloneCell(previous), cell) : cell);
    }
    const rows = merged.map(c => ({
      org_id: this.orgId,
      entity_ref: c.entityRef,
      metric: c.metric,
      series_key: c.seriesKey,
      minute: new Date(c.minuteMs),
      writer: this.writer,
      min: c.min,
      max: c.max,
      sum: c.sum,
      count: c.count,
      labels: JSON.stringify(c.labels),
      sketch: c.sketch ? Buffer.from(c.sketch.toBytes()) : null,
    }));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await tx('metric_rollups')
        .insert(rows.slice(i, i + CHUNK))
        .onConflict([
          'org_id',
          'entity_ref',
          'metric',
          'series_key',
          'minute',
          'writer',
        ])
        .merge(['min', 'max', 'sum', 'count', 'sketch', 'labels']);
    }
    return merged;
  }

  /** Remembers the merged cells of a committed batch, so the next batch merges without a read. */
  committed(cells: MetricCell[]): void {
    for (const c of cells) {
      this.recent.set(cellKey(c), c);
      if (c.minuteMs > this.latestMinute) this.latestMinute = c.minuteMs;
    }
    if (this.recent.size > 50_000) {
      const horizon = this.latestMinute - 10 * MINUTE_MS;
      for (const [k, c] of this.recent) {
        if (c.minuteMs < horizon) this.recent.delete(k);
      }
    }
  }

  private sampleRow(
    s: LogSample,
    templateRowId: (entityRef: string, minerId: number) => string,
  ) {
    return {
      org_id: this.orgId,
      partition: Math.floor(s.tsMs / HOUR_MS),
      entity_ref: s.entityRef ?? null,
      source: s.source,
      ts: new Date(s.tsMs),
      template_id:
        s.entityRef && s.minerId !== undefined
          ? templateRowId(s.entityRef, s.minerId)
          : null,
      level: s.level,
      trace_id: s.traceId ?? null,
      text: s.text,
      labels: JSON.stringify(s.labels),
    };
  }

  private async readOwn(
    tx: Knex.Transaction,
    cell: MetricCell,
  ): Promise<MetricCell | undefined> {
    const row = await tx('metric_rollups')
      .where({
        org_id: this.orgId,
        entity_ref: cell.entityRef,
        metric: cell.metric,
        series_key: cell.seriesKey,
        minute: new Date(cell.minuteMs),
        writer: this.writer,
      })
      .first();
    if (!row) return undefined;
    return {
      entityRef: cell.entityRef,
      metric: cell.metric,
      seriesKey: cell.seriesKey,
      minuteMs: cell.minuteMs,
      labels: cell.labels,
      min: Number(row.min),
      max: Number(row.max),
      sum: Number(row.sum),
      count: Number(row.count),
      sketch: row.sketch
        ? QuantileSketch.fromBytes(new Uint8Array(row.sketch))
        : undefined,
    };
  }

  /** Per-minute log volume and error-level lines of every entity in [fromMs, toMs). */
  async logVolume(options: {
    fromMs: number;
    toMs: number;
    entityRef?: string;
  }): Promise<LogVolumePoint[]> {
    const q = this.db('log_rollups')
      .where({ org_id: this.orgId })
      .whereNot('entity_ref', '')
      .where('minute', '>=', new Date(options.fromMs))
      .where('minute', '<', new Date(options.toMs))
      .select('entity_ref', 'minute', 'level', 'count');
    if (options.entityRef) q.where('entity_ref', options.entityRef);
    const byKey = new Map<string, LogVolumePoint>();
    for (const r of await q) {
      const minuteMs = toMs(r.minute);
      const key = `${r.entity_ref}\u0000${minuteMs}`;
      let p = byKey.get(key);
      if (!p) {
        p = { entityRef: r.entity_ref, minuteMs, total: 0, errors: 0 };
        byKey.set(key, p);
      }
      const n = Number(r.count);
      p.total += n;
      if (r.level === 'error' || r.level === 'fatal') p.errors += n;
    }
    return [...byKey.values()].sort(
      (a, b) =>
        a.entityRef.localeCompare(b.entityRef) || a.minuteMs - b.minuteMs,
    );
  }

  /** Lines that no entity claimed in [fromMs, untilMs). */
  async unattributedLines(fromMs: number, untilMs: number): Promise<number> {
    const [{ n }] = await this.db('log_rollups')
      .where({ org_id: this.orgId, entity_ref: '' })
      .where('minute', '>=', new Date(fromMs))
      .where('minute', '<', new Date(untilMs))
      .sum({ n: 'count' });
    return Number(n ?? 0);
  }

  /** Per-minute aggregates of one metric over all series and writers, per entity. */
  async metricSeries(options: {
    metric: string;
    fromMs: number;
    toMs: number;
    entityRef?: string;
  }): Promise<MetricPoint[]> {
    const q = this.db('metric_rollups')
      .where({ org_id: this.orgId, metric: options.metric })
      .where('minute', '>=', new Date(options.fromMs))
      .where('minute', '<', new Date(options.toMs))
      .groupBy('entity_ref', 'minute')
      .select('entity_ref', 'minute')
      .min({ min: 'min' })
      .max({ max: 'max' })
      .sum({ sum: 'sum' })
      .sum({ count: 'count' })
      .orderBy(['entity_ref', 'minute']);
    if (options.entityRef) q.where('entity_ref', options.entityRef);
    const rows: Array<Record<string, any>> = await q;
    return rows.map(r => ({
      entityRef: r.entity_ref,
      minuteMs: toMs(r.minute),
      min: Number(r.min),
      max: Number(r.max),
      sum: Number(r.sum),
      count: Number(r.count),
    }));
  }

  /**
   * Every metric of every entity per minute in [fromMs, toMs), merged across series and writers; for
   * sketched (latency) metrics also the minute's p95 from the merged sketches. Ordered by minute.
   */
  async metricMinutes(options: {
    fromMs: number;
    toMs: number;
  }): Promise<Array<MetricPoint & { metric: string; p95?: number }>> {
    const rows: Array<Record<string, any>> = await this.db('metric_rollups')
      .where({ org_id: this.orgId })
      .whereNot('entity_ref', '')
      .where('minute', '>=', new Date(options.fromMs))
      .where('minute', '<', new Date(options.toMs))
      .groupBy('entity_ref', 'metric', 'minute')
      .select('entity_ref', 'metric', 'minute')
      .min({ min: 'min' })
      .max({ max: 'max' })
      .sum({ sum: 'sum' })
      .sum({ count: 'count' })
      .orderBy(['minute', 'entity_ref', 'metric']);
    const sketchRows: Array<Record<string, any>> = await this.db(
      'metric_rollups',
    )
      .where({ org_id: this.orgId })
      .whereNot('entity_ref', '')
      .where('minute', '>=', new Date(options.fromMs))
      .where('minute', '<', new Date(options.toMs))
      .whereNotNull('sketch')
      .select('entity_ref', 'metric', 'minute', 'sketch');
    const sketches = new Map<string, QuantileSketch>();
    for (const r of sketchRows) {
      const key = `${r.entity_ref}\u0000${r.metric}\u0000${toMs(r.minute)}`;
      const sketch = QuantileSketch.fromBytes(new Uint8Array(r.sketch));
      const seen = sketches.get(key);
      if (seen) seen.merge(sketch);
      else sketches.set(key, sketch);
    }
    return rows.map(r => {
      const minuteMs = toMs(r.minute);
      const p95 = sketches
        .get(`${r.entity_ref}\u0000${r.metric}\u0000${minuteMs}`)
        ?.quantile(0.95);
      return {
        entityRef: r.entity_ref,
        metric: r.metric,
        minuteMs,
        min: Number(r.min),
        max: Number(r.max),
        sum: Number(r.sum),
        count: Number(r.count),
        ...(p95 !== undefined ? { p95 } : {}),
      };
    });
  }

  /** The earliest minute at or after `fromMs` with any log volume or metric rollup, if any. */
  async earliestMinute(fromMs: number): Promise<number | undefined> {
    const mins = await Promise.all(
      ['log_rollups', 'metric_rollups'].map(table =>
        this.db(table)
          .where({ org_id: this.orgId })
          .where('minute', '>=', new Date(fromMs))
          .min({ m: 'minute' })
          .first(),
      ),
    );
    const found = mins
      .map(r => r?.m)
      .filter(m => m !== null && m !== undefined)
      .map(m => toMs(m));
    return found.length > 0 ? Math.min(...found) : undefined;
  }

  /** Minutes in [fromMs, toMs) in which any log line was ingested at all (attributed or not). */
  async activeLogMinutes(
    fromMs: number,
    untilMs: number,
  ): Promise<Set<number>> {
    const rows: Array<Record<string, any>> = await this.db('log_rollups')
      .where({ org_id: this.orgId })
      .where('minute', '>=', new Date(fromMs))
      .where('minute', '<', new Date(untilMs))
      .distinct('minute');
    return new Set(rows.map(r => toMs(r.minute)));
  }

  /** Quantiles of a sketched metric of one entity over [fromMs, toMs), merged across series and writers. */
  async quantiles(options: {
    entityRef: string;
    metric: string;
    fromMs: number;
    toMs: number;
    qs: number[];
  }): Promise<{ count: number; values: Record<string, number> }> {
    const rows = await this.db('metric_rollups')
      .where({
        org_id: this.orgId,
        entity_ref: options.entityRef,
        metric: options.metric,
      })
      .where('minute', '>=', new Date(options.fromMs))
      .where('minute', '<', new Date(options.toMs))
      .whereNotNull('sketch')
      .select('sketch');
    const sketch = new QuantileSketch();
    for (const r of rows)
      sketch.merge(QuantileSketch.fromBytes(new Uint8Array(r.sketch)));
    const values: Record<string, number> = {};
    for (const q of options.qs) {
      const v = sketch.quantile(q);
      if (v !== undefined) values[`p${Math.round(q * 1000) / 10}`] = v;
    }
    return { count: sketch.count, values };
  }

  /** Sampled raw lines in [fromMs, toMs), newest first. */
  async samples(options: {
    fromMs: number;
    toMs: number;
    entityRef?: string;
    templateId?: string;
    limit?: number;
  }): Promise<StoredSample[]> {
    const q = this.db('log_samples')
      .where({ org_id: this.orgId })
      .where('partition', '>=', Math.floor(options.fromMs / HOUR_MS))
      .where('ts', '>=', new Date(options.fromMs))
      .where('ts', '<', new Date(options.toMs));
    if (options.entityRef) q.where('entity_ref', options.entityRef);
    if (options.templateId) q.where('template_id', options.templateId);
    const rows = await q.orderBy('ts', 'desc').limit(options.limit ?? 500);
    return rows.map(r => ({
      entityRef: r.entity_ref ?? undefined,
      source: r.source,
      tsMs: toMs(r.ts),
      templateId: r.template_id ?? undefined,
      level: r.level ?? undefined,
      traceId: r.trace_id ?? undefined,
      text: r.text,
      labels: parseJson<Record<string, string>>(r.labels, {}),
    }));
  }

  /** Sampled lines that no entity claimed, since `fromMs`, for re-attribution. */
  async unattributedSamples(
    fromMs: number,
    limit = 50_000,
  ): Promise<Array<StoredSample & { id: number }>> {
    const rows = await this.db('log_samples')
      .where({ org_id: this.orgId })
      .whereNull('entity_ref')
      .where('partition', '>=', Math.floor(fromMs / HOUR_MS))
      .where('ts', '>=', new Date(fromMs))
      .orderBy('id')
      .limit(limit);
    return rows.map(r => ({
      id: Number(r.id),
      source: r.source,
      tsMs: toMs(r.ts),
      level: r.level ?? undefined,
      text: r.text,
      labels: parseJson<Record<string, string>>(r.labels, {}),
    }));
  }

  /** Removes re-attributed unclaimed samples (they are written again under their entity). */
  async deleteSamples(tx: Knex.Transaction, ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await tx('log_samples')
        .where({ org_id: this.orgId })
        .whereIn('id', ids.slice(i, i + CHUNK))
        .delete();
    }
  }

  /**
   * Moves `count` unattributed lines of a minute and level to an entity's volume, once a catalog change
   * lets the entity claim them.
   */
  async reattributeVolume(
    tx: Knex.Transaction,
    moves: Array<{ minuteMs: number; level: RollupLevel; count: number }>,
  ): Promise<void> {
    for (const m of moves) {
      await tx('log_rollups')
        .where({
          org_id: this.orgId,
          entity_ref: '',
          minute: new Date(m.minuteMs),
          level: m.level,
        })
        .decrement('count', m.count);
    }
    await tx('log_rollups')
      .where({ org_id: this.orgId, entity_ref: '' })
      .where('count', '<=', 0)
      .delete();
  }

  /** Drops sample partitions older than `olderThanMs`; returns the number of lines removed. */
  async pruneSamples(olderThanMs: number): Promise<number> {
    return this.db('log_samples')
      .where({ org_id: this.orgId })
      .where('partition', '<', Math.floor(olderThanMs / HOUR_MS))
      .delete();
  }

  /** Drops rollups older than `olderThanMs`; returns the number of rows removed. */
  async pruneRollups(olderThanMs: number): Promise<number> {
    const before = new Date(olderThanMs);
    const logs = await this.db('log_rollups')
      .where({ org_id: this.orgId })
      .where('minute', '<', before)
      .delete();
    const metrics = await this.db('metric_rollups')
      .where({ org_id: this.orgId })
      .where('minute', '<', before)
      .delete();
    return logs + metrics;
  }
}

function cloneCell(c: MetricCell): MetricCell {
  let sketch: QuantileSketch | undefined;
  if (c.sketch) {
    sketch = new QuantileSketch();
    sketch.merge(c.sketch);
  }
  return { ...c, labels: { ...c.labels }, sketch };
}
