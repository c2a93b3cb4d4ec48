import { randomUUID } from 'node:crypto';
import type { Anomaly } from '@devops-copilot/backstage-plugin-copilot-common';
import {
  createSeriesDetector,
  describeDecision,
  errorBurstFinding,
  type DetectorOptions,
} from '../engine/detect';
import type {
  Decision,
  SeriesDetector,
  SeriesDetectorState,
} from '../engine/detect/types';
import type { SeriesKind, StoredDetectorState } from '../stores/AnomalyStore';

const MINUTE = 60_000;

/** What a series is: its key, entity and how to describe it in evidence. */
export interface SeriesSpec {
  key: string;
  entityRef: string;
  kind: SeriesKind;
  metric?: string;
  templateId?: string;
  /** Human name of the measured quantity: "p95 latency_ms", "error log lines", "log template «...»". */
  label: string;
  unit?: string;
}

/** Options of the pool: how anomaly windows open, stay open and close, and how many series it keeps. */
export interface DetectorPoolOptions {
  /** Detector options for gauge series (metrics). */
  detector: Partial<DetectorOptions>;
  /** A window stays open while the score is at least this (after it opened on an alert). */
  continueScore: number;
  /** Consecutive normal minutes that close an open window. */
  closeAfterMinutes: number;
  /** A window is kept open by its value staying beyond the opening band for at most this long. */
  maxWindowMinutes: number;
  /** Count series (templates) with no line for this long are forgotten. */
  idleMinutes: number;
  /** At most this many series are kept; the longest idle count series go first. */
  maxSeries: number;
  /** Makes a series' detector (the ensemble of engine/detect by default). */
  createDetector: (
    options: Partial<DetectorOptions>,
    state?: SeriesDetectorState,
  ) => SeriesDetector;
}

export const DEFAULT_DETECTOR_POOL_OPTIONS: DetectorPoolOptions = {
  detector: {},
  continueScore: 0.5,
  closeAfterMinutes: 5,
  maxWindowMinutes: 360,
  idleMinutes: 24 * 60,
  maxSeries: 50_000,
  createDetector: createSeriesDetector,
};

interface LiveSeries {
  spec: SeriesSpec;
  detector: SeriesDetector;
  lastMinuteMs: number;
  lastActiveMs: number;
  last?: Decision;
  open?: Anomaly;
  peak?: Decision;
  normalRun: number;
  dirty: boolean;
  /** Error-level series: the latest counts, the baseline of the error-burst test. */
  recent?: number[];
  /** The expected band when the open window opened: the window stays open while the value is beyond it. */
  openBand?: [number, number];
}

/** Minutes of error counts the error-burst test compares the current minute with. */
const BURST_HISTORY = 60;
/** An error burst at least this strong opens an anomaly window even if the ensemble did not alert. */
const BURST_ALERT_SCORE = 0.6;

/** What feeding a point changed: the anomaly window it opened, extended or closed. */
export interface AnomalyChange {
  anomaly: Anomaly;
  change: 'opened' | 'updated' | 'closed';
}

const COUNT_KINDS = new Set<SeriesKind>([
  'log-volume',
  'log-errors',
  'template',
]);

/**
 * The live detectors of every series, and the anomaly windows they open and close. Pure and in memory:
 * the detect stage reads rollups into it and persists what it returns; the benchmark drives it directly.
 */
export class DetectorPool {
  private readonly series = new Map<string, LiveSeries>();
  private readonly options: DetectorPoolOptions;

  constructor(options: Partial<DetectorPoolOptions> = {}) {
    this.options = { ...DEFAULT_DETECTOR_POOL_OPTIONS, ...options };
  }

  get size(): number {
    return this.series.size;
  }

  /** Resumes from checkpointed states and the anomaly windows that were still open. */
  restore(states: StoredDetectorState[], openWindows: Anomaly[] = []): void {
    const openBySeries = new Map(openWindows.map(a => [a.seriesKey, a]));
    for (const s of states) {
      const spec = specOf(s);
      const { poolRecent, poolOpenBand, poolNormalRun, ...state } =
        s.state as typeof s.state & {
          poolRecent?: number[];
          poolOpenBand?: [number, number];
          poolNormalRun?: number;
        };
      const open = openBySeries.get(s.seriesKey);
      this.series.set(s.seriesKey, {
        spec,
        detector: this.options.createDetector(
          this.detectorOptions(spec),
          state as typeof s.state,
        ),
        ...(poolRecent ? { recent: poolRecent } : {}),
        ...(poolOpenBand ? { openBand: poolOpenBand } : {}),
        lastMinuteMs: s.lastMinuteMs,
        lastActiveMs: s.lastMinuteMs,
        open,
        ...(open ? { peak: peakOf(open) } : {}),
        normalRun: open ? poolNormalRun ?? 0 : 0,
        dirty: false,
      });
    }
  }

  /** The newest minute any series has decided on. */
  lastMinuteMs(): number | undefined {
    let last: number | undefined;
    for (const s of this.series.values())
      if (last === undefined || s.lastMinuteMs > last) last = s.lastMinuteMs;
    return last;
  }

  has(key: string): boolean {
    return this.series.has(key);
  }

  /** Specs of the series of one kind (to zero-fill count series in minutes without lines). */
  *specs(kind?: SeriesKind): Iterable<SeriesSpec> {
    for (const s of this.series.values())
      if (!kind || s.spec.kind === kind) yield s.spec;
  }

  /**
   * Feeds the value of one closed minute (NaN: no data, e.g. nothing at all was ingested). Creates the
   * series on its first point. Points at or before the series' last minute are ignored (replays).
   */
  feed(
    spec: SeriesSpec,
    minuteMs: number,
    value: number,
    now: Date,
  ): AnomalyChange | undefined {
    let live = this.series.get(spec.key);
    if (!live) {
      if (Number.isNaN(value)) return undefined;
      live = {
        spec,
        detector: this.options.createDetector(this.detectorOptions(spec)),
        lastMinuteMs: -Infinity,
        lastActiveMs: minuteMs,
        normalRun: 0,
        dirty: true,
        ...(spec.kind === 'log-errors' ? { recent: [] } : {}),
      };
      this.series.set(spec.key, live);
    } else if (spec.label && spec.label !== live.spec.label) {
      live.spec = spec;
    }
    if (minuteMs <= live.lastMinuteMs) return undefined;
    let decision = live.detector.update({ ts: minuteMs, value });
    if (live.recent && !Number.isNaN(value)) {
      decision = withErrorBurst(decision, value, live.recent);
      live.recent.push(value);
      if (live.recent.length > BURST_HISTORY) live.recent.shift();
    }
    live.lastMinuteMs = minuteMs;
    live.last = decision;
    live.dirty = true;
    if (!Number.isNaN(value) && (value !== 0 || !COUNT_KINDS.has(spec.kind)))
      live.lastActiveMs = minuteMs;
    return this.track(live, decision, now);
  }

  /** Forgets idle count series and, over `maxSeries`, the longest idle ones. Returns the keys dropped. */
  evict(nowMs: number): string[] {
    const dropped: string[] = [];
    const horizon = nowMs - this.options.idleMinutes * MINUTE;
    for (const [key, s] of this.series) {
      if (COUNT_KINDS.has(s.spec.kind) && s.lastActiveMs < horizon && !s.open) {
        this.series.delete(key);
        dropped.push(key);
      }
    }
    if (this.series.size > this.options.maxSeries) {
      const byIdle = [...this.series.entries()]
        .filter(([, s]) => !s.open)
        .sort((a, b) => a[1].lastActiveMs - b[1].lastActiveMs);
      for (const [key] of byIdle.slice(
        0,
        this.series.size - this.options.maxSeries,
      )) {
        this.series.delete(key);
        dropped.push(key);
      }
    }
    return dropped;
  }

  /** States changed since the last call, to checkpoint. */
  takeDirty(): StoredDetectorState[] {
    const out: StoredDetectorState[] = [];
    for (const s of this.series.values()) {
      if (!s.dirty || !Number.isFinite(s.lastMinuteMs)) continue;
      s.dirty = false;
      out.push({
        seriesKey: s.spec.key,
        entityRef: s.spec.entityRef,
        kind: s.spec.kind,
        state: {
          ...s.detector.snapshot(),
          ...(s.recent ? { poolRecent: [...s.recent] } : {}),
          ...(s.open && s.openBand ? { poolOpenBand: s.openBand } : {}),
          ...(s.open ? { poolNormalRun: s.normalRun } : {}),
        },
        lastMinuteMs: s.lastMinuteMs,
        cold: s.last?.cold ?? true,
        warmupRemaining: s.last?.warmupRemaining ?? 0,
      });
    }
    return out;
  }

  private detectorOptions(spec: SeriesSpec): Partial<DetectorOptions> {
    return COUNT_KINDS.has(spec.kind)
      ? { ...this.options.detector, kind: 'count' }
      : { ...this.options.detector, kind: 'gauge' };
  }

  /** Opens, extends or closes the series' anomaly window on a decision. */
  private track(
    live: LiveSeries,
    d: Decision,
    now: Date,
  ): AnomalyChange | undefined {
    if (Number.isNaN(d.value)) return undefined;
    if (!live.open) {
      if (!d.anomalous) return undefined;
      live.peak = d;
      live.normalRun = 0;
      live.openBand = [d.band[0], d.band[1]];
      live.open = this.anomalyOf(live, d, d, now, randomUUID(), now);
      return { anomaly: live.open, change: 'opened' };
    }
    // The detectors re-learn a new level within minutes; the window measures against the band the series
    // had when it opened, so a sustained shift keeps it open until the series is back.
    const band = live.openBand ?? live.open.band;
    const beyond =
      band !== undefined &&
      (live.open.direction === 'down' ? d.value < band[0] : d.value > band[1]);
    const abnormal =
      d.anomalous ||
      d.score >= this.options.continueScore ||
      (beyond &&
        Date.parse(live.open.windowFrom) +
          this.options.maxWindowMinutes * MINUTE >
          d.ts);
    if (abnormal) {
      live.normalRun = 0;
      const peak = !live.peak || d.score > live.peak.score ? d : live.peak;
      live.peak = peak;
      live.open = this.anomalyOf(
        live,
        peak,
        d,
        now,
        live.open.id,
        new Date(live.open.createdAt),
        live.open,
      );
      return { anomaly: live.open, change: 'updated' };
    }
    live.normalRun += 1;
    if (live.normalRun < this.options.closeAfterMinutes) return undefined;
    const closed: Anomaly = {
      ...live.open,
      status: 'closed',
      updatedAt: now.toISOString(),
    };
    live.open = undefined;
    live.openBand = undefined;
    live.peak = undefined;
    live.normalRun = 0;
    return { anomaly: closed, change: 'closed' };
  }

  private anomalyOf(
    live: LiveSeries,
    peak: Decision,
    latest: Decision,
    now: Date,
    id: string,
    createdAt: Date,
    previous?: Anomaly,
  ): Anomaly {
    const { spec } = live;
    const detectors = mergeFindings(previous?.detectors ?? [], peak.fired);
    const anomaly: Anomaly = {
      id,
      entityRef: spec.entityRef,
      seriesKey: spec.key,
      kind: spec.kind,
      ...(spec.metric ? { metric: spec.metric } : {}),
      ...(spec.templateId ? { templateId: spec.templateId } : {}),
      status: 'open',
      windowFrom: previous?.windowFrom ?? new Date(peak.ts).toISOString(),
      windowTo: new Date(latest.ts + MINUTE).toISOString(),
      peakAt: new Date(peak.ts).toISOString(),
      score: peak.score,
      direction: peak.direction,
      value: peak.value,
      expected: peak.expected,
      band: peak.band,
      robustSigmas: peak.robustSigmas,
      detectors,
      seasonality: peak.seasonality,
      summary: describeDecision(
        { ...peak, fired: detectors },
        { metric: spec.label, unit: spec.unit },
      ),
      createdAt: createdAt.toISOString(),
      updatedAt: now.toISOString(),
    };
    return anomaly;
  }
}

/** The peak decision of an open window, as stored with it (to resume the window after a restart). */
function peakOf(a: Anomaly): Decision {
  return {
    ts: Date.parse(a.peakAt),
    value: a.value ?? NaN,
    score: a.score,
    anomalous: true,
    direction: a.direction,
    expected: a.expected ?? NaN,
    band: a.band ?? [NaN, NaN],
    robustSigmas: a.robustSigmas ?? NaN,
    seasonality: a.seasonality,
    fired: a.detectors as Decision['fired'],
    cold: false,
    warmupRemaining: 0,
  };
}

/**
 * Adds the error-burst test (Poisson tail against the recent error counts) to a decision on an
 * error-level series: its finding is cited, and a strong burst alerts even when the ensemble did not.
 */
function withErrorBurst(
  d: Decision,
  count: number,
  recent: number[],
): Decision {
  const burst = errorBurstFinding({ count, history: recent });
  if (burst.score <= 0) return d;
  const fired = [burst, ...d.fired].sort((a, b) => b.score - a.score);
  const alert = !d.cold && burst.score >= BURST_ALERT_SCORE;
  return {
    ...d,
    fired,
    score: Math.max(d.score, burst.score),
    anomalous: d.anomalous || alert,
    direction: alert ? 'up' : d.direction,
  };
}

/** Detectors that fired over the window: the strongest finding of each, strongest first. */
function mergeFindings<T extends { detector: string; score: number }>(
  a: T[],
  b: T[],
): T[] {
  const best = new Map<string, T>();
  for (const f of [...a, ...b]) {
    const seen = best.get(f.detector);
    if (!seen || f.score > seen.score) best.set(f.detector, f);
  }
  return [...best.values()].sort((x, y) => y.score - x.score);
}

/** Rebuilds a series spec from its stored key. */
function specOf(s: StoredDetectorState): SeriesSpec {
  return seriesSpecFromKey(s.seriesKey, s.entityRef, s.kind);
}

/** Series keys: `metric:<entity>:<metric>[:p95]`, `logs:<entity>:volume|errors`, `template:<id>`. */
export function seriesSpecFromKey(
  key: string,
  entityRef: string,
  kind: SeriesKind,
): SeriesSpec {
  if (kind === 'template') {
    const templateId = key.slice('template:'.length);
    return {
      key,
      entityRef,
      kind,
      templateId,
      label: `log template ${templateId}`,
    };
  }
  if (kind === 'log-volume') return logSeriesSpec(entityRef, 'volume');
  if (kind === 'log-errors') return logSeriesSpec(entityRef, 'errors');
  const rest = key.slice(`metric:${entityRef}:`.length);
  const p95 = rest.endsWith(':p95');
  return metricSeriesSpec(entityRef, p95 ? rest.slice(0, -4) : rest, p95);
}

export function metricSeriesSpec(
  entityRef: string,
  metric: string,
  p95: boolean,
): SeriesSpec {
  return {
    key: `metric:${entityRef}:${metric}${p95 ? ':p95' : ''}`,
    entityRef,
    kind: 'metric',
    metric,
    label: p95 ? `p95 ${metric}` : metric,
    unit: unitOf(metric),
  };
}

export function logSeriesSpec(
  entityRef: string,
  which: 'volume' | 'errors',
): SeriesSpec {
  return {
    key: `logs:${entityRef}:${which}`,
    entityRef,
    kind: which === 'volume' ? 'log-volume' : 'log-errors',
    label:
      which === 'volume'
        ? 'log lines per minute'
        : 'error log lines per minute',
  };
}

export function templateSeriesSpec(
  entityRef: string,
  templateId: string,
  template: string,
): SeriesSpec {
  const text = template.length > 100 ? `${template.slice(0, 97)}...` : template;
  return {
    key: `template:${templateId}`,
    entityRef,
    kind: 'template',
    templateId,
    label: text
      ? `lines per minute of «${text}»`
      : `log template ${templateId}`,
  };
}

/** A unit guessed from the metric's name (Prometheus and OpenTelemetry conventions). */
function unitOf(metric: string): string | undefined {
  if (/(_ms|\.ms|_milliseconds)$/.test(metric) || /latency_ms/.test(metric))
    return 'ms';
  if (/(_seconds|\.s)$/.test(metric)) return 's';
  if (/_bytes$/.test(metric)) return 'B';
  if (/_ratio$|_rate$/.test(metric)) return undefined;
  return undefined;
}
