import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type {
  BlastRadius,
  IncidentAnalysis,
  IncidentEvidence,
  IncidentHypothesis,
  RootCauseKind,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { parseJson, toIso } from './util';

const CHUNK = 200;

/** Evidence as an analysis produces it: `key` is its id within the analysis. */
export interface NewEvidence {
  key: string;
  kind: string;
  entityRef?: string;
  summary: string;
  window?: { fromMs: number; toMs: number };
  score?: number;
  data?: Record<string, unknown>;
}

/** A hypothesis as an analysis produces it, citing evidence by key. */
export interface NewHypothesis {
  rank: number;
  kind: RootCauseKind;
  entityRef?: string;
  statement: string;
  confidence: number;
  score?: number;
  supportingEvidenceKeys: string[];
  counterEvidenceKeys: string[];
}

/** Thrown when a hypothesis would be stored without an evidence row behind it. */
export class EvidenceInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvidenceInvariantError';
  }
}

/**
 * Root-cause analyses of incidents: their evidence rows and ranked hypotheses. Enforces the invariant of
 * the data model: every stored hypothesis cites at least one evidence row stored with it.
 */
export class AnalysisStore {
  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): AnalysisStore {
    return new AnalysisStore(options.database, options.orgId ?? 'default');
  }

  /**
   * Stores an analysis, replacing the incident's previous one, in one transaction. Throws
   * `EvidenceInvariantError` (and stores nothing) when a hypothesis cites no evidence, or cites a key
   * that is not among the evidence.
   */
  async save(input: {
    incidentId: string;
    taskId?: string;
    window: { fromMs: number; toMs: number };
    abstained: boolean;
    abstainReason?: string;
    unexplained: number;
    blastRadius?: BlastRadius;
    evidence: NewEvidence[];
    hypotheses: NewHypothesis[];
    durationMs: number;
    now?: Date;
  }): Promise<IncidentAnalysis> {
    const now = input.now ?? new Date();
    const analysisId = randomUUID();
    const idOf = new Map<string, string>();
    for (const e of input.evidence) idOf.set(e.key, randomUUID());
    for (const h of input.hypotheses) {
      if (h.supportingEvidenceKeys.length === 0) {
        throw new EvidenceInvariantError(
          `hypothesis ${h.rank} (${h.kind}) cites no evidence; a hypothesis is never stored without one`,
        );
      }
      for (const key of [
        ...h.supportingEvidenceKeys,
        ...h.counterEvidenceKeys,
      ]) {
        if (!idOf.has(key)) {
          throw new EvidenceInvariantError(
            `hypothesis ${h.rank} (${h.kind}) cites evidence '${key}' that the analysis does not hold`,
          );
        }
      }
    }
    await this.db.transaction(async tx => {
      await tx('hypotheses')
        .where({ incident_id: input.incidentId })
        .whereNotNull('analysis_id')
        .delete();
      await tx('evidence')
        .where({ incident_id: input.incidentId })
        .whereNotNull('analysis_id')
        .delete();
      await tx('analyses').where({ incident_id: input.incidentId }).delete();
      await tx('analyses').insert({
        id: analysisId,
        org_id: this.orgId,
        incident_id: input.incidentId,
        task_id: input.taskId ?? null,
        window_from: new Date(input.window.fromMs),
        window_to: new Date(input.window.toMs),
        abstained: input.abstained,
        abstain_reason: input.abstainReason ?? null,
        unexplained: input.unexplained,
        blast_radius: input.blastRadius
          ? JSON.stringify(input.blastRadius)
          : null,
        duration_ms: Math.round(input.durationMs),
        created_at: now,
      });
      const evidenceRows = input.evidence.map(e => ({
        id: idOf.get(e.key)!,
        incident_id: input.incidentId,
        analysis_id: analysisId,
        kind: e.kind,
        entity_ref: e.entityRef ?? null,
        summary: e.summary,
        data: JSON.stringify({ key: e.key, ...e.data }),
        window_from: e.window ? new Date(e.window.fromMs) : null,
        window_to: e.window ? new Date(e.window.toMs) : null,
        score: e.score ?? null,
        created_at: now,
      }));
      for (let i = 0; i < evidenceRows.length; i += CHUNK)
        await tx('evidence').insert(evidenceRows.slice(i, i + CHUNK));
      const hypothesisRows = input.hypotheses.map(h => ({
        id: randomUUID(),
        incident_id: input.incidentId,
        analysis_id: analysisId,
        rank: h.rank,
        kind: h.kind,
        entity_ref: h.entityRef ?? null,
        statement: h.statement,
        confidence: h.confidence,
        score: h.score ?? null,
        support_evidence_ids: JSON.stringify(
          h.supportingEvidenceKeys.map(k => idOf.get(k)),
        ),
        counter_evidence_ids: JSON.stringify(
          h.counterEvidenceKeys.map(k => idOf.get(k)),
        ),
        created_at: now,
      }));
      for (let i = 0; i < hypothesisRows.length; i += CHUNK)
        await tx('hypotheses').insert(hypothesisRows.slice(i, i + CHUNK));
    });
    return (await this.latest(input.incidentId))!;
  }

  /** The incident's latest analysis with its ranked hypotheses, if it was analysed. */
  async latest(incidentId: string): Promise<IncidentAnalysis | undefined> {
    const a = await this.db('analyses')
      .where({ org_id: this.orgId, incident_id: incidentId })
      .orderBy('created_at', 'desc')
      .first();
    if (!a) return undefined;
    const rows: Array<Record<string, any>> = await this.db('hypotheses')
      .where({ incident_id: incidentId, analysis_id: a.id })
      .orderBy('rank');
    const hypotheses: IncidentHypothesis[] = rows.map(r => ({
      id: r.id,
      rank: Number(r.rank),
      kind: r.kind,
      ...(r.entity_ref ? { entityRef: r.entity_ref } : {}),
      statement: r.statement,
      confidence: Number(r.confidence),
      supportEvidenceIds: parseJson<string[]>(r.support_evidence_ids, []),
      counterEvidenceIds: parseJson<string[]>(r.counter_evidence_ids, []),
      createdAt: toIso(r.created_at),
    }));
    return {
      id: a.id,
      incidentId,
      ...(a.task_id ? { taskId: a.task_id } : {}),
      windowFrom: toIso(a.window_from),
      windowTo: toIso(a.window_to),
      abstained: Boolean(a.abstained),
      ...(a.abstain_reason ? { abstainReason: a.abstain_reason } : {}),
      unexplained: Number(a.unexplained),
      hypotheses,
      ...(a.blast_radius
        ? { blastRadius: parseJson<BlastRadius>(a.blast_radius, undefined!) }
        : {}),
      durationMs: Number(a.duration_ms),
      createdAt: toIso(a.created_at),
    };
  }

  /** Every evidence row of the incident, strongest first. */
  async evidence(incidentId: string): Promise<IncidentEvidence[]> {
    const rows: Array<Record<string, any>> = await this.db('evidence')
      .where({ incident_id: incidentId })
      .orderBy([
        { column: 'score', order: 'desc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(r => ({
      id: r.id,
      incidentId: r.incident_id,
      kind: r.kind,
      ...(r.entity_ref ? { entityRef: r.entity_ref } : {}),
      summary: r.summary,
      ...(r.window_from ? { windowFrom: toIso(r.window_from) } : {}),
      ...(r.window_to ? { windowTo: toIso(r.window_to) } : {}),
      ...(r.score !== null && r.score !== undefined
        ? { score: Number(r.score) }
        : {}),
      data: parseJson<Record<string, unknown>>(r.data, {}),
      createdAt: toIso(r.created_at),
    }));
  }
}
