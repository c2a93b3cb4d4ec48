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
