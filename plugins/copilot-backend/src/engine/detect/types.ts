/*
 * The contract between the streaming anomaly detectors (engine/detect) and the detect stage
 * (pipeline/DetectStage) that feeds them rollups, persists their state and turns their decisions into
 * anomalies and evidence. Pure types: no I/O, no Backstage imports.
 */

/** One observation of a series. `value` may be NaN (a missing point); `ts` is epoch milliseconds. */
export interface SeriesPoint {
  ts: number;
  value: number;
}

/** Names of the individual detectors an ensemble decision can cite. */
export type DetectorName =
  | 'seasonal-mad'
  | 'gesd'
  | 'kde-tail'
  | 'cusum'
  | 'bocpd'
  | 'slope'
  | 'novel-template'
  | 'error-burst';

/** What one detector said about a point. */
export interface DetectorFinding {
  detector: DetectorName;
  /** In [0, 1]: this detector's own anomaly score for the point. */
  score: number;
  /** Short human detail, e.g. "level shift of +35% since 14:02" or "slope +2.1 MB/min for 6 h". */
  detail: string;
}

/** A seasonal period found in the data (never hand-set). */
export interface Seasonality {
  periodMs: number;
  /** 'daily', 'weekly', 'hourly' or a duration such as '6h'. */
  label: string;
  /** Strength in [0, 1] (autocorrelation at the period, or the share of variance it explains). */
  strength: number;
}

/** The ensemble's decision for one point. */
export interface Decision {
  ts: number;
  value: number;
  /** Ensemble anomaly score in [0, 1]; 0 during cold start and for missing points. */
  score: number;
  /** score >= the alert threshold, outside cold start, not suppressed as a repeat of an open anomaly. */
  anomalous: boolean;
  direction: 'up' | 'down' | 'none';
  /** The baseline's expected value for this point (seasonal level + trend). */
  expected: number;
  /** The expected band [low, high] (expected +- k robust scales). */
  band: [number, number];
  /** (value - expected) / robust scale, signed. */
  robustSigmas: number;
  seasonality: Seasonality[];
  /** Detectors whose own score passed their threshold for this point, strongest first. */
  fired: DetectorFinding[];
  /** True until enough history has been seen to alert; no alerts while cold. */
  cold: boolean;
  /** Points still needed before the series is warm (0 when warm). */
  warmupRemaining: number;
  /**
   * Optional breakdown of the evidence behind `score`, as surprises in nats (-ln tail probability) per
   * channel before episode suppression: point residual, change (step), level shift, likelihood of the
   * recent surprises, novel value (outside the historical range).
   */
  evidence?: {
    point: number;
    change: number;
    shift: number;
    likelihood: number;
    range: number;
    /** True when the score was damped as a repeat within an open episode. */
    suppressed: boolean;
  };
}

/** JSON-serialisable, bounded-size state of one series' detectors; `restore` resumes from it exactly. */
export interface SeriesDetectorState {
  version: number;
  [key: string]: unknown;
}

export interface SeriesDetector {
  /** Feeds the next point (ts non-decreasing; gaps and irregular spacing allowed) and decides on it. */
  update(point: SeriesPoint): Decision;
  /** The state to persist; `createSeriesDetector(options, snapshot)` continues as if never stopped. */
  snapshot(): SeriesDetectorState;
}
