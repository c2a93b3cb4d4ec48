import type { Knex } from 'knex';
import type {
  Anomaly,
  AnomalyKind,
  DetectionStatus,
} from '@devops-copilot/backstage-plugin-copilot-common';
import type { SeriesDetectorState } from '../engine/detect/types';
import { parseJson, toIso, toMs } from './util';

const CHUNK = 200;

/** Kinds of series the detect stage keeps detector state for. */
export type SeriesKind = Exclude<AnomalyKind, 'novel-template'>;

/** The checkpointed detector state of one series. */
export interface StoredDetectorState {
  seriesKey: string;
  entityRef: string;
  kind: SeriesKind;
  state: SeriesDetectorState;
  /** The newest minute the state has seen; the stage replays rollups after it on restart. */
  lastMinuteMs: number;
  cold: boolean;
  warmupRemaining: number;
}

/**
 * Detector checkpoints and anomaly windows (the evidence candidates of correlation and root cause).
 */
export class AnomalyStore {
  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): AnomalyStore {
    return new AnomalyStore(options.database, options.orgId ?? 'default');
  }

  /** Every checkpointed series state. */
  async loadStates(): Promise<StoredDetectorState[]> {
    const rows: Array<Record<string, any>> = await this.db('detector_states')
      .where({ org_id: this.orgId })
      .select();
    return rows.map(r => ({
      seriesKey: r.series_key,
      entityRef: r.entity_ref,
      kind: r.kind,
      state: JSON.parse(r.state) as SeriesDetectorState,
      lastMinuteMs: toMs(r.last_minute),
      cold: Boolean(r.cold),
      warmupRemaining: Number(r.warmup_remaining),
    }));
  }

  /** Writes (inserts or replaces) series states, in one transaction. */
  async saveStates(states: StoredDetectorState[], now: Date): Promise<void> {
    if (states.length === 0) return;
    await this.db.transaction(async tx => {
      for (let i = 0; i < states.length; i += CHUNK) {
        const rows = states.slice(i, i + CHUNK).map(s => ({
          org_id: this.orgId,
          series_key: s.seriesKey,
          entity_ref: s.entityRef,
          kind: s.kind,
          state: JSON.stringify(s.state),
          last_minute: new Date(s.lastMinuteMs),
          cold: s.cold,
          warmup_remaining: s.warmupRemaining,
          updated_at: now,
        }));
        await tx('detector_states')
          .insert(rows)
          .onConflict(['org_id', 'series_key'])
          .merge([
            'entity_ref',
            'kind',
            'state',
            'last_minute',
            'cold',
            'warmup_remaining',
            'updated_at',
          ]);
      }
    });
  }

  /** Inserts new anomaly windows and updates the ones that changed (by id). */
  async upsertAnomalies(anomalies: Anomaly[]): Promise<void> {
    if (anomalies.length === 0) return;
    await this.db.transaction(async tx => {
      for (let i = 0; i < anomalies.length; i += CHUNK) {
        await tx('anomalies')
          .insert(anomalies.slice(i, i + CHUNK).map(a => this.toRow(a)))
          .onConflict('id')
          .merge([
            'status',
            'window_to',
            'peak_at',
            'score',
            'direction',
            'value',
            'expected',
            'band_low',
            'band_high',
            'robust_sigmas',
            'detectors',
            'seasonality',
            'summary',
            'updated_at',
          ]);
      }
    });
  }

  /** Anomaly windows, newest first. */
  async list(
    options: {
      entityRef?: string;
      status?: 'open' | 'closed';
      kind?: AnomalyKind;
      fromMs?: number;
      toMs?: number;
      limit?: number;
    } = {},
  ): Promise<Anomaly[]> {
    const q = this.db('anomalies').where({ org_id: this.orgId });
    if (options.entityRef) q.where('entity_ref', options.entityRef);
    if (options.status) q.where('status', options.status);
    if (options.kind) q.where('kind', options.kind);
    if (options.fromMs !== undefined)
      q.where('window_to', '>=', new Date(options.fromMs));
    if (options.toMs !== undefined)
      q.where('window_from', '<', new Date(options.toMs));
    const rows: Array<Record<string, any>> = await q
      .orderBy([
        { column: 'window_from', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(options.limit ?? 100);
    return rows.map(r => this.fromRow(r));
  }

  /** Detection coverage from the checkpointed states. */
  async status(entityRef?: string): Promise<DetectionStatus> {
    const q = this.db('detector_states').where({ org_id: this.orgId });
    if (entityRef) q.where('entity_ref', entityRef);
    const rows: Array<Record<string, any>> = await q
      .groupBy('cold')
      .select('cold')
      .count({ n: '*' })
      .max({ warmup: 'warmup_remaining' })
      .max({ last: 'last_minute' });
    const status: DetectionStatus = {
      series: 0,
      warm: 0,
      cold: 0,
      maxWarmupRemaining: 0,
    };
    let last = -Infinity;
    for (const r of rows) {
      const n = Number(r.n);
      status.series += n;
      if (r.cold === true || Number(r.cold) === 1) {
        status.cold += n;
        status.maxWarmupRemaining = Number(r.warmup ?? 0);
      } else {
        status.warm += n;
      }
      if (r.last !== null && r.last !== undefined)
        last = Math.max(last, toMs(r.last));
    }
    if (Number.isFinite(last)) status.lastMinute = new Date(last).toISOString();
    return status;
  }

  /** Deletes closed anomalies whose window ended before `olderThanMs`. */
  async prune(olderThanMs: number): Promise<number> {
    return this.db('anomalies')
      .where({ org_id: this.orgId, status: 'closed' })
      .where('window_to', '<', new Date(olderThanMs))
      .delete();
  }

  private toRow(a: Anomaly) {
    return {
      id: a.id,
      org_id: this.orgId,
      entity_ref: a.entityRef,
      series_key: a.seriesKey,
      kind: a.kind,
      metric: a.metric ?? null,
      template_id: a.templateId ?? null,
      status: a.status,
      window_from: new Date(a.windowFrom),
      window_to: new Date(a.windowTo),
      peak_at: new Date(a.peakAt),
      score: a.score,
      direction: a.direction,
      value: finiteOrNull(a.value),
      expected: finiteOrNull(a.expected),
      band_low: finiteOrNull(a.band?.[0]),
      band_high: finiteOrNull(a.band?.[1]),
      robust_sigmas: finiteOrNull(a.robustSigmas),
      detectors: JSON.stringify(a.detectors),
      seasonality: JSON.stringify(a.seasonality),
      summary: a.summary,
      created_at: new Date(a.createdAt),
      updated_at: new Date(a.updatedAt),
    };
  }

  private fromRow(r: Record<string, any>): Anomaly {
    const num = (v: unknown) =>
      v === null || v === undefined ? undefined : Number(v);
    const low = num(r.band_low);
    const high = num(r.band_high);
    return {
      id: r.id,
      entityRef: r.entity_ref,
      seriesKey: r.series_key,
      kind: r.kind,
      ...(r.metric ? { metric: r.metric } : {}),
      ...(r.template_id ? { templateId: r.template_id } : {}),
      status: r.status,
      windowFrom: toIso(r.window_from),
      windowTo: toIso(r.window_to),
      peakAt: toIso(r.peak_at),
      score: Number(r.score),
      direction: r.direction,
      ...(num(r.value) !== undefined ? { value: num(r.value) } : {}),
      ...(num(r.expected) !== undefined ? { expected: num(r.expected) } : {}),
      ...(low !== undefined && high !== undefined
        ? { band: [low, high] as [number, number] }
        : {}),
      ...(num(r.robust_sigmas) !== undefined
        ? { robustSigmas: num(r.robust_sigmas) }
        : {}),
      detectors: parseJson(r.detectors, []),
      seasonality: parseJson(r.seasonality, []),
      summary: r.summary,
      createdAt: toIso(r.created_at),
      updatedAt: toIso(r.updated_at),
    };
  }
}

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}
