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
  /**
   * Points of metrics labelled `temporality: cumulative` kept only as their series' baseline (a first
   * point, or one out of order): the next point's delta is stored. Not errors; absent when none.
   */
  withheld?: number;
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
  /** What the responders recorded when they resolved it (`PATCH /incidents/:id`). */
  resolution?: IncidentResolution;
}

/**
 * The responders' record of an incident: what fixed it and, when they confirmed one, its root cause.
 * Confirmed root causes feed later analyses (a change of the same kind on the same entity is a likelier
 * cause) and the incident's knowledge document.
 * @public
 */
export interface IncidentResolution {
  /** What was done and what was learned, in the responders' words. */
  summary?: string;
  /** The confirmed root cause. */
  rootCause?: {
    entityRef: string;
    kind: Exclude<RootCauseKind, 'none'>;
    /** The hypothesis of the analysis that was confirmed, when one was. */
    hypothesisId?: string;
  };
  /** Who recorded it. */
  by?: string;
  /** When it was recorded. */
  at: string;
}

/**
 * Body of `PATCH /incidents/:id`: a status change and/or the resolution. A `hypothesisId` confirms that
 * hypothesis of the incident's latest analysis as the root cause; `rootCause` names one directly.
 * @public
 */
export interface UpdateIncidentRequest {
  status?: IncidentStatus;
  resolution?: {
    summary?: string;
    hypothesisId?: string;
    rootCause?: { entityRef: string; kind: Exclude<RootCauseKind, 'none'> };
  };
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
  /** What a refused fix-plan request lacks (an approval, a passing preflight, entity metadata, ...). */
  missing?: string[];
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
 * The kinds of root cause a hypothesis can name (every root-cause kind but `none`).
 * @public
 */
export const CAUSE_KINDS = [
  'bad_deploy',
  'config_change',
  'flag_flip',
  'dependency_failure',
  'resource_saturation',
  'memory_leak',
  'traffic_surge',
  'slow_query',
  'network',
] as const;

/**
 * Root-cause kinds of a hypothesis, in order (`none`: nothing explains the incident well).
 * @public
 */
export const ROOT_CAUSE_KINDS = [...CAUSE_KINDS, 'none'] as const;

/**
 * Root-cause kinds of a hypothesis (`none`: nothing explains the incident well).
 * @public
 */
export type RootCauseKind = (typeof ROOT_CAUSE_KINDS)[number];

/**
 * The state of one SLO of an entity (`copilot.dev/slo`) at a moment: its SLI over the SLO window, the
 * error budget left and the burn rate of the last hour (`GET /slo?entity=`, blast radius of analyses,
 * preflight guardrails).
 * @public
 */
export interface SloReport {
  entityRef: string;
  /** The SLI name of the annotation: `availability`, `latency_p95_ms`, ... */
  name: string;
  /** `ratio`: share of good events; `threshold`: share of minutes meeting a threshold. */
  type: 'ratio' | 'threshold';
  objective: number;
  comparator?: '<' | '<=' | '>' | '>=';
  threshold?: number;
  /** The compliance window as written (`30d`) and the span it covered. */
  window: string;
  windowFrom: string;
  windowTo: string;
  /** What the SLI was computed from, e.g. `metric:availability`, `metric:http_5xx_rate x http_requests_total`, `logs`. */
  source?: string;
  /** Good and total events (ratio SLOs; minutes when read from a ratio metric) or minutes (threshold SLOs). */
  good?: number;
  total?: number;
  sli?: number;
  /** Minutes of the window that had data: fewer than the window holds on a new install or after gaps. */
  minutesWithData?: number;
  /** `1 - (1 - sli) / (1 - objective)`: 1 untouched, 0 spent, negative overspent. */
  errorBudgetRemaining?: number;
  /** Error rate of the last hour over the allowed one (1 = on pace to spend exactly the budget). */
  burnRate1h?: number;
  /** Why there is no SLI (no data under the names tried). */
  missing?: string;
}

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
    /** Observed calls per minute to the root cause (direct callers, from service-graph or mesh metrics). */
    callsPerMinute?: number;
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

/**
 * What a knowledge document is: uploaded kinds, plus `incident` for past incidents indexed as documents.
 * @public
 */
export type KnowledgeDocKind =
  | 'runbook'
  | 'postmortem'
  | 'adr'
  | 'other'
  | 'incident';

/** @public */
export type KnowledgeDocFormat = 'markdown' | 'text' | 'html' | 'pdf';

/**
 * A runbook, postmortem, ADR or past incident in the copilot's knowledge store.
 * @public
 */
export interface KnowledgeDoc {
  id: string;
  title: string;
  kind: KnowledgeDocKind;
  /** Identity of the document: re-uploading the same source replaces its chunks. */
  source: string;
  ownerEntityRef?: string;
  tags: string[];
  format: KnowledgeDocFormat;
  /** How it arrived: `upload`, `folder`, `catalog` (entity annotation) or `incident`. */
  origin: string;
  chunkCount: number;
  sizeBytes: number;
  contentHash: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Body of `POST /docs` as JSON (multipart uploads send the same fields plus a `file` part).
 * @public
 */
export interface UploadDocRequest {
  title?: string;
  source?: string;
  /** Owner entity ref, e.g. `group:default/team-payments`. */
  owner?: string;
  tags?: string[];
  kind: Exclude<KnowledgeDocKind, 'incident'>;
  format?: KnowledgeDocFormat;
  /** Text content (Markdown, text, HTML). */
  content?: string;
  /** Base64 content (any format; required for PDF). */
  contentBase64?: string;
  filename?: string;
}

/** @public */
export interface UploadDocResult {
  doc: KnowledgeDoc;
  chunks: number;
  /** True when an earlier version of the same document was replaced. */
  replaced: boolean;
}

/**
 * A stored chunk of a document (`GET /docs/:id?include=chunks`), anchored to its source lines.
 * @public
 */
export interface KnowledgeChunk {
  ordinal: number;
  text: string;
  headingPath: string[];
  lineStart: number;
  lineEnd: number;
  page?: number;
  kind: string;
}

/**
 * A retrieved passage with its source anchor (1-based inclusive lines; within the page for PDF).
 * @public
 */
export interface KnowledgeSnippet {
  docId: string;
  title: string;
  kind: KnowledgeDocKind;
  source: string;
  headingPath: string[];
  lineStart: number;
  lineEnd: number;
  page?: number;
  snippet: string;
  text: string;
  score: number;
}

/** @public */
export interface KnowledgeSearchResult {
  /** The query text used (expanded from the incident when `incident_id` was given). */
  query: string;
  incidentId?: string;
  confidence: { value: number; confident: boolean };
  items: KnowledgeSnippet[];
}

/** @public */
export interface KnowledgeCitation {
  docId: string;
  title?: string;
  lineStart: number;
  lineEnd: number;
  page?: number;
}

/**
 * A cited answer about an incident: every sentence carries citations that resolve to retrieved snippets,
 * or `supported: false` with no sentences ("no supported answer").
 * @public
 */
export interface IncidentAnswer {
  incidentId: string;
  question: string;
  supported: boolean;
  /** `llm` when the configured LLM's answer passed verification, else `extractive`. */
  writer: 'extractive' | 'llm';
  sentences: Array<{ text: string; citations: KnowledgeCitation[] }>;
  /** Why there is no supported answer, or why the LLM's answer was rejected. */
  reason?: string;
  snippets: KnowledgeSnippet[];
}

// ------------------------------------------------------------------ remediation (issue 7)

/** How a fix plan's change is expressed. @public */
export type FixPlanMode = 'k8s' | 'helm' | 'tf' | 'ansible' | 'sql';

/** Where an approved plan is carried out. @public */
export type FixRunner = 'dryrun' | 'gitops' | 'agent';

/** @public */
export type FixVerdict = 'pass' | 'warn' | 'block';

/** @public */
export type FixPlanStatus = 'draft' | 'preflighted' | 'approved' | 'executed';

/** @public */
export interface FixFinding {
  code: string;
  severity: 'info' | 'warn' | 'block';
  stage: 'syntax' | 'schema' | 'policy' | 'guardrail' | 'drift';
  message: string;
  artifact?: string;
  line?: number;
  path?: string;
}

/** The plan the engine made: steps, generated scripts, checks, rollback and risk. @public */
export interface FixPlanDocument {
  id: string;
  incidentId: string;
  entityRef: string;
  mode: FixPlanMode;
  strategy: string;
  hypothesis: RootCauseKind;
  summary: string;
  steps: Array<{
    order: number;
    title: string;
    artifact?: string;
    detail?: string;
  }>;
  artifacts: Array<{ path: string; content: string }>;
  preChecks: Array<{ id: string; description: string; command?: string }>;
  postChecks: Array<{
    id: string;
    description: string;
    command?: string;
    sli: string;
    target: number;
    comparator: '<=' | '>=';
    deadline: string;
  }>;
  rollback: {
    method: 'canary' | 'blue_green' | 'revert';
    gates: Array<{
      trafficPercent: number;
      holdMinutes: number;
      slis: string[];
    }>;
    steps: Array<{ order: number; title: string; artifact?: string }>;
    artifacts: string[];
  };
  risk: {
    score: number;
    level: 'low' | 'medium' | 'high';
    reasons: Array<{ code: string; weight: number; message: string }>;
  };
  base?: { objects: Record<string, string> };
  createdAt: string;
}

/** A preflight run over a stored plan. @public */
export interface FixPreflight {
  verdict: FixVerdict;
  findings: FixFinding[];
  policy: {
    engine: string;
    decision: 'allow' | 'deny';
    reasons: string[];
    messages: Record<string, string>;
    errors: string[];
  };
  facts: Record<string, unknown>;
  risk: FixPlanDocument['risk'];
  at: string;
  /** The server-side part, when a cluster is configured (copilot.remediation.kubernetes). */
  serverDryRun?: {
    /** Kubeconfig context. */
    context: string;
    /** Objects the API server judged in a dry run. */
    objects: number;
    /** Live objects read for the merge and drift checks. */
    live: number;
    /** Every dry run was accepted and the server answered. */
    ok: boolean;
    /** The server answered. */
    reachable: boolean;
  };
}

/** @public */
export interface FixApproval {
  id: string;
  planId: string;
  approver: string;
  decision: 'approved';
  note?: string;
  createdAt: string;
}

/** A stored fix plan with its preflight and approvals. @public */
export interface FixPlan {
  id: string;
  incidentId: string;
  entityRef: string;
  environment: 'production' | 'staging' | 'development';
  owners: string[];
  mode: FixPlanMode;
  strategy: string;
  status: FixPlanStatus;
  author: string;
  plan: FixPlanDocument;
  preflight?: FixPreflight;
  approvals: FixApproval[];
  /** Where the plan's change went, e.g. the pull request a template opened with its files. */
  links?: FixPlanLink[];
  createdAt: string;
  updatedAt: string;
}

/** A link from a fix plan to where its change went (`POST /v1/fix/plans/{id}/links`). @public */
export interface FixPlanLink {
  id: string;
  planId: string;
  kind: 'pull-request';
  /** https URL without credentials. */
  url: string;
  note?: string;
  createdBy: string;
  createdAt: string;
}

/** @public */
export interface LinkFixPlanRequest {
  url: string;
  kind: 'pull-request';
  note?: string;
}

/** @public */
export interface CreateFixPlanRequest {
  incident_id: string;
  mode: FixPlanMode;
  strategy?: string;
}

/** The signed, immutable record of one runner's output. @public */
export interface FixExecution {
  id: string;
  planId: string;
  runner: FixRunner;
  status: 'recorded' | 'rendered' | 'pr_opened' | 'failed';
  requestedBy: string;
  output: Record<string, unknown>;
  /** sha256 hex of the canonical output. */
  outputHash: string;
  /** base64 ed25519 signature over the output hash. */
  signature: string;
  keyId: string;
  prUrl?: string;
  startedAt: string;
  finishedAt: string;
}

/** One row of the hash-chained audit log. @public */
export interface AuditLogRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  data?: Record<string, unknown>;
  prevHash: string;
  hash: string;
  signature: string;
}

/** @public */
export interface AuditVerification {
  ok: boolean;
  rows: number;
  /** The chain position of the first row that does not verify, when one does not. */
  brokenAt?: number;
  reason?: 'hash' | 'link' | 'signature' | 'sequence';
  keyId: string;
}

/** Everything recorded about one incident's remediation, for auditors. @public */
export interface IncidentAuditPack {
  exportedAt: string;
  incident: Incident;
  analysis?: IncidentAnalysis;
  plans: FixPlan[];
  preflights: Array<FixPreflight & { planId: string }>;
  approvals: FixApproval[];
  executions: FixExecution[];
  audit: AuditLogRow[];
  publicKey: {
    format: 'spki-pem';
    algorithm: 'ed25519';
    keyId: string;
    pem: string;
  };
}
