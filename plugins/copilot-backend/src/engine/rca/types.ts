// Input and output types of the root-cause analysis.
import type {
  Anomaly,
  RootCauseKind,
} from '@devops-copilot/backstage-plugin-copilot-common';
import type {
  ChangeEventInput,
  PastIncident,
  SeriesInput,
  Topology,
} from '../correlate/types';

/** Root-cause kinds (the incident case format's `truth.kind`), shared with the API's hypotheses. */
export type { RootCauseKind };

/** Kinds of evidence row. */
export type EvidenceKind =
  | 'metric_window'
  | 'log_template'
  | 'change'
  | 'topology';

/** One evidence row a hypothesis can cite. */
export interface Evidence {
  /** Stable within one analysis (derived from the series, change or entity it is about). */
  id: string;
  kind: EvidenceKind;
  entityRef?: string;
  summary: string;
  /** The time span the row is about (a change is a zero-length window). */
  window?: { fromMs: number; toMs: number };
  /** Strength in [0, 1]: anomaly strength, change likelihood, or share of anomalies explained. */
  score: number;
}

/** A ranked root-cause hypothesis. */
export interface Hypothesis {
  /** 1-based rank. */
  rank: number;
  /** One human sentence: the entity, the kind and the key evidence. */
  statement: string;
  kind: RootCauseKind;
  /** The root-cause entity; absent for `none`. */
  entityRef?: string;
  /** Evidence ids supporting it: never empty. */
  supportingEvidenceIds: string[];
  /** Evidence ids against it (or for a competing explanation that was weighed and discounted). */
  counterEvidenceIds: string[];
  /** Calibrated probability in [0, 1] (see `calibrate.ts`). */
  confidence: number;
  /** The raw ranking score the confidence came from. */
  score: number;
}

/** SLO status of an entity (optional input of the blast radius). */
export interface SloStatus {
  entityRef: string;
  name: string;
  /** Target, e.g. 0.999. */
  objective?: number;
  /** Remaining error budget as a share in [0, 1] (negative when overspent). */
  errorBudgetRemaining: number;
}

/** An entity impacted by the root cause. */
export interface ImpactedEntity {
  entityRef: string;
  /** Hops from the root cause (1 = calls it directly). */
  depth: number;
  /** Whether it showed anomalies in the window. */
  anomalous: boolean;
  owner?: string;
  /** Observed calls per minute from it to the root cause, when it calls it directly and traffic says. */
  callsPerMinute?: number;
}

/** Who and what is hit when the root cause is what the top hypothesis says. */
export interface BlastRadius {
  rootEntityRef: string;
  /** Everything depending on the root, transitively, each once with its shortest depth. */
  impacted: ImpactedEntity[];
  /** Owner groups of the root and the impacted entities: whom to page. */
  owners: string[];
  /** SLOs of the root and impacted entities, least remaining budget first. */
  slosAtRisk: SloStatus[];
  risk: { level: 'low' | 'medium' | 'high'; score: number; reason: string };
}

/** Tuning knobs of `analyze` (all optional; defaults documented on each). */
export interface AnalyzeOptions {
  /** Robust sigmas for a series point to start an anomaly. Default 4. */
  k: number;
  /** Hypotheses returned at most (besides an abstention). Default 5. */
  maxHypotheses: number;
  /** Softmax temperature of the calibration. Default 1. */
  temperature: number;
  /**
   * Abstain when the top confidence is below this and the explicit "unexplained" alternative is
   * more likely than the top candidate. Default 0.3.
   */
  minConfidence: number;
  /** How far before the window changes are considered. Default 3 h. */
  changeLookbackMs: number;
  /** With no history before the window, the baseline ends this long before the alert. Default 20 min. */
  fallbackLeadMs: number;
  /**
   * With an alert: anomalies over more than this before it, or starting more than this after it,
   * are not part of the incident. Default 15 min.
   */
  relevanceMs: number;
  /**
   * Score offsets by catalog `spec.type`. Default `{ external: -1 }`: an external endpoint is
   * observed only from its callers (its metrics are their view of the call), so its symptoms more
   * often belong to what it fronts; a strong fault there still wins when nothing else explains it.
   */
  typePriors: Record<string, number>;
}

/** What `analyze` works from: series alone, detector anomalies alone, or both. */
export interface AnalyzeInput {
  /** The incident window: onsets are searched in it. */
  window: { fromMs: number; toMs: number };
  /** Baseline start for raw series (points in [baselineFromMs, window.fromMs)). Default: all before. */
  baselineFromMs?: number;
  /** The alert that opened the incident: its entity anchors the search. */
  alert?: {
    entityRef: string;
    atMs: number;
    /** The alert's title ("checkout: 5xx rate above 2%"): the symptom it names guides the search. */
    title?: string;
  };
  topology: Topology;
  /** Detector anomaly windows. */
  anomalies?: ReadonlyArray<Anomaly>;
  /** Raw per-minute (or coarser) series per entity, with baseline before the window. */
  series?: ReadonlyArray<SeriesInput>;
  changes?: ReadonlyArray<ChangeEventInput>;
  /** Past incidents with confirmed root causes (history prior of change impact). */
  history?: ReadonlyArray<PastIncident>;
  slos?: ReadonlyArray<SloStatus>;
  options?: Partial<AnalyzeOptions>;
}

/** The result of `analyze`. */
export interface AnalyzeResult {
  /** Ranked; when `abstained`, the first is a `none` hypothesis stating why. */
  hypotheses: Hypothesis[];
  abstained: boolean;
  /** Why it abstained, when it did. */
  abstainReason?: string;
  /** Calibrated share of "none of the candidates explains it". */
  unexplained: number;
  /** Blast radius of the best real candidate (absent when there is none). */
  blastRadius?: BlastRadius;
  /** Every evidence row the hypotheses cite (plus the strongest anomalies). */
  evidence: Evidence[];
}
