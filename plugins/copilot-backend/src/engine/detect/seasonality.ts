/*
 * Seasonality from the data: a bounded, downsampled history of the series (bucket means by wall-clock
 * time, bucket width doubling as history grows) and period detection by autocorrelation over it. Also the
 * seasonal profile: phase bins by wall-clock phase (not by index) with linear interpolation between bins.
 */
import type { Seasonality } from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Bounded downsampled history: means of consecutive wall-clock buckets (`null` = no data). */
export interface HistoryState {
  /** Bucket width in ms (0 until the second point fixes the initial width). */
  widthMs: number;
  /** Bucket index (floor(ts / widthMs)) of `means[0]`. */
  startIdx: number;
  /** Closed bucket means, oldest first, rounded to 7 significant digits (keeps the JSON small). */
  means: (number | null)[];
  /** The open bucket (index, running sum, count). */
  openIdx: number;
  openSum: number;
  openCount: number;
  /** Buckets closed so far (monotonic; drives periodic re-checks). */
  closed: number;
  /** First point while the width is unknown. */
  firstTs: number | null;
  firstValue: number | null;
}

/** Options of the downsampled history. */
export interface HistoryOptions {
  /** Maximum closed buckets kept. */
  capacity: number;
  /** Width doubling stops once a bucket is at least this wide; older buckets are then dropped. */
  maxBucketMs: number;
}

/** An empty history. */
export function createHistory(): HistoryState {
  return {
    widthMs: 0,
    startIdx: 0,
    means: [],
    openIdx: 0,
    openSum: 0,
    openCount: 0,
    closed: 0,
    firstTs: null,
    firstValue: null,
  };
}

const round7 = (x: number) => Number(x.toPrecision(7));

function closeOpen(h: HistoryState, opts: HistoryOptions): void {
  if (h.openCount === 0) return;
  const mean = round7(h.openSum / h.openCount);
  if (h.means.length === 0) h.startIdx = h.openIdx;
  while (h.startIdx + h.means.length < h.openIdx) h.means.push(null);
  h.means.push(mean);
  h.closed++;
  h.openSum = 0;
  h.openCount = 0;
  while (h.means.length > opts.capacity) {
    if (h.widthMs < opts.maxBucketMs) {
      // Halve the resolution: bucket i of width 2w holds old buckets 2i and 2i+1.
      const merged: (number | null)[] = [];
      const newStart = Math.floor(h.startIdx / 2);
      for (let k = 0; k < h.means.length; k++) {
        const idx = h.startIdx + k;
        const j = Math.floor(idx / 2) - newStart;
        const v = h.means[k];
        if (merged.length <= j) merged.push(null);
        if (v !== null) {
          const prev = merged[j];
          merged[j] = prev === null ? v : round7((prev + v) / 2);
        }
      }
      h.means = merged;
      h.startIdx = newStart;
      h.widthMs *= 2;
      h.openIdx = Math.floor(h.openIdx / 2);
    } else {
      h.means.shift();
      h.startIdx++;
    }
  }
}

/** Adds one (non-NaN) observation to the history. */
export function pushHistory(
  h: HistoryState,
  ts: number,
  value: number,
  opts: HistoryOptions,
): void {
  if (h.widthMs === 0) {
    if (h.firstTs === null || h.firstValue === null) {
      h.firstTs = ts;
      h.firstValue = value;
      return;
    }
    if (ts <= h.firstTs) {
      h.firstValue = (h.firstValue + value) / 2;
      return;
    }
    h.widthMs = Math.max(1000, ts - h.firstTs);
    h.openIdx = Math.floor(h.firstTs / h.widthMs);
    h.openSum = h.firstValue;
    h.openCount = 1;
    h.firstTs = null;
    h.firstValue = null;
  }
  let idx = Math.floor(ts / h.widthMs);
  if (idx !== h.openIdx) {
    if (idx < h.openIdx) idx = h.openIdx; // out of order: fold into the open bucket
    else {
      closeOpen(h, opts);
      idx = Math.floor(ts / h.widthMs);
      h.openIdx = idx;
    }
  }
  h.openSum += value;
  h.openCount++;
}

/** Number of closed buckets holding data. */
export function historyFilled(h: HistoryState): number {
  let n = 0;
  for (const v of h.means) if (v !== null) n++;
  return n;
}

/** Options of period detection. */
export interface PeriodOptions {
  /** Minimum autocorrelation at the period. */
  minStrength: number;
  /** The autocorrelation must dip at least this much below the peak at a shorter lag. */
  minDip: number;
  /** Periods need this many full cycles in the history. */
  minCycles: number;
  /** Shortest period in sampling intervals. */
  minPeriodSamples: number;
  /** Ranking bonus of calendar periods (hour, day, week) over other peaks. */
  calendarBonus: number;
}

/** Human label of a period: hourly, daily, weekly or a duration. */
export function periodLabel(periodMs: number): string {
  const near = (p: number) => Math.abs(periodMs - p) <= 0.03 * p;
  if (near(HOUR)) return 'hourly';
  if (near(DAY)) return 'daily';
  if (near(WEEK)) return 'weekly';
  if (periodMs >= DAY) return `${Math.round((periodMs / DAY) * 10) / 10}d`;
  if (periodMs >= HOUR) return `${Math.round((periodMs / HOUR) * 10) / 10}h`;
  return `${Math.round(periodMs / 60_000)}m`;
}

/** Snaps a period to an hour, a day or a week when it is within one bucket (or 3%) of it. */
function snap(periodMs: number, widthMs: number): number {
  for (const p of [HOUR, DAY, WEEK]) {
    if (Math.abs(periodMs - p) <= Math.max(widthMs, 0.03 * p)) return p;
  }
  return periodMs;
}

/**
 * Seasonal periods found by autocorrelation of the (linearly detrended) bucket means, strongest first;
 * harmonics of a listed period are omitted. Empty when the history is too short or aperiodic.
 */
export function detectPeriods(
  h: HistoryState,
  sampleMs: number,
  opts: PeriodOptions,
): Seasonality[] {
  const n = h.means.length;
  if (n < 24 || h.widthMs === 0) return [];
  // Detrend by least squares over the present buckets.
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = h.means[i];
    if (v === null) continue;
    sx += i;
    sy += v;
    sxx += i * i;
    sxy += i * v;
    m++;
  }
  if (m < 24) return [];
  const den = m * sxx - sx * sx;
  const slope = den > 0 ? (m * sxy - sx * sy) / den : 0;
  const icpt = (sy - slope * sx) / m;
  const y = new Float64Array(n);
  const ok = new Uint8Array(n);
  let v2 = 0;
  for (let i = 0; i < n; i++) {
    const v = h.means[i];
    if (v === null) continue;
    y[i] = v - icpt - slope * i;
    ok[i] = 1;
    v2 += y[i] * y[i];
  }
  const variance = v2 / m;
  if (!(variance > 1e-12 * (1 + icpt * icpt))) return [];
  const minLag = Math.max(
    2,
    Math.ceil((opts.minPeriodSamples * sampleMs) / h.widthMs),
  );
  const maxLag = Math.floor(n / opts.minCycles);
  if (maxLag <= minLag + 1) return [];
  const acf = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i + lag < n; i++) {
      if (ok[i] && ok[i + lag]) {
        s += y[i] * y[i + lag];
        c++;
      }
    }
    acf[lag] = c > 8 ? s / (c * variance) : 0;
  }
  const peaks: { lag: number; r: number }[] = [];
  let minSoFar = 1;
  for (let lag = 1; lag <= maxLag; lag++) {
    const r = acf[lag];
    if (
      lag >= minLag &&
      r >= opts.minStrength &&
      r >= acf[lag - 1] &&
      r >= acf[lag + 1] &&
      minSoFar <= r - opts.minDip
    ) {
      peaks.push({ lag, r });
    }
    minSoFar = Math.min(minSoFar, r);
  }
  const out: Seasonality[] = [];
  const candidates = peaks.map(p => {
    // Parabolic refinement of the peak position.
    const a = acf[p.lag - 1];
    const b = acf[p.lag];
    const c = acf[p.lag + 1];
    const d = a - 2 * b + c;
    const off = d < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / d)) : 0;
    const periodMs = snap((p.lag + off) * h.widthMs, h.widthMs);
    // Calendar periods (hour, day, week) are a priori far more likely: they get a bonus in the ranking.
    const calendar = [HOUR, DAY, WEEK].includes(periodMs);
    return { ...p, periodMs, rank: p.r + (calendar ? opts.calendarBonus : 0) };
  });
  candidates.sort((u, v) => v.rank - u.rank || u.lag - v.lag);
  for (const cand of candidates) {
    const periodMs = cand.periodMs;
    const harmonic = out.some(o => {
      const ratio = periodMs / o.periodMs;
      const k = Math.round(ratio);
      return k >= 2 && Math.abs(ratio - k) < 0.05 * k;
    });
    const dup = out.some(
      o => Math.abs(o.periodMs - periodMs) < 0.05 * o.periodMs,
    );
    if (harmonic || dup) continue;
    out.push({
      periodMs,
      label: periodLabel(periodMs),
      strength: Math.round(Math.min(1, cand.r) * 1000) / 1000,
    });
    if (out.length >= 3) break;
  }
  return out;
}

/** A seasonal profile: `bins` offsets from the level over one period, indexed by wall-clock phase. */
export interface ProfileState {
  periodMs: number;
  bins: number[];
  /** Interpolate linearly between bin centres (bins coarser than the sampling) or use steps. */
  interpolate: boolean;
}

/** The two bins around `ts` and the weight of the first (linear interpolation between bin centres). */
export function profileIndex(
  p: ProfileState,
  ts: number,
): [number, number, number] {
  const nb = p.bins.length;
  const phase = (((ts % p.periodMs) + p.periodMs) % p.periodMs) / p.periodMs;
  if (!p.interpolate) {
    const b = Math.min(nb - 1, Math.floor(phase * nb));
    return [b, b, 1];
  }
  const pos = phase * nb - 0.5;
  const i0 = Math.floor(pos);
  const w1 = pos - i0;
  return [(i0 + nb) % nb, (i0 + 1) % nb, 1 - w1];
}

/** The profile's seasonal offset at `ts`. */
export function profileValue(p: ProfileState, ts: number): number {
  const [a, b, wa] = profileIndex(p, ts);
  return wa * p.bins[a] + (1 - wa) * p.bins[b];
}

/** Moves the profile towards `residual` (observed minus level minus current seasonal) at `ts`. */
export function updateProfile(
  p: ProfileState,
  ts: number,
  residual: number,
  gain: number,
): void {
  const [a, b, wa] = profileIndex(p, ts);
  if (a === b) {
    p.bins[a] += gain * residual;
    return;
  }
  p.bins[a] += gain * wa * residual;
  p.bins[b] += gain * (1 - wa) * residual;
}

/**
 * A profile for `periodMs` with `nb` bins initialised from the history (detrended bucket means averaged by
 * phase, empty bins interpolated, centred on zero).
 */
export function profileFromHistory(
  h: HistoryState,
  periodMs: number,
  nb: number,
  interpolate: boolean,
): ProfileState {
  const sums = new Float64Array(nb);
  const counts = new Float64Array(nb);
  // Remove a centred moving average of one period so the profile holds only the seasonal part.
  const perBuckets = Math.max(1, Math.round(periodMs / h.widthMs));
  const n = h.means.length;
  const prefix = new Float64Array(n + 1);
  const prefixCount = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = h.means[i];
    prefix[i + 1] = prefix[i] + (v ?? 0);
    prefixCount[i + 1] = prefixCount[i] + (v === null ? 0 : 1);
  }
  const half = Math.floor(perBuckets / 2);
  for (let i = 0; i < n; i++) {
    const v = h.means[i];
    if (v === null) continue;
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, lo + perBuckets);
    const c = prefixCount[hi] - prefixCount[lo];
    if (c === 0) continue;
    const trend = (prefix[hi] - prefix[lo]) / c;
    const ts = (h.startIdx + i + 0.5) * h.widthMs;
    const phase = (((ts % periodMs) + periodMs) % periodMs) / periodMs;
    const b = Math.min(nb - 1, Math.floor(phase * nb));
    sums[b] += v - trend;
    counts[b]++;
  }
  const bins = new Array<number>(nb).fill(0);
  const have: number[] = [];
  for (let b = 0; b < nb; b++) {
    if (counts[b] > 0) {
      bins[b] = sums[b] / counts[b];
      have.push(b);
    }
  }
  if (have.length === 0) return { periodMs, bins, interpolate };
  // Circular linear interpolation of empty bins.
  for (let b = 0; b < nb; b++) {
    if (counts[b] > 0) continue;
    let prev = -1;
    let next = -1;
    for (let k = 1; k <= nb; k++) {
      if (prev < 0 && counts[(b - k + nb) % nb] > 0) prev = k;
      if (next < 0 && counts[(b + k) % nb] > 0) next = k;
      if (prev >= 0 && next >= 0) break;
    }
    const pv = bins[(b - prev + nb) % nb];
    const nv = bins[(b + next) % nb];
    bins[b] = pv + ((nv - pv) * prev) / (prev + next);
  }
  const mean = bins.reduce((a, v) => a + v, 0) / nb;
  return { periodMs, bins: bins.map(v => v - mean), interpolate };
}
