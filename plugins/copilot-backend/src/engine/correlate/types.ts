// Input and intermediate types of the correlate stage. Pure data: no Backstage, no stores.

/** Kinds of catalog entity the topology keeps. */
export type TopologyNodeKind =
  | 'Component'
  | 'API'
  | 'Resource'
  | 'System'
  | 'Group';

/** One catalog entity of the topology. Refs are full and lower-case (`component:default/checkout`). */
export interface TopologyNode {
  entityRef: string;
  kind: TopologyNodeKind;
  /** `spec.type`: `service`, `website`, `database`, ... */
  type?: string;
  /** Owning group ref (`group:default/team-checkout`). */
  owner?: string;
  /** System ref (`system:default/shop`). */
  system?: string;
  /** Display name (`metadata.title` or the name). */
  title?: string;
}

/** Typed relations kept by the topology. */
export type TopologyEdgeType =
  | 'dependsOn'
  | 'providesApi'
  | 'consumesApi'
  | 'partOf'
  | 'ownedBy';

/**
 * A directed relation `from -> to`: `from` dependsOn / providesApi / consumesApi / partOf / ownedBy `to`.
 * `callVolume` is an optional observed request rate along the edge (any unit, used as a weight).
 */
export interface TopologyEdge {
  from: string;
  to: string;
  type: TopologyEdgeType;
  callVolume?: number;
  /** Seen in traffic (service graph, mesh or client request counters) but not declared in the catalog. */
  observed?: boolean;
}

/** The catalog graph the root-cause engine walks. */
export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

/** What a raw series measures. */
export type SeriesKind = 'metric' | 'log-volume' | 'log-errors' | 'template';

/**
 * A raw per-minute (or per-5-minute) series of one entity, covering a baseline before the incident
 * window and the window itself. `tsMs` ascending, same length as `values`; NaN marks a gap.
 */
export interface SeriesInput {
  entityRef: string;
  /** Metric name (`latency_p95_ms`), `log_lines`, `log_errors`, or a template id. */
  metric: string;
  /** Defaults to `metric`. */
  kind?: SeriesKind;
  /** Log template text, for `template` series (used for signatures and summaries). */
  template?: string;
  tsMs: number[];
  values: number[];
}

/**
 * A change event (deploy, config change, flag change, ...). Structurally the same as the signal
 * store's `ChangeEvent`, so those can be passed as they are.
 */
export interface ChangeEventInput {
  id: string;
  entityRef?: string;
  /** `deploy`, `config_change`, `flag_change`, `rollback`, `commit`, ... */
  kind: string;
  tsMs: number;
  author?: string;
  version?: string;
  diffSummary?: string;
  link?: string;
}

/** A past incident with its confirmed root cause: the history prior of change-impact likelihood. */
export interface PastIncident {
  id?: string;
  /** Confirmed root-cause entity. */
  rootCauseEntityRef: string;
  /** Confirmed root-cause kind (`bad_deploy`, `config_change`, ...). */
  rootCauseKind: string;
  atMs?: number;
}

/** Whether a symptom is a failure (propagates to callers) or a load change (propagates to callees). */
export type SymptomClass = 'failure' | 'load';

/**
 * One anomalous series, from a raw series scored here or from a detector's anomaly window: the
 * unit the correlation works on.
 */
export interface SeriesAnomaly {
  /** Stable id, also the evidence id of this window. */
  id: string;
  entityRef: string;
  seriesKey: string;
  kind: SeriesKind | 'novel-template';
  metric: string;
  template?: string;
  /** First point beyond k robust sigmas that stays abnormal. */
  onsetMs: number;
  /**
   * Onset of the main excursion: walking back from the peak while the deviation stays beyond a
   * third of the peak's (and beyond k). Later than `onsetMs` when a milder wobble merged into the
   * run first. Absent for detector windows.
   */
  mainOnsetMs?: number;
  peakMs: number;
  /** End of the abnormal run (last abnormal point). */
  endMs: number;
  /** Anomaly strength in [0, 1]. */
  score: number;
  robustSigmas: number;
  direction: 'up' | 'down' | 'none';
  baseline?: number;
  peakValue?: number;
  /** (peak - baseline) / |baseline|, when the baseline is not ~0. */
  relativeChange?: number;
  /** Least-squares slope in the incident window, per minute (for leaks). */
  slopePerMin?: number;
  symptom: SymptomClass;
  /**
   * The excursion is over: every later point of the series is back within its band, for at least
   * as long as the excursion lasted and at least two points. Absent when the series was still
   * abnormal at its last point, or for detector windows (their series is not seen here).
   */
  recovered?: boolean;
  summary: string;
}

/** The per-entity view after alignment: earliest strong onset and combined strength. */
export interface EntityAnomaly {
  entityRef: string;
  /** Earliest onset among the entity's strong anomalies (or among all, when none is strong). */
  onsetMs: number;
  /** Combined failure-symptom strength in [0, 1]. */
  failure: number;
  /** Load-increase strength in [0, 1] (request volume up). */
  load: number;
  /** Earliest onset of a load symptom, if any. */
  loadOnsetMs?: number;
  /** max(failure, load). */
  strength: number;
  /** The entity's anomalies, strongest first. */
  anomalies: SeriesAnomaly[];
}
