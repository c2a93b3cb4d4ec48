import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  Incident,
  IncidentAnalysis,
  Task,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { analyze, type AnalyzeResult } from '../engine/rca';
import type { SeriesInput } from '../engine/correlate';
import type { RollupStore } from '../stores/RollupStore';
import type { TemplateStore } from '../stores/TemplateStore';
import type { SignalStore } from '../stores/SignalStore';
import type { AnomalyStore } from '../stores/AnomalyStore';
import type { AnalysisStore } from '../stores/AnalysisStore';
import type { CatalogIndex } from './CatalogIndex';
import type { ReportProgress, TaskRunner } from './TaskRunner';

const MINUTE = 60_000;

/** Windows of an analysis. */
export interface AnalysisOptions {
  /** Without a window in the request: from this long before the incident opened... */
  lookbackMs: number;
  /** ... to this long after it (or now, if earlier). */
  lookaheadMs: number;
  /** Raw series are read from this long before the window: the baseline anomalies are measured against. */
  baselineMs: number;
  /** Deploys and changes are read from this long before the window. */
  changeLookbackMs: number;
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = {
  lookbackMs: 60 * MINUTE,
  lookaheadMs: 15 * MINUTE,
  baselineMs: 6 * 60 * MINUTE,
  changeLookbackMs: 3 * 60 * MINUTE,
};

interface AnalysisServiceDeps {
  analyses: AnalysisStore;
  rollups: RollupStore;
  templates: TemplateStore;
  signals: SignalStore;
  anomalies: AnomalyStore;
  catalog: CatalogIndex;
  tasks: TaskRunner;
  logger: LoggerService;
  options?: Partial<AnalysisOptions>;
}

/** What an analysis task returns. */
export interface AnalysisTaskResult {
  analysisId: string;
  incidentId: string;
  abstained: boolean;
  hypotheses: number;
  top?: string;
  durationMs: number;
}

/**
 * Runs root-cause analyses of incidents as tasks: reads the incident window's rollups (with a baseline
 * before it), the detectors' anomaly windows, the changes and the catalog topology, ranks hypotheses with
 * `engine/rca`, and stores them with their evidence.
 */
export class AnalysisService {
  private readonly options: AnalysisOptions;

  constructor(private readonly deps: AnalysisServiceDeps) {
    this.options = { ...DEFAULT_ANALYSIS_OPTIONS, ...deps.options };
  }

  /** The window analysed when the request names none. */
  defaultWindow(
    incident: Incident,
    nowMs = Date.now(),
  ): { fromMs: number; toMs: number } {
    const opened = Date.parse(incident.openedAt);
    return {
      fromMs: opened - this.options.lookbackMs,
      toMs: Math.max(
        opened + MINUTE,
        Math.min(nowMs, opened + this.options.lookaheadMs),
      ),
    };
  }

  /** Starts an analysis task; `done` settles when it is stored. */
  start(
    incident: Incident,
    window: { fromMs: number; toMs: number } | undefined,
    createdBy?: string,
  ): Promise<{ task: Task; done: Promise<Task> }> {
    const w = window ?? this.defaultWindow(incident);
    let taskId: string | undefined;
    return this.deps.tasks
      .start(
        {
          kind: 'incident.analyze',
          input: {
            incidentId: incident.id,
            window: {
              from: new Date(w.fromMs).toISOString(),
              to: new Date(w.toMs).toISOString(),
            },
          },
          createdBy,
        },
        report => this.run(incident, w, report, () => taskId),
      )
      .then(started => {
        taskId = started.task.id;
        return started;
      });
  }

  /** Analyses the incident over `window` and stores the result. */
  async run(
    incident: Incident,
    window: { fromMs: number; toMs: number },
    report: ReportProgress = async () => undefined,
    taskId: () => string | undefined = () => undefined,
  ): Promise<AnalysisTaskResult> {
    const started = Date.now();
    const { rollups, templates, signals, anomalies, catalog } = this.deps;
    const baselineFromMs = window.fromMs - this.options.baselineMs;
    await report(0.1, 'reading rollups, anomalies, changes and the catalog');
    const [metrics, volume, counts, changes, found, view] = await Promise.all([
      rollups.metricMinutes({ fromMs: baselineFromMs, toMs: window.toMs }),
      rollups.logVolume({ fromMs: baselineFromMs, toMs: window.toMs }),
      templates.minuteCounts(baselineFromMs, window.toMs),
      signals.changes({
        fromMs: window.fromMs - this.options.changeLookbackMs,
        toMs: window.toMs,
      }),
      anomalies.list({
        fromMs: window.fromMs,
        toMs: window.toMs,
        limit: 1000,
      }),
      catalog.get(Date.now()),
    ]);
    const lower = (ref: string) => ref.toLocaleLowerCase('en-US');
    const series = buildSeries(
      metrics,
      volume,
      counts,
      baselineFromMs,
      window.toMs,
    ).map(x => ({ ...x, entityRef: lower(x.entityRef) }));
    await report(
      0.5,
      `ranking causes over ${series.length} series, ${found.length} anomaly windows and ${changes.length} changes`,
    );
    const result: AnalyzeResult = analyze({
      window,
      baselineFromMs,
      alert: {
        entityRef: incident.entityRef.toLocaleLowerCase('en-US'),
        atMs: Date.parse(incident.openedAt),
        title: incident.title,
      },
      topology: view.topology,
      anomalies: found.map(a => ({ ...a, entityRef: lower(a.entityRef) })),
      series,
      changes: changes.map(c =>
        c.entityRef ? { ...c, entityRef: lower(c.entityRef) } : c,
      ),
    });
    await report(0.9, `storing ${result.hypotheses.length} hypotheses`);
    const analysis: IncidentAnalysis = await this.deps.analyses.save({
      incidentId: incident.id,
      taskId: taskId(),
      window,
      abstained: result.abstained,
      abstainReason: result.abstainReason,
      unexplained: result.unexplained,
      blastRadius: result.blastRadius,
      evidence: result.evidence.map(e => ({
        key: e.id,
        kind: e.kind,
        entityRef: e.entityRef,
        summary: e.summary,
        window: e.window,
        score: e.score,
      })),
      hypotheses: result.hypotheses.map(h => ({
        rank: h.rank,
        kind: h.kind,
        entityRef: h.entityRef,
        statement: h.statement,
        confidence: h.confidence,
        score: h.score,
        supportingEvidenceKeys: h.supportingEvidenceIds,
        counterEvidenceKeys: h.counterEvidenceIds,
      })),
      durationMs: Date.now() - started,
    });
    this.deps.logger.info(
      `Analysed incident ${incident.id} in ${analysis.durationMs} ms: ${
        analysis.hypotheses[0]?.statement ?? 'no hypothesis'
      }`,
    );
    return {
      analysisId: analysis.id,
      incidentId: incident.id,
      abstained: analysis.abstained,
      hypotheses: analysis.hypotheses.length,
      ...(analysis.hypotheses[0]
        ? { top: analysis.hypotheses[0].statement }
        : {}),
      durationMs: analysis.durationMs,
    };
  }
}

/**
 * Raw series for the analysis: every metric of every entity (the minute's mean, and the p95 of sketched
 * metrics), and per entity its log lines, error lines and lines per template per minute (zeros filled in
 * minutes where the entity logged nothing).
 */
export function buildSeries(
  metrics: Awaited<ReturnType<RollupStore['metricMinutes']>>,
  volume: Awaited<ReturnType<RollupStore['logVolume']>>,
  counts: Awaited<ReturnType<TemplateStore['minuteCounts']>>,
  fromMs: number,
  toMs: number,
): SeriesInput[] {
  const out = new Map<string, SeriesInput>();
  const point = (
    key: string,
    make: () => Omit<SeriesInput, 'tsMs' | 'values'>,
    ts: number,
    value: number,
  ) => {
    let s = out.get(key);
    if (!s) {
      s = { ...make(), tsMs: [], values: [] };
      out.set(key, s);
    }
    s.tsMs.push(ts);
    s.values.push(value);
  };
  for (const m of metrics) {
    if (m.count > 0)
      point(
        `m\u0000${m.entityRef}\u0000${m.metric}`,
        () => ({ entityRef: m.entityRef, metric: m.metric, kind: 'metric' }),
        m.minuteMs,
        m.sum / m.count,
      );
    if (m.p95 !== undefined)
      point(
        `m\u0000${m.entityRef}\u0000${m.metric}:p95`,
        () => ({
          entityRef: m.entityRef,
          metric: `${m.metric}:p95`,
          kind: 'metric',
        }),
        m.minuteMs,
        m.p95,
      );
  }
  // Count series: dense per minute, zeros where the entity logged nothing.
  const first = Math.floor(fromMs / MINUTE) * MINUTE;
  const minutes = Math.max(0, Math.ceil((toMs - first) / MINUTE));
  const dense = new Map<string, SeriesInput>();
  const count = (
    key: string,
    make: () => Omit<SeriesInput, 'tsMs' | 'values'>,
    minuteMs: number,
    value: number,
  ) => {
    let s = dense.get(key);
    if (!s) {
      s = {
        ...make(),
        tsMs: Array.from({ length: minutes }, (_, i) => first + i * MINUTE),
        values: new Array(minutes).fill(0),
      };
      dense.set(key, s);
    }
    const i = Math.floor((minuteMs - first) / MINUTE);
    if (i >= 0 && i < minutes) s.values[i] += value;
  };
  for (const v of volume) {
    count(
      `v\u0000${v.entityRef}`,
      () => ({
        entityRef: v.entityRef,
        metric: 'log_lines',
        kind: 'log-volume',
      }),
      v.minuteMs,
      v.total,
    );
    count(
      `e\u0000${v.entityRef}`,
      () => ({
        entityRef: v.entityRef,
        metric: 'log_errors',
        kind: 'log-errors',
      }),
      v.minuteMs,
      v.errors,
    );
  }
  for (const c of counts) {
    count(
      `t\u0000${c.templateId}`,
      () => ({
        entityRef: c.entityRef,
        metric: c.templateId,
        kind: 'template',
        template: c.template,
      }),
      c.minuteMs,
      c.count,
    );
  }
  return [...out.values(), ...dense.values()];
}
