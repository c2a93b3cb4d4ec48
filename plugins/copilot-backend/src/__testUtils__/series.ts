/*
 * Synthetic series for the detector tests (seeded, deterministic). Test-only helper.
 */
import { gaussian, mulberry32 } from '../engine/detect/stats';
import type { SeriesPoint } from '../engine/detect/types';

/** Minute, hour and day in ms. */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** `n` points every `stepMs` from a fixed epoch, value = f(i, ts) + sigma * N(0, 1) (seeded). */
export function synth(
  n: number,
  stepMs: number,
  f: (i: number, ts: number) => number,
  sigma = 1,
  seed = 7,
): SeriesPoint[] {
  const rand = mulberry32(seed);
  const t0 = Date.UTC(2024, 0, 1);
  const out: SeriesPoint[] = [];
  for (let i = 0; i < n; i++) {
    const ts = t0 + i * stepMs;
    out.push({ ts, value: f(i, ts) + sigma * gaussian(rand) });
  }
  return out;
}

/** Daily sinusoid by wall-clock phase. */
export function daily(ts: number, amplitude = 10, phaseMs = 0): number {
  return amplitude * Math.sin((2 * Math.PI * ((ts + phaseMs) % DAY)) / DAY);
}
