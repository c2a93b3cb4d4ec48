/*
 * Anomaly likelihood (as in Numenta's HTM post-processing): the tail probability of the short-term mean
 * of raw anomaly scores against the long-term distribution of that mean. A series whose raw scores are
 * routinely high (noisy) does not alert on them; a sustained rise above its usual level does. Useful in
 * production too: it turns per-series raw scores into comparable probabilities.
 */
import { normalLogSurprise } from './stats';

/** Likelihood state: the recent raw scores and the exponentially weighted moments of their mean. */
export interface LikelihoodState {
  recent: number[];
  recentSum: number;
  mean: number;
  variance: number;
  count: number;
}

/** Likelihood parameters. */
export interface LikelihoodOptions {
  /** Raw scores averaged in the short-term mean. */
  shortWindow: number;
  /** Half-life (points) of the long-term moments. */
  longHalfLife: number;
  /** Floor of the long-term standard deviation. */
  minStd: number;
}

/** An empty likelihood tracker. */
export function createLikelihood(): LikelihoodState {
  return { recent: [], recentSum: 0, mean: 0, variance: 0, count: 0 };
}

/**
 * Feeds a raw score in [0, 1] and returns the surprise (-ln tail probability) of the new short-term mean
 * under the long-term distribution (computed before the long-term moments absorb it).
 */
export function stepLikelihood(
  s: LikelihoodState,
  raw: number,
  opts: LikelihoodOptions,
): number {
  s.recent.push(raw);
  s.recentSum += raw;
  if (s.recent.length > opts.shortWindow) s.recentSum -= s.recent.shift() ?? 0;
  const m = s.recentSum / s.recent.length;
  let surprise = 0;
  if (s.count >= opts.shortWindow) {
    const sd = Math.max(Math.sqrt(s.variance), opts.minStd);
    surprise = normalLogSurprise((m - s.mean) / sd);
  }
  s.count++;
  const a = Math.max(1 - Math.pow(0.5, 1 / opts.longHalfLife), 1 / s.count);
  const d = m - s.mean;
  s.mean += a * d;
  s.variance = (1 - a) * (s.variance + a * d * d);
  return surprise;
}
