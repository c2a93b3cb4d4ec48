// Cumulative-to-delta conversion at ingest, the way the OpenTelemetry Collector's `cumulativetodelta`
// processor and Prometheus' `increase()` do it. A cumulative monotonic counter (what the Prometheus
// receiver and most SDKs export by default) reports its running total; the rollups, detectors and the
// root-cause analysis want what happened in each interval. The converter remembers, per series (the
// point's full identity: metric name, kind, scope, resource and point attributes), the last
// (start time, time, value) and turns each new point into the increase since the previous one.
//
// Rules:
// - The first point of a series is the baseline and yields nothing, unless its start time shows the
//   counter started after this converter could have seen all of it (the Collector's
//   `initial_value: auto`): then the value itself is the delta.
// - A reset (the value, or any histogram bucket, decreases; or the start time changes) yields the new
//   value, as Prometheus does (the counter restarted from zero), when the start time is unknown or shows
//   the restart happened after the previous point; otherwise (a start time that moved back, or a
//   decrease under an unchanged start, which no single writer produces) it only re-baselines. Never a
//   negative delta.
// - Points at or before the series' last time (out of order, duplicates, retries) are dropped and counted.
// - Memory is bounded: at most `maxSeries` series (the least recently updated is evicted) and series idle
//   for `maxIdleMs` are forgotten. A forgotten series starts again from a baseline.
//
// State is per process: several replicas behind a load balancer must each see all points of a series
// (or the conversion must run upstream, in the Collector's cumulativetodelta processor).

/** Bucket counts of an explicit-bounds histogram. */
export interface ExplicitHistogramBuckets {
  type: 'explicit';
  bounds: number[];
  /** bounds.length + 1 counts. */
  counts: number[];
}

/** One side (positive or negative) of an exponential histogram: counts from bucket index `offset`. */
export interface ExponentialSide {
  offset: number;
  counts: number[];
}

/** Bucket counts of an exponential histogram. */
export interface ExponentialHistogramBuckets {
  type: 'exponential';
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExponentialSide;
  negative: ExponentialSide;
}

/** The cumulative parts of a histogram (or summary) point. */
export interface HistogramValue {
  count: number;
  sum?: number;
  buckets?: ExplicitHistogramBuckets | ExponentialHistogramBuckets;
}

/** One cumulative point: its start time (undefined when unset) and time, in epoch milliseconds. */
export interface CumulativePoint<T> {
  startMs?: number;
  timeMs: number;
  value: T;
}

/** What a point turned into. */
export type DeltaOutcome<T> =
  /** The increase since the previous point (or since the counter started). */
  | { kind: 'delta'; value: T }
  /** First point of the series, or an unexplained reset: kept as the baseline, nothing to emit. */
  | { kind: 'baseline' }
  /** At or before the series' last time: dropped. */
  | { kind: 'stale' }
  /** Too far ahead of this clock: the state is left alone and the caller passes the point on as is. */
  | { kind: 'future' };

export interface CumulativeToDeltaOptions {
  /** Series remembered at most; the least recently updated is evicted beyond (default 200 000). */
  maxSeries?: number;
  /** A series not updated for this long is forgotten (default 1 hour). */
  maxIdleMs?: number;
  /** Points further ahead of the clock are left unconverted (default 5 minutes, the ingest limit). */
  maxFutureMs?: number;
  /** The clock, epoch milliseconds (tests). */
  now?: () => number;
}

/** Counters of what the converter did since it was created. */
export interface CumulativeToDeltaStats {
  /** Series remembered now. */
  series: number;
  deltas: number;
  /** First points of series that yielded nothing. */
  baselines: number;
  /** First points whose start time made their value the delta. */
  startedInside: number;
  resets: number;
  /** Out-of-order and duplicate points dropped. */
  stale: number;
  future: number;
  evicted: number;
  expired: number;
}

interface SeriesState<T> {
  startMs?: number;
  timeMs: number;
  value: T;
  /** Clock time of the last update, for idle expiry. */
  seenAt: number;
}

/**
 * How to subtract one kind of value: undefined when `cur` went below `prev` (a reset), null when they
 * cannot be compared (histogram buckets changed).
 */
type Subtract<T> = (cur: T, prev: T) => T | undefined | null;

export const DEFAULT_MAX_CUMULATIVE_SERIES = 200_000;
export const DEFAULT_MAX_IDLE_MS = 3600_000;
const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;
const SWEEP_EVERY_MS = 1000;

const subtractScalar: Subtract<number> = (cur, prev) =>
  cur >= prev ? cur - prev : undefined;

function subtractCounts(cur: number[], prev: number[]): number[] | undefined {
  if (cur.length !== prev.length) return undefined;
  const out = new Array<number>(cur.length);
  for (let i = 0; i < cur.length; i++) {
    const d = cur[i] - prev[i];
    if (d < 0) return undefined;
    out[i] = d;
  }
  return out;
}

/** `side` at a coarser scale: 2^shift buckets merge into one. */
function downscale(side: ExponentialSide, shift: number): ExponentialSide {
  if (shift === 0 || side.counts.length === 0) return side;
  const first = Math.floor(side.offset / 2 ** shift);
  const last = Math.floor((side.offset + side.counts.length - 1) / 2 ** shift);
  const counts = new Array<number>(last - first + 1).fill(0);
  side.counts.forEach((c, k) => {
    counts[Math.floor((side.offset + k) / 2 ** shift) - first] += c;
  });
  return { offset: first, counts };
}

/** `cur - prev` bucket by bucket; undefined when a bucket of `prev` has more than `cur`'s. */
function subtractSide(
  cur: ExponentialSide,
  prev: ExponentialSide,
): ExponentialSide | undefined {
  const counts = [...cur.counts];
  for (let k = 0; k < prev.counts.length; k++) {
    if (prev.counts[k] === 0) continue;
    const i = prev.offset + k - cur.offset;
    if (i < 0 || i >= counts.length) return undefined;
    counts[i] -= prev.counts[k];
    if (counts[i] < 0) return undefined;
  }
  return { offset: cur.offset, counts };
}

/** The bucket-wise difference; undefined when a bucket went down, null when the layouts differ. */
function subtractBuckets(
  cur: NonNullable<HistogramValue['buckets']>,
  prev: NonNullable<HistogramValue['buckets']>,
): HistogramValue['buckets'] | undefined | null {
  if (cur.type === 'explicit' && prev.type === 'explicit') {
    if (
      cur.bounds.length !== prev.bounds.length ||
      cur.bounds.some((b, k) => b !== prev.bounds[k])
    )
      return null;
    const counts = subtractCounts(cur.counts, prev.counts);
    return counts
      ? { type: 'explicit', bounds: cur.bounds, counts }
      : undefined;
  }
  if (cur.type === 'exponential' && prev.type === 'exponential') {
    // A cumulative exponential histogram only ever gets coarser (the SDK downscales as its range
    // grows); the previous point is brought to the current scale, a finer one means a reset.
    const shift = prev.scale - cur.scale;
    if (shift < 0 || cur.zeroThreshold !== prev.zeroThreshold) return null;
    const positive = subtractSide(
      cur.positive,
      downscale(prev.positive, shift),
    );
    const negative = subtractSide(
      cur.negative,
      downscale(prev.negative, shift),
    );
    const zeroCount = cur.zeroCount - prev.zeroCount;
    if (!positive || !negative || zeroCount < 0) return undefined;
    return { ...cur, zeroCount, positive, negative };
  }
  return null;
}

const subtractHistogram: Subtract<HistogramValue> = (cur, prev) => {
  const count = cur.count - prev.count;
  if (count < 0) return undefined;
  if ((cur.buckets === undefined) !== (prev.buckets === undefined)) return null;
  let buckets: HistogramValue['buckets'];
  if (cur.buckets && prev.buckets) {
    const d = subtractBuckets(cur.buckets, prev.buckets);
    if (!d) return d;
    buckets = d;
  }
  // The sum may go down (negative observations); only the counts tell a reset.
  const sum =
    cur.sum !== undefined && prev.sum !== undefined
      ? cur.sum - prev.sum
      : undefined;
  return {
    count,
    ...(sum !== undefined ? { sum } : {}),
    ...(buckets ? { buckets } : {}),
  };
};

/**
 * Converts cumulative points into per-interval deltas, per series. One instance per backend process,
 * shared by every request that can carry the same series; synchronous, so concurrent requests cannot
 * interleave inside one point.
 */
export class CumulativeToDelta {
  private readonly series = new Map<string, SeriesState<unknown>>();
  private readonly maxSeries: number;
  private readonly maxIdleMs: number;
  private readonly maxFutureMs: number;
  private readonly now: () => number;
  /**
   * Counters that started before this time may have increments this converter never saw (it was not
   * running, or it forgot their series): their first point is a baseline, not a delta.
   */
  private horizonMs: number;
  private nextSweepAt = 0;
  private readonly counters: Omit<CumulativeToDeltaStats, 'series'> = {
    deltas: 0,
    baselines: 0,
    startedInside: 0,
    resets: 0,
    stale: 0,
    future: 0,
    evicted: 0,
    expired: 0,
  };

  constructor(options: CumulativeToDeltaOptions = {}) {
    this.maxSeries = Math.max(
      1,
      Math.floor(options.maxSeries ?? DEFAULT_MAX_CUMULATIVE_SERIES),
    );
    this.maxIdleMs = options.maxIdleMs ?? DEFAULT_MAX_IDLE_MS;
    this.maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
    this.now = options.now ?? Date.now;
    this.horizonMs = this.now();
  }

  /** The delta of a monotonic counter point; `key` is the series' full identity. */
  scalar(key: string, point: CumulativePoint<number>): DeltaOutcome<number> {
    return this.step(key, point, subtractScalar);
  }

  /** The delta of a cumulative histogram (or summary) point: count, sum and every bucket. */
  histogram(
    key: string,
    point: CumulativePoint<HistogramValue>,
  ): DeltaOutcome<HistogramValue> {
    return this.step(key, point, subtractHistogram);
  }

  stats(): CumulativeToDeltaStats {
    return { series: this.series.size, ...this.counters };
  }

  private step<T>(
    key: string,
    point: CumulativePoint<T>,
    subtract: Subtract<T>,
  ): DeltaOutcome<T> {
    const now = this.now();
    const { timeMs, value } = point;
    const startMs =
      point.startMs !== undefined &&
      Number.isFinite(point.startMs) &&
      point.startMs > 0 &&
      point.startMs <= timeMs
        ? point.startMs
        : undefined;
    if (timeMs > now + this.maxFutureMs) {
      this.counters.future++;
      return { kind: 'future' };
    }
    if (now >= this.nextSweepAt) this.expire(now);
    const prev = this.series.get(key) as SeriesState<T> | undefined;
    if (prev && timeMs <= prev.timeMs) {
      this.counters.stale++;
      return { kind: 'stale' };
    }
    let outcome: DeltaOutcome<T>;
    if (!prev) {
      if (startMs !== undefined && startMs >= this.horizonMs) {
        this.counters.startedInside++;
        outcome = { kind: 'delta', value };
      } else {
        this.counters.baselines++;
        outcome = { kind: 'baseline' };
      }
    } else {
      const restarted =
        startMs !== undefined &&
        prev.startMs !== undefined &&
        startMs !== prev.startMs;
      const delta = restarted ? undefined : subtract(value, prev.value);
      if (delta !== undefined && delta !== null) {
        outcome = { kind: 'delta', value: delta };
      } else {
        this.counters.resets++;
        // Prometheus: a counter that went down restarted from zero, so its value is the increase.
        // A start time after the previous point says so too; any other start time cannot be trusted,
        // nor can a histogram whose buckets changed without a new start time.
        const fromZero =
          startMs === undefined
            ? prev.startMs === undefined && delta === undefined
            : startMs >= prev.timeMs;
        outcome = fromZero ? { kind: 'delta', value } : { kind: 'baseline' };
      }
      // Re-inserted below at the end of the map: the most recently updated series come last.
      this.series.delete(key);
    }
    if (outcome.kind === 'delta') this.counters.deltas++;
    this.series.set(key, { startMs, timeMs, value, seenAt: now });
    if (!prev && this.series.size > this.maxSeries) this.evictOldest();
    return outcome;
  }

  /** Forgets the least recently updated series. */
  private evictOldest() {
    const first = this.series.entries().next();
    if (first.done) return;
    const [key, state] = first.value;
    this.series.delete(key);
    this.forgot(state);
    this.counters.evicted++;
  }

  /** Forgets the series not updated for maxIdleMs (they are at the front of the map). */
  private expire(now: number) {
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    const limit = now - this.maxIdleMs;
    for (const [key, state] of this.series) {
      if (state.seenAt >= limit) break;
      this.series.delete(key);
      this.forgot(state);
      this.counters.expired++;
    }
  }

  /** A forgotten series that comes back starts from a baseline, even if its start time is recent. */
  private forgot(state: SeriesState<unknown>) {
    if (state.timeMs > this.horizonMs) this.horizonMs = state.timeMs;
  }
}

/** Labels a sender sets on a metric signal to ask for the conversion. */
const TEMPORALITY_LABELS = ['temporality', 'otel.temporality'];
const MONOTONIC_LABELS = ['monotonic', 'otel.monotonic'];

/** The series identity of a signal: its source, metric name and every label. */
function signalKey(
  source: string,
  metric: string,
  labels: Record<string, string>,
): string {
  let key = `${source}\u0001${metric}`;
  for (const k of Object.keys(labels).sort())
    key += `\u0001${k}\u0000${labels[k]}`;
  return key;
}

/** A metric signal as the ingest service sees it. */
interface MetricLike {
  source: string;
  kind: string;
  key?: string;
  tsMs: number;
  value?: number;
  labels: Record<string, string>;
}

/**
 * For signals of the JSON ingest API: a metric labelled `temporality: cumulative` (or
 * `otel.temporality: cumulative`) and not `monotonic: false` is a running total, and becomes the delta
 * since the series' previous point, under the same name with the label now `delta`. Returns the signal
 * unchanged when it is not such a metric, a converted copy, or undefined when it yields nothing (the
 * series' first point, or one out of order).
 */
export function deltaOfCumulativeSignal<S extends MetricLike>(
  converter: CumulativeToDelta,
  signal: S,
): S | undefined {
  const { labels } = signal;
  if (signal.kind !== 'metric' || signal.value === undefined) return signal;
  const marker = TEMPORALITY_LABELS.find(k => labels[k] === 'cumulative');
  if (!marker || MONOTONIC_LABELS.some(k => labels[k] === 'false'))
    return signal;
  const outcome = converter.scalar(
    signalKey(signal.source, signal.key ?? '', labels),
    { timeMs: signal.tsMs, value: signal.value },
  );
  if (outcome.kind === 'future') return signal;
  if (outcome.kind !== 'delta') return undefined;
  return {
    ...signal,
    value: outcome.value,
    labels: { ...labels, [marker]: 'delta' },
  };
}
