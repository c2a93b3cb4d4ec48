import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  Incident,
  IncidentAnalysis,
  Task,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { analyze, type AnalyzeResult } from '../engine/rca';
import {
  CALL_METRICS,
  observedCalls,
  TopologyGraph,
  withObservedCalls,
  type SeriesInput,
  type Topology,
} from '../engine/correlate';
import { resolveEntity } from '../engine/ingest/resolve';
import type {
  LogVolumeSeries,
  MetricMinuteSeries,
  RollupStore,
} from '../stores/RollupStore';
import type {
  TemplateMinuteSeries,
  TemplateStore,
} from '../stores/TemplateStore';
import type { SignalStore } from '../stores/SignalStore';
import type { AnomalyStore } from '../stores/AnomalyStore';
import type { AnalysisStore } from '../stores/AnalysisStore';
import type { IncidentStore } from '../stores/IncidentStore';
import type { SloService } from '../slo/SloService';
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
  /**
   * Confirmed root causes of incidents opened this long before are the history of change impact: a
   * change of a kind that broke the same entity before is a likelier cause. 0 reads none.
   */
  historyMs: number;
  /**
   * Whose series are read: `neighbourhood` (default) the alert entity's dependency neighbourhood in the
   * catalog plus every entity with an anomaly window or a change in the window; `all` every entity.
   */
  scope: 'neighbourhood' | 'all';
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = {
  lookbackMs: 60 * MINUTE,
  lookaheadMs: 15 * MINUTE,
  baselineMs: 6 * 60 * MINUTE,
  changeLookbackMs: 3 * 60 * MINUTE,
  historyMs: 90 * 24 * 60 * MINUTE,
  scope: 'neighbourhood',
};

interface AnalysisServiceDeps {
  analyses: AnalysisStore;
  /** Where confirmed root causes of earlier incidents are read (the history term); none without it. */
  incidents?: IncidentStore;
  /** Evaluates the SLOs of entities in scope for the blast radius (`slosAtRisk`); none without it. */
  slo?: SloService;
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
    await report(0.1, 'reading anomalies, changes and the catalog');
    const [changes, found, view, past, callSeries] = await Promise.all([
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
      this.deps.incidents && this.options.historyMs > 0
        ? this.deps.incidents.confirmedRootCauses({
            fromMs: Date.parse(incident.openedAt) - this.options.historyMs,
            toMs: Date.parse(incident.openedAt),
          })
        : Promise.resolve([]),
      // Request counters of service graphs and meshes: observed call rates along the edges.
      rollups.metricSeriesTotals({
        metrics: CALL_METRICS,
        fromMs: window.fromMs,
        toMs: window.toMs,
      }),
    ]);
    const topology = withObservedCalls(
      view.topology,
      observedCalls(
        callSeries,
        name => resolveEntity({ service: name }, view.index),
        (window.toMs - window.fromMs) / MINUTE,
      ),
    );
    const entityRefs =
      this.options.scope === 'all'
        ? undefined
        : analysisEntityScope(incident.entityRef, topology, found, changes);
    await report(
      0.2,
      entityRefs
        ? `reading the series of ${entityRefs.length} entities around ${incident.entityRef}`
        : 'reading the series of every entity',
    );
    const [metrics, volume, counts] = await Promise.all([
      rollups.metricMinuteSeries({
        fromMs: baselineFromMs,
        toMs: window.toMs,
        entityRefs,
      }),
      rollups.logVolumeSeries({
        fromMs: baselineFromMs,
        toMs: window.toMs,
        entityRefs,
      }),
      templates.templateMinuteSeries(baselineFromMs, window.toMs, {
        entityRefs,
      }),
    ]);
    const lower = (ref: string) => ref.toLocaleLowerCase('en-US');
    // SLOs of the entities in scope that declare any, as of the window's end (the blast radius).
    const sloReports = this.deps.slo
      ? await this.deps.slo.reports(
          [...view.slos.keys()].filter(
            ref => !entityRefs || entityRefs.includes(ref),
          ),
          window.toMs,
        )
      : [];
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
      topology,
      anomalies: found.map(a => ({ ...a, entityRef: lower(a.entityRef) })),
      series,
      changes: changes.map(c =>
        c.entityRef ? { ...c, entityRef: lower(c.entityRef) } : c,
      ),
      slos: sloReports.flatMap(r =>
        r.errorBudgetRemaining !== undefined
          ? [
              {
                entityRef: r.entityRef,
                name: r.name,
                objective: r.objective,
                errorBudgetRemaining: r.errorBudgetRemaining,
              },
            ]
          : [],
      ),
      history: past
        .filter(p => p.incidentId !== incident.id)
        .map(p => ({
          id: p.incidentId,
          rootCauseEntityRef: p.entityRef,
          rootCauseKind: p.kind,
          atMs: p.atMs,
        })),
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
 * The entities whose series an analysis reads (lower-case refs), or undefined for every entity: the
 * alert entity's neighbourhood in the catalog (TopologyGraph.analysisScope) plus every entity with an
 * anomaly window or a change in the window. Undefined when the catalog does not place the alert entity.
 */
export function analysisEntityScope(
  alertEntityRef: string,
  topology: Topology,
  anomalies: ReadonlyArray<{ entityRef: string }>,
  changes: ReadonlyArray<{ entityRef?: string }>,
): string[] | undefined {
  const around = new TopologyGraph(topology).analysisScope(alertEntityRef);
  if (!around) return undefined;
  for (const x of [...anomalies, ...changes])
    if (x.entityRef) around.add(x.entityRef.toLocaleLowerCase('en-US'));
  return [...around].sort();
}

/**
 * Raw series for the analysis: every metric of every entity (the minute's mean, and the p95 of sketched
 * metrics), and per entity its log lines, error lines and lines per template per minute (zeros filled in
 * minutes where the entity logged nothing).
 */
export function buildSeries(
  metrics: MetricMinuteSeries[],
  volume: LogVolumeSeries[],
  counts: TemplateMinuteSeries[],
  fromMs: number,
  toMs: number,
): SeriesInput[] {
  const out: SeriesInput[] = [];
  for (const m of metrics) {
    if (m.means.length)
      out.push({
        entityRef: m.entityRef,
        metric: m.metric,
        kind: 'metric',
        tsMs: m.minutesMs,
        values: m.means,
      });
    if (m.p95?.values.length)
      out.push({
        entityRef: m.entityRef,
        metric: `${m.metric}:p95`,
        kind: 'metric',
        tsMs: m.p95.minutesMs,
        values: m.p95.values,
      });
  }
  // Count series: dense per minute, zeros where the entity logged nothing, but only from the first
  // minute any of these entities logged at all: before it there is no data (a fresh install, a
  // backfill), not a stretch of silence that would make every template look new.
  let firstLogged = Infinity;
  for (const v of volume)
    if (v.minutesMs.length) firstLogged = Math.min(firstLogged, v.minutesMs[0]);
  for (const c of counts)
    if (c.minutesMs.length) firstLogged = Math.min(firstLogged, c.minutesMs[0]);
  const first =
    Math.floor(
      Math.max(fromMs, Number.isFinite(firstLogged) ? firstLogged : fromMs) /
        MINUTE,
    ) * MINUTE;
  const minutes = Math.max(0, Math.ceil((toMs - first) / MINUTE));
  const dense = new Map<string, SeriesInput>();
  // Every dense series has the same minutes: one array, read-only downstream.
  const denseMinutes = Array.from(
    { length: minutes },
    (_, i) => first + i * MINUTE,
  );
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
        tsMs: denseMinutes,
        values: new Array(minutes).fill(0),
      };
      dense.set(key, s);
    }
    const i = Math.floor((minuteMs - first) / MINUTE);
    if (i >= 0 && i < minutes) s.values[i] += value;
  };
  for (const v of volume) {
    const make = (metric: string, kind: SeriesInput['kind']) => () => ({
      entityRef: v.entityRef,
      metric,
      kind,
    });
    for (let i = 0; i < v.minutesMs.length; i++) {
      count(
        `v\u0000${v.entityRef}`,
        make('log_lines', 'log-volume'),
        v.minutesMs[i],
        v.totals[i],
      );
      count(
        `e\u0000${v.entityRef}`,
        make('log_errors', 'log-errors'),
        v.minutesMs[i],
        v.errors[i],
      );
    }
  }
  for (const c of counts) {
    const key = `t\u0000${c.templateId}`;
    for (let i = 0; i < c.minutesMs.length; i++)
      count(
        key,
        () => ({
          entityRef: c.entityRef,
          metric: c.templateId,
          kind: 'template',
          template: c.template,
        }),
        c.minutesMs[i],
        c.counts[i],
      );
  }
  return [...out, ...dense.values()];
}
