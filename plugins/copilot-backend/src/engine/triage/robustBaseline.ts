// Robust baseline test of the latest minutes of a series: median and MAD (scaled by 1.4826 to estimate
// sigma) of a trailing window, with a scale floor so a perfectly flat history cannot make noise look huge.
import type { MinutePoint } from './errorRate';
import { MINUTE_MS } from './errorRate';

export interface BaselineOptions {
  /** Minutes of history the baseline is computed over. */
  baselineMinutes: number;
  /** Minutes of history needed before the test may fire (cold start). */
  minHistoryMinutes: number;
  /** Robust sigmas above the median that count as anomalous. */
  sigmaThreshold: number;
  /** Absolute floor: the value must also reach this (e.g. 5% errors). */
  absoluteFloor: number;
  /** Smallest scale used, in the series' unit (protects flat baselines). */
  minScale: number;
  /** Latest complete minutes examined. */
  recentMinutes: number;
  /**
   * Observations the current, still open minute needs before it is examined too (so detection does
   * not wait for the minute to end); 0 examines complete minutes only.
   */
  minPartialObservations: number;
}

export const DEFAULT_BASELINE_OPTIONS: BaselineOptions = {
  baselineMinutes: 30,
  minHistoryMinutes: 5,
  sigmaThreshold: 6,
  absoluteFloor: 0.05,
  minScale: 0.005,
  recentMinutes: 3,
  minPartialObservations: 3,
};

export type BaselineVerdict =
  | { state: 'cold'; historyMinutes: number; neededMinutes: number }
  | {
      state: 'normal';
      value: number;
      median: number;
      scale: number;
      sigmas: number;
    }
  | {
      state: 'anomalous';
      value: number;
      peak: number;
      median: number;
      scale: number;
      sigmas: number;
      onsetMs: number;
    };

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Tests the latest minutes of a series (complete ones, and the current one once it has enough observations) against the robust baseline of the
 * minutes before them. The onset is the first minute of the trailing run of anomalous minutes.
 */
export function testLatest(
  points: MinutePoint[],
  nowMs: number,
  options: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
): BaselineVerdict {
  const currentMinute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const complete = points.filter(
    p =>
      Number.isFinite(p.value) &&
      (p.minuteMs < currentMinute ||
        (p.minuteMs === currentMinute &&
          options.minPartialObservations > 0 &&
          (p.n ?? 0) >= options.minPartialObservations)),
  );
  if (complete.length === 0) {
    return {
      state: 'cold',
      historyMinutes: 0,
      neededMinutes: options.minHistoryMinutes,
    };
  }
  const recentFrom = currentMinute - options.recentMinutes * MINUTE_MS;
  const recent = complete.filter(p => p.minuteMs >= recentFrom);
  // The baseline excludes the recent minutes and any trailing run that is already anomalous,
  // so a long incident does not become its own baseline.
  const history = complete.filter(
    p =>
      p.minuteMs < recentFrom &&
      p.minuteMs >= recentFrom - options.baselineMinutes * MINUTE_MS,
  );
  if (history.length < options.minHistoryMinutes || recent.length === 0) {
    return {
      state: 'cold',
      historyMinutes: history.length,
      neededMinutes: options.minHistoryMinutes,
    };
  }
  const values = history.map(p => p.value);
  const med = median(values);
  const mad = median(values.map(v => Math.abs(v - med)));
  const scale = Math.max(1.4826 * mad, options.minScale, Math.abs(med) * 0.1);
  const isAnomalous = (v: number) =>
    v >= options.absoluteFloor && (v - med) / scale >= options.sigmaThreshold;

  const last = recent[recent.length - 1];
  const lastSigmas = (last.value - med) / scale;
  if (!isAnomalous(last.value)) {
    return {
      state: 'normal',
      value: last.value,
      median: med,
      scale,
      sigmas: lastSigmas,
    };
  }
  // Walk back over the trailing anomalous run (through the history too) to find the onset.
  const all = complete;
  let onsetMs = last.minuteMs;
  let peak = last.value;
  for (let i = all.length - 1; i >= 0; i--) {
    if (!isAnomalous(all[i].value)) break;
    onsetMs = all[i].minuteMs;
    peak = Math.max(peak, all[i].value);
  }
  return {
    state: 'anomalous',
    value: last.value,
    peak,
    median: med,
    scale,
    sigmas: lastSigmas,
    onsetMs,
  };
}
