// How a series' deviation reads: a failure symptom (propagates to callers) or a load change
// (propagates to callees), and how much it counts.
import type { SeriesKind, SymptomClass } from './types';

/** Request-volume metrics: up is load, down is (weakly) a failure. */
export const VOLUME_METRIC =
  /(requests?(_total)?$|^http_requests|rps|qps|throughput|traffic|invocations|request_count|requests_per)/i;
/** Metrics where down is bad (availability, success ratios). */
export const GOOD_UP_METRIC =
  /(availability|success|uptime|apdex|hit_ratio|hit_rate)/i;

/** The reading of one deviation: class and weight in [0, 1] applied to its score. */
export interface SymptomReading {
  symptom: SymptomClass;
  weight: number;
}

/**
 * Classifies a deviation. Weights damp deviations that are usually consequences, not causes:
 * less traffic, lower latency, fewer log lines, a template going quiet.
 */
export function readSymptom(
  kind: SeriesKind | 'novel-template',
  metric: string,
  direction: 'up' | 'down' | 'none',
): SymptomReading {
  if (kind === 'log-errors' || kind === 'template' || kind === 'novel-template')
    return { symptom: 'failure', weight: direction === 'down' ? 0.1 : 1 };
  if (kind === 'log-volume')
    return { symptom: 'failure', weight: direction === 'down' ? 0.3 : 0.5 };
  if (VOLUME_METRIC.test(metric))
    return direction === 'down'
      ? { symptom: 'failure', weight: 0.3 }
      : { symptom: 'load', weight: 1 };
  if (GOOD_UP_METRIC.test(metric))
    return { symptom: 'failure', weight: direction === 'up' ? 0.1 : 1 };
  return { symptom: 'failure', weight: direction === 'down' ? 0.3 : 1 };
}
