/*
 * Entry point of `yarn eval:anomaly` (NAB): the default ensemble streamed over one series.
 */
import { createSeriesDetector } from './ensemble';

/**
 * Runs the default `createSeriesDetector()` over the series, one point at a time (causal), and returns
 * the per-point score in [0, 1].
 */
export function scoreSeries(values: number[], timestampsMs: number[]): number[] {
  const detector = createSeriesDetector();
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = detector.update({ ts: timestampsMs[i], value: values[i] }).score;
  }
  return out;
}
