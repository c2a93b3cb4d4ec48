import type {
  Anomaly,
  CreateIncidentRequest,
  UpdateIncidentRequest,
  SloReport,
  DetectionStatus,
  IncidentEvidence,
  Task,
  Incident,
  IncidentStatus,
  Page,
  ProblemDocument,
  IncidentAnswer,
  KnowledgeChunk,
  KnowledgeDoc,
  KnowledgeDocKind,
  KnowledgeSearchResult,
  UploadDocRequest,
  UploadDocResult,
} from './types';
import type {
  AuditVerification,
  CreateFixPlanRequest,
  FixExecution,
  FixPlan,
  FixPlanLink,
  FixRunner,
  LinkFixPlanRequest,
  IncidentAuditPack,
} from './types';

/**
 * The small subset of Backstage's DiscoveryApi / DiscoveryService the client needs.
 * @public
 */
export interface CopilotClientDiscovery {
  getBaseUrl(pluginId: string): Promise<string>;
}

/**
 * Options of {@link CopilotClient}.
 * @public
 */
export interface CopilotClientOptions {
  discoveryApi: CopilotClientDiscovery;
  /** Backstage's FetchApi (adds the user's token); the global fetch by default. */
  fetchApi?: { fetch: typeof fetch };
}

/**
 * An error answered by the copilot API, carrying its problem document.
 * @public
 */
export class CopilotApiError extends Error {
  readonly status: number;
  readonly problem?: ProblemDocument;
  constructor(status: number, message: string, problem?: ProblemDocument) {
    super(message);
    this.name = 'CopilotApiError';
    this.status = status;
    this.problem = problem;
  }
}

/**
 * The copilot REST API as used by the frontend and by other plugins.
 * @public
 */
export interface CopilotApi {
  listIncidents(options?: {
    entityRef?: string;
    status?: IncidentStatus;
    limit?: number;
    cursor?: string;
  }): Promise<Page<Incident>>;
  getIncident(id: string): Promise<Incident>;
  createIncident(request: CreateIncidentRequest): Promise<Incident>;
  /** Changes the status and records the resolution (and confirmed root cause) of an incident. */
  updateIncident(id: string, request: UpdateIncidentRequest): Promise<Incident>;
  /** The SLOs the entity declares, each with its SLI, error budget left and 1 h burn rate, as of `at` (default now). */
  getSlos(entityRef: string, at?: string): Promise<{ items: SloReport[] }>;
  /** Anomaly windows found by the detectors, newest first. */
  listAnomalies(options?: {
    entityRef?: string;
    status?: 'open' | 'closed';
    limit?: number;
  }): Promise<{ items: Anomaly[] }>;
  /** How many series are watched and how many are still warming up. */
  getDetectionStatus(options?: {
    entityRef?: string;
  }): Promise<DetectionStatus>;
  /** Starts a root-cause analysis of the incident (default window: the hour before it opened). */
  analyzeIncident(
    id: string,
    window?: { from: string; to: string },
  ): Promise<{ taskId: string; task: Task }>;
  /** A task (an analysis, an export) with its progress and result. */
  getTask(id: string): Promise<Task>;
  /** The evidence rows the incident's hypotheses cite. */
  listEvidence(incidentId: string): Promise<{ items: IncidentEvidence[] }>;
}

/**
 * The knowledge part of the copilot API: documents, search and cited answers.
 * @public
 */
export interface CopilotKnowledgeApi {
  /** Uploads a runbook, postmortem or ADR; the same source (or title + owner) replaces the earlier version. */
  uploadDoc(
    request: UploadDocRequest,
    options?: { idempotencyKey?: string },
  ): Promise<UploadDocResult>;
  listDocs(options?: {
    kind?: KnowledgeDocKind;
    owner?: string;
    limit?: number;
    cursor?: string;
  }): Promise<Page<KnowledgeDoc>>;
  /** The document; with `includeChunks` also its stored chunks and their source anchors. */
  getDoc(
    id: string,
    options?: { includeChunks?: boolean },
  ): Promise<KnowledgeDoc & { chunks?: KnowledgeChunk[] }>;
  deleteDoc(id: string): Promise<void>;
  /** Hybrid search over the knowledge store; with an incident id the query is expanded from its analysis. */
  searchKnowledge(options: {
    q?: string;
    incidentId?: string;
    k?: number;
  }): Promise<KnowledgeSearchResult>;
  /** A short answer about the incident, every sentence citing its source lines. */
  answerIncident(id: string, question?: string): Promise<IncidentAnswer>;
  /** Drafts a fix plan for an incident (strategy from its hypotheses unless given). */
  createFixPlan(
    request: CreateFixPlanRequest,
    options?: { idempotencyKey?: string },
  ): Promise<FixPlan>;
  getFixPlan(id: string): Promise<FixPlan>;
  listFixPlans(incidentId: string): Promise<{ items: FixPlan[] }>;
  /** Runs preflight over the plan and stores the verdict with its findings. */
  preflightFixPlan(planId: string): Promise<FixPlan>;
  /** Approves a plan (not your own), with an optional note. */
  approveFixPlan(planId: string, note?: string): Promise<FixPlan>;
  /** Runs the plan with a runner; the signed, immutable output record. */
  executeFixPlan(planId: string, runner: FixRunner): Promise<FixExecution>;
  /** Links the plan to where its change went, e.g. a pull request (the same link twice is a no-op). */
  linkFixPlan(planId: string, link: LinkFixPlanRequest): Promise<FixPlanLink>;
  /** Checks the audit chain's hashes, links and signatures. */
  verifyAuditChain(): Promise<AuditVerification>;
  /** The audit pack of one incident. */
  exportIncidentAuditPack(incidentId: string): Promise<IncidentAuditPack>;
}

/**
 * HTTP client of the copilot API, mounted at `/api/copilot/v1`.
 * @public
 */
export class CopilotClient implements CopilotApi, CopilotKnowledgeApi {
  private readonly discoveryApi: CopilotClientDiscovery;
  private readonly fetchApi: { fetch: typeof fetch };

  constructor(options: CopilotClientOptions) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi ?? { fetch: (...args) => fetch(...args) };
  }

  async listIncidents(
    options: {
      entityRef?: string;
      status?: IncidentStatus;
      limit?: number;
      cursor?: string;
    } = {},
  ): Promise<Page<Incident>> {
    const query = new URLSearchParams();
    if (options.entityRef) query.set('entity', options.entityRef);
    if (options.status) query.set('status', options.status);
    if (options.limit) query.set('limit', String(options.limit));
    if (options.cursor) query.set('cursor', options.cursor);
    const qs = query.toString();
    return this.request<Page<Incident>>(`/incidents${qs ? `?${qs}` : ''}`);
  }

  async getIncident(id: string): Promise<Incident> {
    return this.request<Incident>(`/incidents/${encodeURIComponent(id)}`);
  }

  async createIncident(request: CreateIncidentRequest): Promise<Incident> {
    return this.request<Incident>('/incidents', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
  }

  async updateIncident(
    id: string,
    request: UpdateIncidentRequest,
  ): Promise<Incident> {
    return this.request<Incident>(`/incidents/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
  }

  async getSlos(
    entityRef: string,
    at?: string,
  ): Promise<{ items: SloReport[] }> {
    const query = new URLSearchParams({ entity: entityRef });
    if (at) query.set('at', at);
    return this.request<{ items: SloReport[] }>(`/slo?${query}`);
  }

  async listAnomalies(
    options: {
      entityRef?: string;
      status?: 'open' | 'closed';
      limit?: number;
    } = {},
  ): Promise<{ items: Anomaly[] }> {
    const query = new URLSearchParams();
    if (options.entityRef) query.set('entity', options.entityRef);
    if (options.status) query.set('status', options.status);
    if (options.limit) query.set('limit', String(options.limit));
    const qs = query.toString();
    return this.request<{ items: Anomaly[] }>(
      `/anomalies${qs ? `?${qs}` : ''}`,
    );
  }

  async getDetectionStatus(
    options: { entityRef?: string } = {},
  ): Promise<DetectionStatus> {
    const qs = options.entityRef
      ? `?entity=${encodeURIComponent(options.entityRef)}`
      : '';
    return this.request<DetectionStatus>(`/detect/status${qs}`);
  }

  async analyzeIncident(
    id: string,
    window?: { from: string; to: string },
  ): Promise<{ taskId: string; task: Task }> {
    return this.request(`/incidents/${encodeURIComponent(id)}/analyze`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(window ? { window } : {}),
    });
  }

  async getTask(id: string): Promise<Task> {
    return this.request<Task>(`/tasks/${encodeURIComponent(id)}`);
  }

  async listEvidence(
    incidentId: string,
  ): Promise<{ items: IncidentEvidence[] }> {
    return this.request(
      `/incidents/${encodeURIComponent(incidentId)}/evidence`,
    );
  }

  async uploadDoc(
    request: UploadDocRequest,
    options: { idempotencyKey?: string } = {},
  ): Promise<UploadDocResult> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
    };
    if (options.idempotencyKey)
      headers['Idempotency-Key'] = options.idempotencyKey;
    return this.request<UploadDocResult>('/docs', {
      method: 'POST',
      headers,
      body: JSON.stringify(request),
    });
  }

  async listDocs(
    options: {
      kind?: KnowledgeDocKind;
      owner?: string;
      limit?: number;
      cursor?: string;
    } = {},
  ): Promise<Page<KnowledgeDoc>> {
    const query = new URLSearchParams();
    if (options.kind) query.set('kind', options.kind);
    if (options.owner) query.set('owner', options.owner);
    if (options.limit) query.set('limit', String(options.limit));
    if (options.cursor) query.set('cursor', options.cursor);
    const qs = query.toString();
    return this.request<Page<KnowledgeDoc>>(`/docs${qs ? `?${qs}` : ''}`);
  }

  async getDoc(
    id: string,
    options: { includeChunks?: boolean } = {},
  ): Promise<KnowledgeDoc & { chunks?: KnowledgeChunk[] }> {
    return this.request(
      `/docs/${encodeURIComponent(id)}${
        options.includeChunks ? '?include=chunks' : ''
      }`,
    );
  }

  async deleteDoc(id: string): Promise<void> {
    await this.request<unknown>(`/docs/${encodeURIComponent(id)}`, {
      method: 'DELETE',
    });
  }

  async searchKnowledge(options: {
    q?: string;
    incidentId?: string;
    k?: number;
  }): Promise<KnowledgeSearchResult> {
    const query = new URLSearchParams();
    if (options.q) query.set('q', options.q);
    if (options.incidentId) query.set('incident_id', options.incidentId);
    if (options.k) query.set('k', String(options.k));
    return this.request<KnowledgeSearchResult>(`/search?${query}`);
  }

  async answerIncident(id: string, question?: string): Promise<IncidentAnswer> {
    return this.request<IncidentAnswer>(
      `/incidents/${encodeURIComponent(id)}/answer`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(question ? { question } : {}),
      },
    );
  }

  async createFixPlan(
    request: CreateFixPlanRequest,
    options?: { idempotencyKey?: string },
  ): Promise<FixPlan> {
    return this.request<FixPlan>('/fix/plan', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(options?.idempotencyKey
          ? { 'Idempotency-Key': options.idempotencyKey }
          : {}),
      },
      body: JSON.stringify(request),
    });
  }

  async getFixPlan(id: string): Promise<FixPlan> {
    return this.request<FixPlan>(`/fix/plans/${encodeURIComponent(id)}`);
  }

  async listFixPlans(incidentId: string): Promise<{ items: FixPlan[] }> {
    const query = new URLSearchParams({ incident_id: incidentId });
    return this.request<{ items: FixPlan[] }>(`/fix/plans?${query}`);
  }

  async preflightFixPlan(planId: string): Promise<FixPlan> {
    return this.postJson<FixPlan>('/fix/preflight', { plan_id: planId });
  }

  async approveFixPlan(planId: string, note?: string): Promise<FixPlan> {
    return this.postJson<FixPlan>('/fix/approve', {
      plan_id: planId,
      ...(note ? { note } : {}),
    });
  }

  async executeFixPlan(
    planId: string,
    runner: FixRunner,
  ): Promise<FixExecution> {
    return this.postJson<FixExecution>('/fix/execute', {
      plan_id: planId,
      runner,
    });
  }

  async linkFixPlan(
    planId: string,
    link: LinkFixPlanRequest,
  ): Promise<FixPlanLink> {
    return this.postJson<FixPlanLink>(
      `/fix/plans/${encodeURIComponent(planId)}/links`,
      link,
    );
  }

  async verifyAuditChain(): Promise<AuditVerification> {
    return this.request<AuditVerification>('/audit/verify');
  }

  async exportIncidentAuditPack(
    incidentId: string,
  ): Promise<IncidentAuditPack> {
    return this.postJson<IncidentAuditPack>('/exports/incident', {
      incident_id: incidentId,
    });
  }

  private async postJson<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('copilot');
    const res = await this.fetchApi.fetch(`${baseUrl}/v1${path}`, init);
    if (!res.ok) {
      let problem: ProblemDocument | undefined;
      try {
        problem = (await res.json()) as ProblemDocument;
      } catch {
        problem = undefined;
      }
      const detail = problem?.detail ?? problem?.title ?? res.statusText;
      throw new CopilotApiError(
        res.status,
        `Copilot API ${init?.method ?? 'GET'} ${path} failed with ${
          res.status
        }: ${detail}`,
        problem,
      );
    }
    return (await res.json()) as T;
  }
}
