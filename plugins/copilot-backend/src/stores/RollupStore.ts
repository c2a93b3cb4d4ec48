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
import {
  ascendingOrder,
  compareCodeUnits,
  epochMsSql,
  listAgg,
  listAggDialect,
  parseJson,
  splitNumbers,
  toMs,
} from './util';

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

/** Log lines and error lines of one entity per minute (see `RollupStore.logVolumeSeries`). */
export interface LogVolumeSeries {
  entityRef: string;
  minutesMs: number[];
  totals: number[];
  errors: number[];
}

/** The per-minute series of one metric of one entity (see `RollupStore.metricMinuteSeries`). */
export interface MetricMinuteSeries {
  entityRef: string;
  metric: string;
  /** Minutes with points, ascending, and their means. */
  minutesMs: number[];
  means: number[];
  /** For sketched metrics: the minutes' 95th percentiles. */
  p95?: { minutesMs: number[]; values: number[] };
}

/** Groups `metricMinutes` points into series (the fallback for databases without a list aggregate). */
function groupMetricMinutes(
  points: Array<MetricPoint & { metric: string; p95?: number }>,
): MetricMinuteSeries[] {
  const byKey = new Map<string, MetricMinuteSeries>();
  for (const p of points) {
    const key = `${p.entityRef}\u0000${p.metric}`;
    let s = byKey.get(key);
    if (!s) {
      s = {
        entityRef: p.entityRef,
        metric: p.metric,
        minutesMs: [],
        means: [],
      };
      byKey.set(key, s);
    }
    if (p.count > 0) {
      s.minutesMs.push(p.minuteMs);
      s.means.push(p.sum / p.count);
    }
    if (p.p95 !== undefined) {
      s.p95 ??= { minutesMs: [], values: [] };
      s.p95.minutesMs.push(p.minuteMs);
      s.p95.values.push(p.p95);
    }
  }
  return [...byKey.values()];
}

/** Minutes of a list aggregate: epoch ms, or (SQLite rows written as text) ISO strings. */
function splitMinutes(text: unknown): number[] {
  if (text === null || text === undefined || text === '') return [];
  return String(text)
    .split(',')
    .map(m => {
      const n = Number(m);
      return Number.isFinite(n) ? n : Date.parse(m);
    });
}

/** p95s of a list aggregate, one per row ('' -> NaN for rows without a sketch). */
function splitP95s(text: unknown, rows: number): number[] {
  // Not splitNumbers: one row without a sketch is the single empty entry ''.
  const values = String(text ?? '')
    .split(',')
    .map(v => (v === '' ? NaN : Number(v)));
  if (values.length !== rows)
    throw new Error(
      `metric_rollups list aggregate: ${values.length} p95 entries for ${rows} rows`,
    );
  return values;
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
      p95: c.sketch?.quantile(0.95) ?? null,
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
        .merge(['min', 'max', 'sum', 'count', 'sketch', 'p95', 'labels']);
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
    /** Only these entities. */
    entityRefs?: readonly string[];
  }): Promise<LogVolumePoint[]> {
    const query = (refs?: readonly string[]) => {
      const q = this.db('log_rollups')
        .where({ org_id: this.orgId })
        .whereNot('entity_ref', '')
        .where('minute', '>=', new Date(options.fromMs))
        .where('minute', '<', new Date(options.toMs))
        .select('entity_ref', 'minute', 'level', 'count');
      if (options.entityRef) q.where('entity_ref', options.entityRef);
      if (refs) q.whereIn('entity_ref', refs as string[]);
      return q as Promise<Array<Record<string, any>>>;
    };
    let rows: Array<Record<string, any>> = [];
    if (!options.entityRefs) rows = await query();
    else {
      const refs = [...new Set(options.entityRefs)];
      for (let i = 0; i < refs.length; i += 500)
        rows = rows.concat(await query(refs.slice(i, i + 500)));
    }
    const byKey = new Map<string, LogVolumePoint>();
    for (const r of rows) {
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
        compareCodeUnits(a.entityRef, b.entityRef) || a.minuteMs - b.minuteMs,
    );
  }

  /**
   * Per entity of `entityRefs` (every entity when undefined), its log lines and error lines per minute
   * in [fromMs, toMs), minutes ascending: what `logVolume` returns, grouped by entity and read in one
   * row per entity and level (a list aggregate).
   */
  async logVolumeSeries(options: {
    fromMs: number;
    toMs: number;
    entityRefs?: readonly string[];
  }): Promise<LogVolumeSeries[]> {
    const dialect = listAggDialect(this.db);
    const byEntity = new Map<string, Map<number, [number, number]>>();
    const add = (
      entityRef: string,
      minute: number,
      n: number,
      level: string,
    ) => {
      let minutes = byEntity.get(entityRef);
      if (!minutes) byEntity.set(entityRef, (minutes = new Map()));
      let v = minutes.get(minute);
      if (!v) minutes.set(minute, (v = [0, 0]));
      v[0] += n;
      if (level === 'error' || level === 'fatal') v[1] += n;
    };
    const refs = options.entityRefs
      ? [...new Set(options.entityRefs)]
      : undefined;
    const read = async (chunk?: string[]) => {
      if (!dialect) {
        for (const p of await this.logVolume({
          ...options,
          entityRefs: chunk,
        })) {
          add(p.entityRef, p.minuteMs, p.total - p.errors, 'info');
          add(p.entityRef, p.minuteMs, p.errors, 'error');
        }
        return;
      }
      const q = this.db('log_rollups')
        .where({ org_id: this.orgId })
        .whereNot('entity_ref', '')
        .where('minute', '>=', new Date(options.fromMs))
        .where('minute', '<', new Date(options.toMs))
        .groupBy('entity_ref', 'level')
        .select(
          'entity_ref',
          'level',
          listAgg(
            this.db,
            dialect,
            epochMsSql(this.db, dialect, 'minute'),
            'minutes',
          ),
          listAgg(
            this.db,
            dialect,
            this.db.raw('??', ['count']).toQuery(),
            'counts',
          ),
        );
      if (chunk) q.whereIn('entity_ref', chunk);
      for (const r of (await q) as Array<Record<string, any>>) {
        const minutes = splitMinutes(r.minutes);
        const counts = splitNumbers(r.counts);
        for (let i = 0; i < minutes.length; i++)
          add(r.entity_ref, minutes[i], counts[i], r.level);
      }
    };
    if (!refs) await read();
    else
      for (let i = 0; i < refs.length; i += 500)
        await read(refs.slice(i, i + 500));
    return [...byEntity.keys()]
      .sort((a, b) => compareCodeUnits(a, b))
      .map(entityRef => {
        const points = [...byEntity.get(entityRef)!].sort(
          (a, b) => a[0] - b[0],
        );
        return {
          entityRef,
          minutesMs: points.map(p => p[0]),
          totals: points.map(p => p[1][0]),
          errors: points.map(p => p[1][1]),
        };
      });
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
   * Every metric of every entity (or of `entityRefs` only) per minute in [fromMs, toMs), merged across
   * series and writers; for sketched (latency) metrics also the minute's p95 from the merged sketches.
   * Ordered by minute, entity and metric.
   */
  async metricMinutes(options: {
    fromMs: number;
    toMs: number;
    entityRefs?: readonly string[];
  }): Promise<Array<MetricPoint & { metric: string; p95?: number }>> {
    // One pass over the raw rows, merged here rather than by GROUP BY: almost every (entity, metric,
    // minute) has a single row, whose stored p95 is the answer. Only minutes with several sketched rows
    // (writers, label sets) read their sketches, in a second pass, to merge them; rows stored before
    // the p95 column existed bring their sketch along.
    interface Acc {
      min: number;
      max: number;
      sum: number;
      count: number;
      sketched: number;
      p95?: number;
      sketch?: Uint8Array;
      merged?: QuantileSketch;
    }
    // entity -> metric -> minute -> merged rows (nested: no key string per row).
    const series = new Map<string, Map<string, Map<number, Acc>>>();
    const cell = (entityRef: string, metric: string, minuteMs: number) =>
      series.get(entityRef)?.get(metric)?.get(minuteMs);
    const range = (q: Knex.QueryBuilder) =>
      q
        .where('metric_rollups.org_id', this.orgId)
        .where('minute', '>=', new Date(options.fromMs))
        .where('minute', '<', new Date(options.toMs));
    const scan = async (refs?: readonly string[]) => {
      const q = range(this.db('metric_rollups')).select(
        'entity_ref',
        'metric',
        'minute',
        'min',
        'max',
        'sum',
        'count',
        'p95',
        this.db.raw('case when ?? is null then ?? end as ??', [
          'p95',
          'sketch',
          'sketch',
        ]),
      );
      if (refs) q.whereIn('entity_ref', refs as string[]);
      else q.whereNot('entity_ref', '');
      const rows: Array<Record<string, any>> = await q;
      let entity: string | undefined;
      let metric: string | undefined;
      let minutes: Map<number, Acc> | undefined;
      for (const r of rows) {
        if (r.entity_ref !== entity || r.metric !== metric || !minutes) {
          entity = r.entity_ref as string;
          metric = r.metric as string;
          let metrics = series.get(entity);
          if (!metrics) series.set(entity, (metrics = new Map()));
          minutes = metrics.get(metric);
          if (!minutes) metrics.set(metric, (minutes = new Map()));
        }
        const minuteMs = toMs(r.minute);
        const p95 =
          r.p95 === null || r.p95 === undefined ? undefined : Number(r.p95);
        const sketch: Uint8Array | undefined = r.sketch
          ? new Uint8Array(r.sketch)
          : undefined;
        const sketched = p95 !== undefined || sketch ? 1 : 0;
        const seen = minutes.get(minuteMs);
        if (!seen) {
          minutes.set(minuteMs, {
            min: Number(r.min),
            max: Number(r.max),
            sum: Number(r.sum),
            count: Number(r.count),
            sketched,
            p95,
            sketch,
          });
          continue;
        }
        seen.min = Math.min(seen.min, Number(r.min));
        seen.max = Math.max(seen.max, Number(r.max));
        seen.sum += Number(r.sum);
        seen.count += Number(r.count);
        seen.sketched += sketched;
      }
    };
    const refs = options.entityRefs
      ? [...new Set(options.entityRefs)].filter(r => r !== '')
      : undefined;
    if (!refs) await scan();
    else
      for (let i = 0; i < refs.length; i += 500)
        await scan(refs.slice(i, i + 500));

    // The second pass: the sketches of every minute with several sketched rows, per entity and metric.
    const pairs: string[][] = [];
    for (const [entityRef, metrics] of series)
      for (const [metric, minutes] of metrics)
        for (const a of minutes.values())
          if (a.sketched >= 2) {
            pairs.push([entityRef, metric]);
            break;
          }
    for (let i = 0; i < pairs.length; i += 250) {
      const rows: Array<Record<string, any>> = await range(
        this.db('metric_rollups'),
      )
        .whereIn(['entity_ref', 'metric'], pairs.slice(i, i + 250))
        .whereNotNull('sketch')
        .select('entity_ref', 'metric', 'minute', 'sketch');
      for (const r of rows) {
        const a = cell(r.entity_ref, r.metric, toMs(r.minute));
        if (!a || a.sketched < 2) continue;
        const sketch = QuantileSketch.fromBytes(new Uint8Array(r.sketch));
        if (a.merged) a.merged.merge(sketch);
        else a.merged = sketch;
      }
    }

    const out: Array<MetricPoint & { metric: string; p95?: number }> = [];
    for (const entityRef of [...series.keys()].sort(compareCodeUnits)) {
      const metrics = series.get(entityRef)!;
      for (const metric of [...metrics.keys()].sort(compareCodeUnits)) {
        const minutes = metrics.get(metric)!;
        for (const minuteMs of [...minutes.keys()].sort((a, b) => a - b)) {
          const a = minutes.get(minuteMs)!;
          let p95 = a.p95;
          if (a.sketched >= 2) p95 = a.merged?.quantile(0.95);
          else if (a.sketch)
            p95 = QuantileSketch.fromBytes(a.sketch).quantile(0.95);
          out.push({
            entityRef,
            metric,
            minuteMs,
            min: a.min,
            max: a.max,
            sum: a.sum,
            count: a.count,
            ...(p95 !== undefined ? { p95 } : {}),
          });
        }
      }
    }
    // Stable: within a minute, entity and metric order stay.
    return out.sort((a, b) => a.minuteMs - b.minuteMs);
  }

  /**
   * The per-minute series of every metric of `entityRefs` (every entity when undefined) in
   * [fromMs, toMs): the minute means, and for sketched metrics the minute p95s, merged across label sets
   * and writers, minutes ascending. What `metricMinutes` returns, grouped by series, and read in one row
   * per series (a list aggregate) rather than one per minute: the bulk read of root-cause analyses.
   */
  async metricMinuteSeries(options: {
    fromMs: number;
    toMs: number;
    entityRefs?: readonly string[];
  }): Promise<MetricMinuteSeries[]> {
    const dialect = listAggDialect(this.db);
    if (!dialect) return groupMetricMinutes(await this.metricMinutes(options));
    const agg = (expr: string, alias: string) =>
      listAgg(this.db, dialect, expr, alias);
    const id = (c: string) => this.db.raw('??', [c]).toQuery();
    const refs = options.entityRefs
      ? [...new Set(options.entityRefs)].filter(r => r !== '')
      : undefined;
    const out: MetricMinuteSeries[] = [];
    const needSketches: Array<{
      series: MetricMinuteSeries;
      minutes: Set<number>;
    }> = [];
    const read = async (chunk?: string[]) => {
      const q = this.db('metric_rollups')
        .where('org_id', this.orgId)
        .where('minute', '>=', new Date(options.fromMs))
        .where('minute', '<', new Date(options.toMs))
        .groupBy('entity_ref', 'metric')
        .select(
          'entity_ref',
          'metric',
          agg(epochMsSql(this.db, dialect, 'minute'), 'minutes'),
          agg(id('sum'), 'sums'),
          agg(id('count'), 'counts'),
          // The stored p95; '' without a sketch; -1 for a sketch stored before the p95 column.
          agg(
            `coalesce(cast(${id('p95')} as text), case when ${id(
              'sketch',
            )} is null then '' else '-1' end)`,
            'p95s',
          ),
        );
      if (chunk) q.whereIn('entity_ref', chunk);
      else q.whereNot('entity_ref', '');
      for (const r of (await q) as Array<Record<string, any>>) {
        let minutes = splitMinutes(r.minutes);
        let sums = splitNumbers(r.sums);
        let counts = splitNumbers(r.counts);
        let p95s = splitP95s(r.p95s, minutes.length);
        const order = ascendingOrder(minutes);
        if (order) {
          const pick = (xs: number[]) => order.map(i => xs[i]);
          [minutes, sums, counts, p95s] = [minutes, sums, counts, p95s].map(
            pick,
          );
        }
        const series: MetricMinuteSeries = {
          entityRef: r.entity_ref,
          metric: r.metric,
          minutesMs: [],
          means: [],
        };
        const decode = new Set<number>();
        let p95Minutes: number[] | undefined;
        let p95Values: number[] | undefined;
        for (let i = 0; i < minutes.length; ) {
          // Rows of one minute are adjacent (in minute order): merge them.
          const minute = minutes[i];
          let sum = 0;
          let count = 0;
          let sketched = 0;
          let p95 = NaN;
          let j = i;
          for (; j < minutes.length && minutes[j] === minute; j++) {
            sum += sums[j];
            count += counts[j];
            if (!Number.isNaN(p95s[j])) {
              sketched++;
              p95 = p95s[j];
            }
          }
          if (count > 0) {
            series.minutesMs.push(minute);
            series.means.push(sum / count);
          }
          if (sketched > 1 || p95 === -1) decode.add(minute);
          else if (sketched === 1) {
            (p95Minutes ??= []).push(minute);
            (p95Values ??= []).push(p95);
          }
          i = j;
        }
        if (p95Minutes && p95Values)
          series.p95 = { minutesMs: p95Minutes, values: p95Values };
        if (decode.size) needSketches.push({ series, minutes: decode });
        out.push(series);
      }
    };
    if (!refs) await read();
    else
      for (let i = 0; i < refs.length; i += 500)
        await read(refs.slice(i, i + 500));

    // Minutes with several sketched rows (or sketches without a stored p95): merge the sketches.
    for (const { series, minutes } of needSketches) {
      const rows: Array<Record<string, any>> = await this.db('metric_rollups')
        .where({
          org_id: this.orgId,
          entity_ref: series.entityRef,
          metric: series.metric,
        })
        .where('minute', '>=', new Date(options.fromMs))
        .where('minute', '<', new Date(options.toMs))
        .whereNotNull('sketch')
        .select('minute', 'sketch');
      const merged = new Map<number, QuantileSketch>();
      for (const r of rows) {
        const minute = toMs(r.minute);
        if (!minutes.has(minute)) continue;
        const sketch = QuantileSketch.fromBytes(new Uint8Array(r.sketch));
        const seen = merged.get(minute);
        if (seen) seen.merge(sketch);
        else merged.set(minute, sketch);
      }
      const points = new Map<number, number>();
      series.p95?.minutesMs.forEach((m, i) =>
        points.set(m, series.p95!.values[i]),
      );
      for (const [minute, sketch] of merged) {
        const q = sketch.quantile(0.95);
        if (q !== undefined) points.set(minute, q);
      }
      const sorted = [...points].sort((a, b) => a[0] - b[0]);
      series.p95 = {
        minutesMs: sorted.map(p => p[0]),
        values: sorted.map(p => p[1]),
      };
    }
    return out.sort(
      (a, b) =>
        compareCodeUnits(a.entityRef, b.entityRef) ||
        compareCodeUnits(a.metric, b.metric),
    );
  }

  /**
   * One metric of one entity over [fromMs, toMs), every writer and label set of a minute merged: the sum
   * of the minute means (`sum`) and the number of minutes with data (`minutes`), and, with `threshold`,
   * how many minutes met it (`good`). `p95` compares the minutes' stored p95 instead of their means.
   * The reads of SLO evaluation: one index range per call, aggregated in the database.
   */
  async metricWindowTotals(options: {
    entityRef: string;
    metric: string;
    fromMs: number;
    toMs: number;
    threshold?: { comparator: '<' | '<=' | '>' | '>='; value: number };
    p95?: boolean;
  }): Promise<{ minutes: number; sum: number; good: number }> {
    const perMinute = this.minuteValues(options, options.metric, options.p95);
    const t = options.threshold;
    if (t && !['<', '<=', '>', '>='].includes(t.comparator))
      throw new Error(`unknown comparator ${t.comparator}`);
    const good = t
      ? this.db.raw(
          `coalesce(sum(case when v ${t.comparator} ? then 1 else 0 end), 0) as good`,
          [t.value],
        )
      : this.db.raw('0 as good');
    const row: Record<string, unknown> | undefined = await this.db
      .from(perMinute.as('m'))
      .whereNotNull('v')
      .select(
        this.db.raw('count(*) as minutes'),
        this.db.raw('coalesce(sum(v), 0) as total'),
        good,
      )
      .first();
    return {
      minutes: Number(row?.minutes ?? 0),
      sum: Number(row?.total ?? 0),
      good: Number(row?.good ?? 0),
    };
  }

  /**
   * Requests and failed requests of one entity over [fromMs, toMs) from a per-minute error ratio and a
   * per-minute request count: `total` = the sum of the minutes' request means, `bad` = the sum of each
   * minute's error ratio times its requests (minutes with both).
   */
  async weightedErrorTotals(options: {
    entityRef: string;
    errorRatioMetric: string;
    requestsMetric: string;
    fromMs: number;
    toMs: number;
  }): Promise<{ minutes: number; total: number; bad: number }> {
    const row: Record<string, unknown> | undefined = await this.db
      .from(this.minuteValues(options, options.errorRatioMetric).as('e'))
      .join(
        this.minuteValues(options, options.requestsMetric).as('r'),
        'e.minute',
        'r.minute',
      )
      .select(
        this.db.raw('count(*) as minutes'),
        this.db.raw('coalesce(sum(r.v), 0) as total'),
        this.db.raw('coalesce(sum(e.v * r.v), 0) as bad'),
      )
      .first();
    return {
      minutes: Number(row?.minutes ?? 0),
      total: Number(row?.total ?? 0),
      bad: Number(row?.bad ?? 0),
    };
  }

  /**
   * A subquery of one metric of one entity over [fromMs, toMs): `minute` and `v`, the minute's mean over
   * every writer and label set (or, with `p95`, the highest stored p95 among them).
   */
  private minuteValues(
    options: { entityRef: string; fromMs: number; toMs: number },
    metric: string,
    p95 = false,
  ) {
    return this.db('metric_rollups')
      .where({ org_id: this.orgId, entity_ref: options.entityRef, metric })
      .where('minute', '>=', new Date(options.fromMs))
      .where('minute', '<', new Date(options.toMs))
      .where('count', '>', 0)
      .groupBy('minute')
      .select(
        'minute',
        this.db.raw(`${p95 ? 'max(p95)' : 'sum(sum) / sum(count)'} as v`),
      );
  }

  /** Log lines and error (or fatal) lines of one entity over [fromMs, toMs). */
  async logTotals(options: {
    entityRef: string;
    fromMs: number;
    toMs: number;
  }): Promise<{ lines: number; errors: number; minutes: number }> {
    const row: Record<string, unknown> | undefined = await this.db(
      'log_rollups',
    )
      .where({ org_id: this.orgId, entity_ref: options.entityRef })
      .where('minute', '>=', new Date(options.fromMs))
      .where('minute', '<', new Date(options.toMs))
      .select(
        this.db.raw('coalesce(sum(count), 0) as lines'),
        this.db.raw('count(distinct minute) as minutes'),
        this.db.raw(
          "coalesce(sum(case when level in ('error', 'fatal') then count else 0 end), 0) as errors",
        ),
      )
      .first();
    return {
      lines: Number(row?.lines ?? 0),
      errors: Number(row?.errors ?? 0),
      minutes: Number(row?.minutes ?? 0),
    };
  }

  /**
   * Per series of the given metrics over [fromMs, toMs): its entity (possibly '' when none claimed it),
   * labels, summed values and minutes with data. The read behind observed call volumes (service-graph
   * and mesh request counters), one index range per metric.
   */
  async metricSeriesTotals(options: {
    metrics: readonly string[];
    fromMs: number;
    toMs: number;
  }): Promise<
    Array<{
      entityRef: string;
      metric: string;
      labels: Record<string, string>;
      sum: number;
      minutes: number;
    }>
  > {
    if (options.metrics.length === 0) return [];
    const rows: Array<Record<string, any>> = await this.db('metric_rollups')
      .where('org_id', this.orgId)
      .whereIn('metric', [...options.metrics])
      .where('minute', '>=', new Date(options.fromMs))
      .where('minute', '<', new Date(options.toMs))
      .groupBy('entity_ref', 'metric', 'series_key')
      .select(
        'entity_ref',
        'metric',
        this.db.raw('max(labels) as labels'),
        this.db.raw('sum(sum) as total'),
        this.db.raw('count(distinct minute) as minutes'),
      );
    return rows.map(r => ({
      entityRef: r.entity_ref,
      metric: r.metric,
      labels: parseJson<Record<string, string>>(r.labels, {}),
      sum: Number(r.total),
      minutes: Number(r.minutes),
    }));
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
