// Turns a batch of attributed signals into what the store keeps: log volume per entity, minute and level;
// per-template counts from the entity's streaming miner; a bounded raw sample; metric rollups per minute
// (min/max/sum/count, with a quantile sketch for latency-like metrics). Pure: the caller owns the miners
// and writes the result.
import type { SignalKind } from '@devops-copilot/backstage-plugin-copilot-common';
import type { DrainMiner } from './drain';
import {
  BUILTIN_PROFILES,
  newLineFacts,
  normalizeLevel,
  readLine,
  type LineFacts,
  type LineProfile,
  type ParsedLine,
} from './parsers';
import { QuantileSketch } from './sketch';

export const MINUTE_MS = 60_000;

/** A validated signal with its entity (undefined when no catalog entity claims it). */
export interface AttributedSignal {
  entityRef?: string;
  source: string;
  kind: SignalKind;
  tsMs: number;
  key?: string;
  value?: number;
  text?: string;
  labels: Record<string, string>;
}

/** Log levels of the rollups; `unknown` when neither labels nor the line say. */
export type RollupLevel = NonNullable<ParsedLine['level']> | 'unknown';

/** A raw line kept as a sample. */
export interface LogSample {
  entityRef?: string;
  source: string;
  tsMs: number;
  /** Miner template id inside the entity, when mined. */
  minerId?: number;
  level: RollupLevel;
  traceId?: string;
  text: string;
  labels: Record<string, string>;
}

/** One minute of one metric series of one entity. */
export interface MetricCell {
  entityRef: string;
  metric: string;
  seriesKey: string;
  minuteMs: number;
  labels: Record<string, string>;
  min: number;
  max: number;
  sum: number;
  count: number;
  sketch?: QuantileSketch;
}

/** A template the batch created, with the level of its first line. */
export interface NewTemplate {
  entityRef: string;
  minerId: number;
  level: RollupLevel;
}

export interface BatchAggregate {
  /** `${entityRef}\u0000${minuteMs}\u0000${level}` -> lines ('' entity: unattributed). */
  logLevels: Map<string, number>;
  /** entity -> minute -> miner id -> lines. */
  templateCounts: Map<string, Map<number, Map<number, number>>>;
  newTemplates: NewTemplate[];
  samples: LogSample[];
  /** Key: entity, metric, series key and minute. */
  metrics: Map<string, MetricCell>;
  /** Signals kept row by row: deploys, events, and metric points no entity claims yet. */
  rows: AttributedSignal[];
  logLines: number;
  metricPoints: number;
}

export interface SamplingOptions {
  /** Raw lines kept per entity, minute and template. */
  perTemplateMinute: number;
  /** Raw lines kept per entity and minute over all its templates. */
  perEntityMinute: number;
  /** Raw lines kept per minute that no entity claims (kept so that a later catalog can claim them). */
  unattributedPerMinute: number;
}

export const DEFAULT_SAMPLING: SamplingOptions = {
  perTemplateMinute: 3,
  perEntityMinute: 200,
  unattributedPerMinute: 5000,
};

/** Labels that say who emitted a point, not which series it is. */
const IDENTITY_LABELS = new Set([
  'service',
  'app',
  'entity',
  'component',
  'job',
  'instance',
  'pod',
  'host',
  'hostname',
  'container',
  'node',
  'namespace',
  'source',
  'level',
]);
const isIdentityLabel = (k: string) =>
  IDENTITY_LABELS.has(k) ||
  k.startsWith('k8s.') ||
  k.startsWith('service.') ||
  k.startsWith('host.') ||
  k.startsWith('app.kubernetes.io/') ||
  k.startsWith('otel.');

/** Metrics whose distribution matters: a sketch gives their quantiles per minute. */
const LATENCY_METRIC = /latency|duration|_ms$|_seconds$|response_time|_time$/i;

/** Metric name under which latencies read from log lines (access logs, JSON `duration_ms`) roll up. */
export const LOG_LATENCY_METRIC = 'log.latency_ms';

/** 64-bit FNV-1a over a string, as 16 hex digits: a short stable series key. */
export function seriesKeyOf(labels: Record<string, string>): string {
  const keys = Object.keys(labels)
    .filter(k => !isIdentityLabel(k))
    .sort();
  if (keys.length === 0) return '';
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (const k of keys) {
    const s = `${k}=${labels[k]}\u0000`;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
    }
  }
  return (
    (h1 >>> 0).toString(16).padStart(8, '0') +
    (h2 >>> 0).toString(16).padStart(8, '0')
  );
}

/** Splitting labels of a series: the ones its key was made of. */
function seriesLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels))
    if (!isIdentityLabel(k)) out[k] = labels[k];
  return out;
}

/** Level of a log line: an explicit label wins, then what the line itself says. */
export function levelOf(
  labels: Record<string, string>,
  parsed: Pick<ParsedLine, 'level' | 'statusCode'>,
): RollupLevel {
  const label = labels.level ?? labels.severity ?? labels.lvl;
  const fromLabel = label ? normalizeLevel(label) : undefined;
  if (fromLabel) return fromLabel;
  if (parsed.level) return parsed.level;
  if (parsed.statusCode !== undefined) {
    if (parsed.statusCode >= 500) return 'error';
    if (parsed.statusCode >= 400) return 'warn';
    return 'info';
  }
  return 'unknown';
}

/** Minutes whose sampling counters are remembered. */
const MAX_SAMPLED_MINUTES = 180;

/** Lines one entity had kept in one minute, in all and per template. */
interface EntityBudget {
  lines: number;
  perTemplate: Map<number | undefined, number>;
}

/** Lines kept in one minute. */
interface MinuteBudget {
  unattributed: number;
  entities: Map<string, EntityBudget>;
}

/**
 * Decides which raw lines are kept: the first few per template and minute, within a cap per entity and
 * minute. It remembers the counters of a bounded number of minutes, so its memory stays bounded.
 */
export class LogSampler {
  private readonly minutes = new Map<number, MinuteBudget>();
  /** The minute of the last line and its counters: lines come mostly in time order. */
  private lastMinute = NaN;
  private lastBudget?: MinuteBudget;

  constructor(readonly options: SamplingOptions = DEFAULT_SAMPLING) {}

  take(entityRef: string | undefined, minuteMs: number, minerId?: number) {
    let budget =
      minuteMs === this.lastMinute
        ? this.lastBudget
        : this.minutes.get(minuteMs);
    if (!budget) {
      budget = { unattributed: 0, entities: new Map() };
      this.minutes.set(minuteMs, budget);
      if (this.minutes.size > MAX_SAMPLED_MINUTES) {
        // Forget the oldest minute: a line that late is rare, and its minute starts a fresh budget.
        let oldest = minuteMs;
        for (const m of this.minutes.keys()) if (m < oldest) oldest = m;
        this.minutes.delete(oldest);
      }
      // Remembered only while the map holds them (a line older than every minute kept is not).
      const held = this.minutes.has(minuteMs);
      this.lastMinute = held ? minuteMs : NaN;
      this.lastBudget = held ? budget : undefined;
    } else if (minuteMs !== this.lastMinute) {
      this.lastMinute = minuteMs;
      this.lastBudget = budget;
    }
    if (entityRef === undefined) {
      if (budget.unattributed >= this.options.unattributedPerMinute)
        return false;
      budget.unattributed += 1;
      return true;
    }
    let entity = budget.entities.get(entityRef);
    if (!entity) {
      entity = { lines: 0, perTemplate: new Map() };
      budget.entities.set(entityRef, entity);
    }
    // Most lines of a busy entity meet its full budget.
    if (entity.lines >= this.options.perEntityMinute) return false;
    const kept = entity.perTemplate.get(minerId) ?? 0;
    if (kept >= this.options.perTemplateMinute) return false;
    entity.lines += 1;
    entity.perTemplate.set(minerId, kept + 1);
    return true;
  }
}

/** The labels of latencies read from lines: none. */
const EMPTY_LABELS: Record<string, string> = Object.freeze({});

/** Lines of one level of one entity and minute in a batch, under their `logLevels` key. */
interface LevelCount {
  key: string;
  lines: number;
}

/** What a batch counts for one entity and minute, found once rather than per line. */
interface MinuteCounts {
  levels: Map<RollupLevel, LevelCount>;
  /** The batch's `templateCounts` of the entity and minute, once a line was mined. */
  perTemplate?: Map<number, number>;
  /** The batch's cell of latencies read from lines, once one was. */
  latency?: MetricCell;
}

/** A batch's counters of one entity ('' when unattributed). */
interface EntityCounts {
  minutes: Map<number, MinuteCounts>;
  /** The minute of the entity's last line, and its counts. */
  lastMinuteMs: number;
  lastMinute?: MinuteCounts;
  miner?: DrainMiner;
}

/** Aggregates batches; one per ingest service, as its sampler remembers the last minutes. */
export class SignalAggregator {
  readonly sampler: LogSampler;
  private readonly profiles: LineProfile[];
  private readonly profilesByStream = new Map<string, LineProfile[]>();
  private readonly facts: LineFacts = newLineFacts();

  constructor(
    options: { sampling?: SamplingOptions; profiles?: LineProfile[] } = {},
  ) {
    this.sampler = new LogSampler(options.sampling ?? DEFAULT_SAMPLING);
    this.profiles = options.profiles ?? BUILTIN_PROFILES;
  }

  /**
   * Aggregates one batch. `minerOf` gives the (already loaded) miner of an entity that sent logs;
   * logs nobody claims are not mined, only counted and sampled.
   */
  aggregate(
    signals: Iterable<AttributedSignal>,
    minerOf: (entityRef: string) => DrainMiner,
  ): BatchAggregate {
    const out: BatchAggregate = {
      logLevels: new Map(),
      templateCounts: new Map(),
      newTemplates: [],
      samples: [],
      metrics: new Map(),
      rows: [],
      logLines: 0,
      metricPoints: 0,
    };
    const entities = new Map<string, EntityCounts>();
    // Level counts in the order their keys first appeared, as logLevels lists them.
    const levelCounts: LevelCount[] = [];
    for (const s of signals) {
      const minuteMs = Math.floor(s.tsMs / MINUTE_MS) * MINUTE_MS;
      if (s.kind === 'log' && s.text !== undefined) {
        this.addLog(out, entities, levelCounts, s, minuteMs, minerOf);
      } else if (
        s.kind === 'metric' &&
        s.key !== undefined &&
        s.value !== undefined
      ) {
        if (!s.entityRef) {
          out.rows.push(s);
          continue;
        }
        out.metricPoints += 1;
        addMetric(out, s.entityRef, s.key, s.labels, minuteMs, s.value);
      } else {
        out.rows.push(s);
      }
    }
    for (const c of levelCounts) out.logLevels.set(c.key, c.lines);
    return out;
  }

  private addLog(
    out: BatchAggregate,
    entities: Map<string, EntityCounts>,
    levelCounts: LevelCount[],
    s: AttributedSignal,
    minuteMs: number,
    minerOf: (entityRef: string) => DrainMiner,
  ) {
    out.logLines += 1;
    // A stream's lines share a format: try the profile that matched its last line first.
    const stream = s.entityRef ?? s.source;
    let profiles = this.profilesByStream.get(stream);
    if (!profiles) {
      profiles = [...this.profiles];
      if (this.profilesByStream.size < 10_000)
        this.profilesByStream.set(stream, profiles);
    }
    const parsed = readLine(s.text!, profiles, this.facts);
    if (profiles.length > 1 && profiles[0].name !== parsed.format) {
      const at = profiles.findIndex(p => p.name === parsed.format);
      if (at > 0) profiles.unshift(...profiles.splice(at, 1));
    }
    const level = levelOf(s.labels, parsed);
    const entity = s.entityRef ?? '';
    let counts = entities.get(entity);
    if (!counts) {
      counts = { minutes: new Map(), lastMinuteMs: NaN };
      entities.set(entity, counts);
    }
    let minute =
      minuteMs === counts.lastMinuteMs
        ? counts.lastMinute
        : counts.minutes.get(minuteMs);
    if (!minute) {
      minute = { levels: new Map() };
      counts.minutes.set(minuteMs, minute);
    }
    counts.lastMinuteMs = minuteMs;
    counts.lastMinute = minute;
    let levelCount = minute.levels.get(level);
    if (!levelCount) {
      levelCount = {
        key: `${entity}\u0000${minuteMs}\u0000${level}`,
        lines: 0,
      };
      minute.levels.set(level, levelCount);
      levelCounts.push(levelCount);
    }
    levelCount.lines += 1;
    let minerId: number | undefined;
    if (s.entityRef) {
      const miner = counts.miner ?? (counts.miner = minerOf(s.entityRef));
      minerId = miner.add(parsed.message);
      if (miner.lastCreated) {
        out.newTemplates.push({ entityRef: s.entityRef, minerId, level });
      }
      let perTemplate = minute.perTemplate;
      if (!perTemplate) {
        let minutes = out.templateCounts.get(s.entityRef);
        if (!minutes) {
          minutes = new Map();
          out.templateCounts.set(s.entityRef, minutes);
        }
        perTemplate = minutes.get(minuteMs);
        if (!perTemplate) {
          perTemplate = new Map();
          minutes.set(minuteMs, perTemplate);
        }
        minute.perTemplate = perTemplate;
      }
      perTemplate.set(minerId, (perTemplate.get(minerId) ?? 0) + 1);
      const latencyMs = parsed.latencyMs;
      if (latencyMs !== undefined && Number.isFinite(latencyMs)) {
        // The cell addMetric(out, entity, LOG_LATENCY_METRIC, {}, minute, latency) adds to.
        let cell = minute.latency;
        if (!cell) {
          cell = metricCell(
            out,
            s.entityRef,
            LOG_LATENCY_METRIC,
            EMPTY_LABELS,
            minuteMs,
            latencyMs,
          );
          minute.latency = cell;
        }
        addToCell(cell, latencyMs);
      }
    }
    if (this.sampler.take(s.entityRef, minuteMs, minerId)) {
      out.samples.push({
        entityRef: s.entityRef,
        source: s.source,
        tsMs: s.tsMs,
        minerId,
        level,
        traceId: parsed.traceId?.slice(0, 64),
        text: s.text!,
        labels: s.labels,
      });
    }
  }
}

/** The batch's cell of an entity, metric, series and minute; created (empty) for `first` when missing. */
function metricCell(
  out: BatchAggregate,
  entityRef: string,
  metric: string,
  labels: Record<string, string>,
  minuteMs: number,
  first: number,
): MetricCell {
  const seriesKey = seriesKeyOf(labels);
  const key = `${entityRef}\u0000${metric}\u0000${seriesKey}\u0000${minuteMs}`;
  let cell = out.metrics.get(key);
  if (!cell) {
    cell = {
      entityRef,
      metric,
      seriesKey,
      minuteMs,
      labels: seriesLabels(labels),
      min: first,
      max: first,
      sum: 0,
      count: 0,
      sketch: LATENCY_METRIC.test(metric) ? new QuantileSketch() : undefined,
    };
    out.metrics.set(key, cell);
  }
  return cell;
}

function addToCell(cell: MetricCell, value: number) {
  if (value < cell.min) cell.min = value;
  if (value > cell.max) cell.max = value;
  cell.sum += value;
  cell.count += 1;
  cell.sketch?.add(value);
}

function addMetric(
  out: BatchAggregate,
  entityRef: string,
  metric: string,
  labels: Record<string, string>,
  minuteMs: number,
  value: number,
) {
  addToCell(metricCell(out, entityRef, metric, labels, minuteMs, value), value);
}

/** Merges a rollup cell into another of the same key (same entity, metric, series and minute). */
export function mergeCells(into: MetricCell, from: MetricCell): MetricCell {
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  into.sum += from.sum;
  into.count += from.count;
  if (from.sketch) {
    if (into.sketch) into.sketch.merge(from.sketch);
    else into.sketch = from.sketch;
  }
  return into;
}
