import type {
  Anomaly,
  CreateIncidentRequest,
  DetectionStatus,
  IncidentEvidence,
  Task,
  Incident,
  IncidentStatus,
  Page,
  ProblemDocument,
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
 * HTTP client of the copilot API, mounted at `/api/copilot/v1`.
 * @public
 */
export class CopilotClient implements CopilotApi {
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
