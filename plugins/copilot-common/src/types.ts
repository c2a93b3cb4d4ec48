/**
 * Kinds of signal accepted by the ingest API.
 * @public
 */
export type SignalKind = 'log' | 'metric' | 'event' | 'deploy';

/**
 * One signal, exactly as posted to `POST /signals/ingest` (and as found in an incident case's
 * `signals.ndjson`).
 * @public
 */
export interface SignalInput {
  /** Where the signal came from: `prometheus`, `otel`, `simulator`, ... */
  source: string;
  kind: SignalKind;
  /** ISO-8601 timestamp, or epoch milliseconds. */
  ts: string | number;
  /** Metric name for metrics; `deploy`, `config_change`, `flag_change`, ... for events. */
  key?: string;
  value?: number;
  /** Log line for logs; a human summary for events. */
  text?: string;
  /** `service` (or `entity`, a full entity ref) names the emitting catalog entity. */
  labels?: Record<string, string>;
}

/**
 * One rejected item of an ingest batch.
 * @public
 */
export interface IngestItemError {
  index: number;
  field: string;
  reason: string;
}

/**
 * The answer of `POST /signals/ingest`.
 * @public
 */
export interface IngestResult {
  accepted: number;
  rejected: number;
  /** Signals accepted but not attributed to a catalog entity (kept, never dropped). */
  unresolved: number;
  errors: IngestItemError[];
  /** Incidents the ingest opened or updated (Alertmanager webhooks, detectors). */
  incidents?: string[];
}

/** @public */
export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

/** @public */
export type IncidentSeverity = 'critical' | 'high' | 'medium' | 'low';

/**
 * An incident: opened by hand, by an alert webhook, or by the copilot's own detectors.
 * @public
 */
export interface Incident {
  id: string;
  title: string;
  /** The catalog entity the incident was opened on (where the symptom shows). */
  entityRef: string;
  status: IncidentStatus;
  severity: IncidentSeverity;
  /** `manual`, `detector`, `alertmanager`, ... */
  source: string;
  /** Deduplication key: an open incident with the same fingerprint is updated, not duplicated. */
  fingerprint?: string;
  summary?: string;
  /** Entity refs affected beside `entityRef` (upstream services showing the symptom). */
  affectedEntityRefs: string[];
  labels: Record<string, string>;
  openedAt: string;
  updatedAt: string;
  resolvedAt?: string;
  /** User or service that opened it. */
  createdBy?: string;
  /** The latest root-cause analysis (on `GET /incidents/:id`, once analysed). */
  analysis?: IncidentAnalysis;
}

/**
 * Body of `POST /incidents`.
 * @public
 */
export interface CreateIncidentRequest {
  title: string;
  entityRef: string;
  severity?: IncidentSeverity;
  summary?: string;
  fingerprint?: string;
  labels?: Record<string, string>;
  /** When the symptom started; defaults to now. */
  openedAt?: string;
}

/**
 * A page of a list endpoint.
 * @public
 */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * An RFC 9457 problem document, as every error of the API is returned.
 * @public
 */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Per-item errors, for batch endpoints. */
  errors?: IngestItemError[];
  requestId?: string;
}

/**
 * What kind of series an anomaly was found on.
 * @public
 */
export type AnomalyKind =
  | 'metric'
  | 'log-volume'
  | 'log-errors'
  | 'template'
  | 'novel-template';

/**
 * One detector's contribution to an anomaly.
 * @public
 */
export interface AnomalyDetectorFinding {
  /** `seasonal-mad`, `gesd`, `kde-tail`, `cusum`, `bocpd`, `slope`, `novel-template`, `error-burst`. */
  detector: string;
  /** In [0, 1]. */
  score: number;
  detail: string;
}

/**
 * An anomaly window found by the detect stage: an evidence candidate for correlation and root cause.
 * @public
 */
export interface Anomaly {
  id: string;
  entityRef: string;
  /** The series it was found on, e.g. `metric:component:default/checkout:latency_ms:p95`. */
  seriesKey: string;
  kind: AnomalyKind;
  metric?: string;
  templateId?: string;
  /** `open` while the series is still abnormal; `closed` once it returned to its band. */
  status: 'open' | 'closed';
  windowFrom: string;
  windowTo: string;
  /** When the score peaked; `value`, `expected` and `band` are those of that point. */
  peakAt: string;
  /** Peak ensemble score in [0, 1]. */
  score: number;
  direction: 'up' | 'down' | 'none';
  value?: number;
  expected?: number;
  band?: [number, number];
  robustSigmas?: number;
  detectors: AnomalyDetectorFinding[];
  /** Seasonal periods the baseline used, e.g. `[{ label: 'daily', periodMs: 86400000, strength: 0.8 }]`. */
  seasonality: Array<{ label: string; periodMs: number; strength: number }>;
  /** The evidence text: "p95 latency 840 ms vs expected 120-180 ms, 6.2 robust sigmas, daily seasonality". */
  summary: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Detection coverage of an entity (or of everything): how many series are watched and how many are
 * still in cold start (no alerts until they have enough history).
 * @public
 */
export interface DetectionStatus {
  series: number;
  warm: number;
  cold: number;
  /** Most points any cold series still needs before it can alert (minutes of data). */
  maxWarmupRemaining: number;
  /** The newest minute the detectors have decided on, if any. */
  lastMinute?: string;
}

/**
 * A long operation (an analysis, an export, ...): created at once, progress streamed over SSE at
 * `/tasks/:id/stream`, result stored.
 * @public
 */
export interface Task<R = unknown> {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  /** In [0, 1]. */
  progress: number;
  message?: string;
  /** What the task works on, e.g. `{ incidentId }`. */
  input?: Record<string, unknown>;
  result?: R;
  error?: string;
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Root-cause kinds of a hypothesis (`none`: nothing explains the incident well).
 * @public
 */
export type RootCauseKind =
  | 'bad_deploy'
  | 'config_change'
  | 'flag_flip'
  | 'dependency_failure'
  | 'resource_saturation'
  | 'memory_leak'
  | 'traffic_surge'
  | 'slow_query'
  | 'network'
  | 'none';

/**
 * One evidence row of an incident: an anomalous metric window, a log template, a change, a topology fact.
 * @public
 */
export interface IncidentEvidence {
  id: string;
  incidentId: string;
  kind: string;
  entityRef?: string;
  summary: string;
  windowFrom?: string;
  windowTo?: string;
  /** Strength in [0, 1]. */
  score?: number;
  data: Record<string, unknown>;
  createdAt: string;
}

/**
 * A ranked root-cause hypothesis: it always cites at least one evidence row.
 * @public
 */
export interface IncidentHypothesis {
  id: string;
  rank: number;
  kind: RootCauseKind;
  entityRef?: string;
  statement: string;
  /** Calibrated probability in [0, 1]. */
  confidence: number;
  supportEvidenceIds: string[];
  counterEvidenceIds: string[];
  createdAt: string;
}

/**
 * Who and what the top root-cause candidate hits.
 * @public
 */
export interface BlastRadius {
  rootEntityRef: string;
  impacted: Array<{
    entityRef: string;
    depth: number;
    anomalous: boolean;
    owner?: string;
  }>;
  /** Owner groups to page. */
  owners: string[];
  slosAtRisk: Array<{
    entityRef: string;
    name: string;
    objective?: number;
    errorBudgetRemaining: number;
  }>;
  risk: { level: 'low' | 'medium' | 'high'; score: number; reason: string };
}

/**
 * The latest root-cause analysis of an incident.
 * @public
 */
export interface IncidentAnalysis {
  id: string;
  incidentId: string;
  taskId?: string;
  windowFrom: string;
  windowTo: string;
  /** True when nothing explains the incident well: the first hypothesis (kind `none`) says why. */
  abstained: boolean;
  abstainReason?: string;
  /** Calibrated share of "none of the candidates explains it". */
  unexplained: number;
  hypotheses: IncidentHypothesis[];
  blastRadius?: BlastRadius;
  durationMs: number;
  createdAt: string;
}
