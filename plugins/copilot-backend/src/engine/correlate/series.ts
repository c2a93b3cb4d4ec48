// Robust anomaly strength of one raw series: median/MAD of a baseline vs the incident window, and
// the onset (first point beyond k robust sigmas that stays abnormal).
import { MAD_SCALE, mad, median, slope } from './robust';
import { readSymptom } from './symptoms';
import type { SeriesAnomaly, SeriesInput, SeriesKind } from './types';

/** Windows and thresholds of `scoreSeries`. */
export interface ScoreSeriesOptions {
  /** Incident window: onsets are searched in [fromMs, toMs]. */
  fromMs: number;
  toMs: number;
  /** Baseline: points in [baselineFromMs, fromMs). Default: every point before fromMs. */
  baselineFromMs?: number;
  /**
   * When the series has fewer than `minBaselinePoints` before `fromMs` (no history before the
   * window), points before this split form the baseline and [split, toMs] the incident window.
   */
  fallbackSplitMs?: number;
  /**
   * With too little baseline even before `fallbackSplitMs`, a series of a few coarse points may
   * use its first half as baseline if that half ends by this time (e.g. the alert). Default: the
   * fallback split.
   */
  thinSplitMaxMs?: number;
  /**
   * When several abnormal runs are found, those ending at or after this time are preferred (e.g.
   * the alert minus the relevance span): an older excursion is reported only when much stronger.
   * Default: the strongest run wins.
   */
  preferEndAfterMs?: number;
  /** Robust sigmas a point must exceed to start an anomaly. Default 4. */
  k?: number;
  /** Default 6. */
  minBaselinePoints?: number;
  /**
   * Relative noise (robust sigma / |level|) of comparable series: the same metric on other
   * entities (`pooledRelativeScale`). With a thin baseline (fewer than `minBaselinePoints`), the
   * series' own MAD of two or three points is no estimate of its scale (it is 0 whenever two
   * points happen to agree), so the scale is at least this share of the baseline level.
   */
  relativeScale?: number;
}

const MINUTE = 60_000;
/**
 * Fewest baseline points a thin series may be scored against: two points give a level (their
 * median) and, with the scale of comparable series (`relativeScale`), a band; one point gives no
 * level that a single noisy interval could not move.
 */
const MIN_THIN_BASELINE = 2;

const LABELS: Partial<Record<SeriesKind, string>> = {
  'log-errors': 'error log lines per interval',
  'log-volume': 'log lines per interval',
};

const isCount = (kind: SeriesKind) => kind !== 'metric';

/** Formats a number for summaries: 3 significant digits, no exponent for ordinary magnitudes. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2).replace(/\.?0+$/, '');
  return x.toPrecision(3).replace(/\.?0+$/, '');
}

/**
 * Maps robust sigmas to a strength in [0, 1]: k sigmas -> ~0.33, 2k -> ~0.55, 4k -> ~0.8.
 * Monotone, saturating, so one huge deviation cannot dominate a sum of several.
 */
export function sigmaStrength(sigmas: number, k: number): number {
  return 1 - Math.exp(-Math.max(0, sigmas) / (2.5 * k));
}

function splitBaseline(
  s: SeriesInput,
  lo: number,
  hi: number,
): { baseline: number[]; count: number } {
  const baseline: number[] = [];
  for (let i = 0; i < s.tsMs.length; i++) {
    const t = s.tsMs[i];
    if (t >= lo && t < hi && Number.isFinite(s.values[i]))
      baseline.push(s.values[i]);
  }
  return { baseline, count: baseline.length };
}

/** One abnormal run of a z-scored series. */
interface Run {
  onset: number;
  end: number;
  peak: number;
  /** Largest deviation held over two consecutive points (robust sigmas). */
  sustained: number;
  sign: number;
}

/**
 * The first abnormal run starting at or after `from`: a point beyond k robust sigmas confirmed by
 * the next points, walked back to where the excursion began and forward while it lasts (beyond
 * k/2, bridging single-point gaps).
 */
function findRun(z: number[], from: number, k: number): Run | undefined {
  let onset = -1;
  for (let i = from; i < z.length && onset < 0; i++) {
    if (Math.abs(z[i]) < k) continue;
    const sign = Math.sign(z[i]);
    const w = Math.min(3, z.length - 1 - i);
    if (w === 0) {
      if (Math.abs(z[i]) >= 1.5 * k) onset = i;
      continue;
    }
    let stay = 0;
    for (let j = i + 1; j <= i + w; j++)
      if (Math.sign(z[j]) === sign && Math.abs(z[j]) >= k / 2) stay++;
    // Confirmed when most of the next points stay abnormal, or at least the next one does (a short
    // run is still an anomaly; the persistence factor makes it a weak one).
    const next = Math.sign(z[i + 1]) === sign && Math.abs(z[i + 1]) >= k / 2;
    if (stay >= Math.ceil((2 * w) / 3) || next) onset = i;
  }
  if (onset < 0) return undefined;
  const sign = Math.sign(z[onset]);
  // A ramp starts before it crosses k: walk back to where the excursion began (beyond k/2).
  while (onset > from && sign * z[onset - 1] >= k / 2) onset--;
  const abnormal = (j: number) =>
    Math.sign(z[j]) === sign && Math.abs(z[j]) >= k / 2;
  let end = onset;
  for (let j = onset + 1; j < z.length; j++) {
    if (abnormal(j)) end = j;
    else if (!(j + 1 < z.length && abnormal(j + 1))) break;
  }
  let sustained = 0;
  let peak = onset;
  for (let j = onset; j <= end; j++) {
    if (sign * z[j] > sign * z[peak]) peak = j;
    const next = j < end ? Math.abs(z[j + 1]) : Math.abs(z[j]) * 0.7;
    sustained = Math.max(sustained, Math.min(Math.abs(z[j]), next));
  }
  return { onset, end, peak, sustained, sign };
}

/** The baseline `scoreSeries` measures a series against, and where its incident window starts. */
export interface SeriesBaseline {
  /** Baseline values (finite), in time order. */
  values: number[];
  /** Start of the incident window the series is scored over. */
  fromMs: number;
  /** Fewer than `minBaselinePoints`: its own MAD is no reliable scale. */
  thin: boolean;
}

/**
 * Chooses the baseline of one series (see `ScoreSeriesOptions`): the points before the window;
 * without enough of them, the points before the fallback split; for a thin series of a few coarse
 * points, its first half, cut at the first point at or after `thinSplitMaxMs` (the alert) when
 * that comes first: the alert asserts its symptom by then, so no point from then on is normal.
 * Undefined when not even MIN_THIN_BASELINE points remain.
 */
export function seriesBaseline(
  s: SeriesInput,
  options: ScoreSeriesOptions,
): SeriesBaseline | undefined {
  const minBase = options.minBaselinePoints ?? 6;
  let fromMs = options.fromMs;
  let { baseline } = splitBaseline(
    s,
    options.baselineFromMs ?? -Infinity,
    fromMs,
  );
  if (baseline.length < minBase && options.fallbackSplitMs !== undefined) {
    fromMs = options.fallbackSplitMs;
    baseline = splitBaseline(s, -Infinity, fromMs).baseline;
    if (baseline.length < minBase) {
      // A thin series (a few coarse points): its first half, ending by `thinSplitMaxMs`.
      const maxMs = options.thinSplitMaxMs ?? fromMs;
      const n = s.tsMs.length;
      let split = n >> 1;
      while (split > 0 && s.tsMs[split - 1] >= maxMs) split--;
      if (split < MIN_THIN_BASELINE || split >= n) return undefined;
      fromMs = s.tsMs[split];
      baseline = splitBaseline(s, -Infinity, fromMs).baseline;
      if (baseline.length < MIN_THIN_BASELINE) return undefined;
    }
  }
  if (baseline.length < Math.min(minBase, MIN_THIN_BASELINE)) return undefined;
  if (baseline.length < minBase && fromMs === options.fromMs) return undefined;
  return { values: baseline, fromMs, thin: baseline.length < minBase };
}

/** Fewest comparable series a pooled relative scale is estimated from. */
const MIN_POOLED_SERIES = 3;

/**
 * Relative noise of comparable series (the same metric on several entities), for scoring thin
 * baselines: per series, the absolute differences of consecutive baseline points relative to the
 * series' level; pooled over all series, their median times 1/(0.6745 * sqrt 2) estimates the
 * standard deviation of independent noise relative to the level (the difference of two such
 * points has sqrt 2 times their sigma, and a normal's median absolute value is 0.6745 sigma).
 * Consecutive differences, not deviations from each series' median: with two or three points one
 * deviation is 0 by construction. Undefined with fewer than MIN_POOLED_SERIES usable series: a
 * fleet estimate needs a fleet.
 */
export function pooledRelativeScale(
  baselines: ReadonlyArray<ReadonlyArray<number>>,
): number | undefined {
  const rel: number[] = [];
  let used = 0;
  for (const b of baselines) {
    if (b.length < 2) continue;
    const level = Math.abs(median(b));
    if (!(level > 1e-9)) continue;
    used++;
    for (let i = 1; i < b.length; i++)
      rel.push(Math.abs(b[i] - b[i - 1]) / level);
  }
  if (used < MIN_POOLED_SERIES) return undefined;
  return median(rel) / (0.6745 * Math.SQRT2);
}

/** Normal points after an excursion that show it is over (one could be a lull in an ongoing fault). */
const MIN_RECOVERY_POINTS = 2;

/**
 * Scores one series. Returns undefined when the series has too little baseline or never leaves
 * its band in the incident window. The returned score is already weighted by how the deviation
 * reads (`readSymptom`): a latency rise counts fully, a traffic drop only a little.
 */
export function scoreSeries(
  s: SeriesInput,
  options: ScoreSeriesOptions,
): SeriesAnomaly | undefined {
  const k = options.k ?? 4;
  const kind: SeriesKind = s.kind ?? 'metric';
  const chosen = seriesBaseline(s, options);
  if (!chosen) return undefined;
  const { values: baseline, fromMs, thin } = chosen;

  const m = median(baseline);
  let meanAbs = 0;
  for (const v of baseline) meanAbs += Math.abs(v - m);
  meanAbs /= baseline.length;
  let sd = Math.max(MAD_SCALE * mad(baseline, m), 1.2533 * meanAbs * 0.5);
  if (isCount(kind)) sd = Math.max(sd, Math.sqrt(Math.max(m, 1)));
  else sd = Math.max(sd, 0.001 * Math.abs(m));
  if (thin && options.relativeScale !== undefined)
    sd = Math.max(sd, options.relativeScale * Math.abs(m));

  // Fast path: most series never leave their band; skip them before building anything.
  if (sd > 0) {
    let maxDev = 0;
    for (let i = 0; i < s.tsMs.length; i++) {
      const t = s.tsMs[i];
      if (t >= fromMs && t <= options.toMs) {
        const dev = Math.abs(s.values[i] - m);
        if (dev > maxDev) maxDev = dev;
      }
    }
    if (!(maxDev >= k * sd)) return undefined;
  }
  const ts: number[] = [];
  const vs: number[] = [];
  for (let i = 0; i < s.tsMs.length; i++) {
    const t = s.tsMs[i];
    if (t >= fromMs && t <= options.toMs && Number.isFinite(s.values[i])) {
      ts.push(t);
      vs.push(s.values[i]);
    }
  }
  if (!ts.length) return undefined;
  if (sd === 0) {
    // A constant baseline: scale by the largest deviation seen, so any departure reads ~10 sigmas.
    let dev = 0;
    for (const v of vs) dev = Math.max(dev, Math.abs(v - m));
    if (dev === 0) return undefined;
    sd = dev / 10;
  }
  const z = vs.map(v => (v - m) / sd);

  const stepMs =
    ts.length > 1 ? (ts[ts.length - 1] - ts[0]) / (ts.length - 1) : MINUTE;
  // Every abnormal run; the strongest is reported (preferring runs still going on by
  // `preferEndAfterMs`), so an early mild wobble does not hide the main excursion.
  let best: Run | undefined;
  let bestRank = -1;
  for (let i = 0; i < z.length; ) {
    const run = findRun(z, i, k);
    if (!run) break;
    const runMs = ts[run.end] - ts[run.onset] + stepMs;
    const persistence = Math.min(1, 0.4 + (0.6 * runMs) / (5 * MINUTE));
    const late =
      options.preferEndAfterMs === undefined ||
      ts[run.end] >= options.preferEndAfterMs;
    const rank =
      sigmaStrength(Math.min(100, run.sustained), k) *
      persistence *
      readSymptom(kind, s.metric, run.sign > 0 ? 'up' : 'down').weight *
      (late ? 1 : 0.25);
    if (rank > bestRank) {
      bestRank = rank;
      best = run;
    }
    i = run.end + 1;
  }
  if (!best) return undefined;
  const { onset, end, peak, sustained, sign } = best;
  // The main excursion: back from the peak while beyond a third of its deviation (an earlier,
  // milder wobble that merged into the run does not date the main symptom).
  let mainOnset = peak;
  const mainCut = Math.max(k, Math.abs(z[peak]) / 3);
  while (mainOnset > onset && sign * z[mainOnset - 1] >= mainCut) mainOnset--;
  const runLength = end - onset + 1;
  const sigmas = Math.min(100, sustained);
  // Persistence in time, not points: 5 minutes abnormal counts fully, whatever the step.
  const runMs = ts[end] - ts[onset] + stepMs;
  const persistence = Math.min(1, 0.4 + (0.6 * runMs) / (5 * MINUTE));
  const direction = sign > 0 ? 'up' : 'down';
  const reading = readSymptom(kind, s.metric, direction);
  const peakValue = vs[peak];
  const relativeChange =
    Math.abs(m) > 1e-9 ? (peakValue - m) / Math.abs(m) : undefined;
  // Traffic drifts with the time of day: a load change counts by its size, not only its sigmas.
  const effect =
    reading.symptom === 'load' && relativeChange !== undefined
      ? Math.min(1, Math.abs(relativeChange) / 0.5)
      : 1;
  const score =
    sigmaStrength(sigmas, k) * persistence * reading.weight * effect;
  if (score <= 0) return undefined;

  // Recovered: back within the band (as the run's end is judged) at every later point, for at
  // least as long as the excursion lasted (a dip back of a point or two inside an ongoing fault is
  // not a recovery) and for at least MIN_RECOVERY_POINTS points.
  let recovered = false;
  const after = z.length - 1 - end;
  if (after >= MIN_RECOVERY_POINTS && ts[z.length - 1] - ts[end] >= runMs) {
    recovered = true;
    for (let j = end + 1; j < z.length && recovered; j++)
      if (Math.abs(z[j]) >= k / 2) recovered = false;
  }
  const tail = ts.slice(onset);
  const minutes = tail.map(t => (t - ts[onset]) / MINUTE);
  const label =
    kind === 'template'
      ? `log template "${(s.template ?? s.metric).slice(0, 120)}" count`
      : LABELS[kind] ?? s.metric;
  return {
    id: `ev:series:${s.entityRef}:${kind}:${s.metric}`,
    entityRef: s.entityRef,
    seriesKey: `${kind}:${s.entityRef}:${s.metric}`,
    kind,
    metric: s.metric,
    template: s.template,
    onsetMs: ts[onset],
    mainOnsetMs: ts[mainOnset],
    peakMs: ts[peak],
    endMs: ts[end],
    score,
    robustSigmas: sigmas,
    direction,
    baseline: m,
    peakValue,
    relativeChange:
      Math.abs(m) > 1e-9 ? (peakValue - m) / Math.abs(m) : undefined,
    slopePerMin: slope(minutes, vs.slice(onset)),
    symptom: reading.symptom,
    ...(recovered ? { recovered } : {}),
    summary: `${label} ${direction} to ${fmt(peakValue)} vs baseline ${fmt(
      m,
    )} (${sigmas.toFixed(
      1,
    )} robust sigmas, ${runLength} abnormal points) from ${new Date(
      ts[onset],
    ).toISOString()}`,
  };
}
