import type {
  SloReport,
  SloSpec,
} from '@devops-copilot/backstage-plugin-copilot-common';
import type { RollupStore } from '../stores/RollupStore';
import type { CatalogIndex } from '../pipeline/CatalogIndex';
import {
  burnRate,
  errorBudgetRemaining,
  successRatio,
} from '../engine/slo/budget';

const HOUR = 3_600_000;

/** Ratio SLIs with these names may be computed from an error ratio and a request count, or from logs. */
const AVAILABILITY_NAMES = /^(availability|success(_rate|_ratio)?|uptime)$/i;
/** Per-minute error ratios, in the order tried. */
const ERROR_RATIO_METRICS = ['http_5xx_rate', 'error_rate', 'http_error_rate'];
/** Per-minute request counts, in the order tried. */
const REQUEST_METRICS = [
  'http_requests_total',
  'requests_total',
  'http_requests',
];

/** Share of good minutes of a threshold SLO that names none (`for 99%`). */
export const DEFAULT_TIME_SLICE_OBJECTIVE = 0.99;

interface Totals {
  good: number;
  total: number;
  source: string;
  /** Minutes of the window with data. */
  minutes: number;
}

/**
 * Evaluates the SLOs entities declare with `copilot.dev/slo` over the copilot's own rollups:
 *
 * - ratio SLOs (`availability: 99.9% over 30d`): a metric of that name (a success share, in percent or
 *   as a fraction; a failure share when its name says error/fail/5xx), else for availability-like names
 *   the minutes' error ratio (`http_5xx_rate`, `error_rate`) weighted by their requests
 *   (`http_requests_total`, ...), else that error ratio alone, else error and fatal log lines over all
 *   log lines;
 * - threshold SLOs (`latency_p95_ms < 300 for 99% over 7d`): the share of minutes whose value meets the
 *   threshold (`<metric>:p95` compares the minutes' p95 of a sketched metric).
 *
 * Each report carries the SLI, the error budget left and the burn rate of the last hour.
 */
export class SloService {
  constructor(
    private readonly deps: {
      catalog: CatalogIndex;
      rollups: RollupStore;
      timeSliceObjective?: number;
    },
  ) {}

  /** Entities (lower-case refs) that declare SLOs. */
  async entitiesWithSlos(nowMs = Date.now()): Promise<Set<string>> {
    const { slos } = await this.deps.catalog.get(nowMs);
    return new Set(slos.keys());
  }

  /** Reports of every SLO of the given entities that declare any, at `atMs`. */
  async reports(
    entityRefs: Iterable<string>,
    atMs = Date.now(),
  ): Promise<SloReport[]> {
    const { slos } = await this.deps.catalog.get(Date.now());
    const out: SloReport[] = [];
    for (const ref of new Set(
      [...entityRefs].map(r => r.toLocaleLowerCase('en-US')),
    )) {
      for (const spec of slos.get(ref) ?? [])
        out.push(await this.evaluate(ref, spec, atMs));
    }
    return out;
  }

  /** One SLO of one entity over the window ending at `atMs`. */
  async evaluate(
    entityRef: string,
    spec: SloSpec,
    atMs: number,
  ): Promise<SloReport> {
    const ratio = spec.comparator === undefined;
    const objective = ratio
      ? spec.objective!
      : spec.objective ??
        this.deps.timeSliceObjective ??
        DEFAULT_TIME_SLICE_OBJECTIVE;
    const fromMs = atMs - spec.windowMs;
    const report: SloReport = {
      entityRef,
      name: spec.name,
      type: ratio ? 'ratio' : 'threshold',
      objective,
      ...(ratio
        ? {}
        : { comparator: spec.comparator, threshold: spec.threshold }),
      window: spec.window,
      windowFrom: new Date(fromMs).toISOString(),
      windowTo: new Date(atMs).toISOString(),
    };
    const totals = (from: number) =>
      ratio
        ? this.ratioTotals(entityRef, spec.name, from, atMs)
        : this.thresholdTotals(entityRef, spec, from, atMs);
    const all = await totals(fromMs);
    if (!all) {
      report.missing = ratio
        ? `no data for ${spec.name}: no metric '${spec.name}'${
            AVAILABILITY_NAMES.test(spec.name)
              ? `, no error ratio (${ERROR_RATIO_METRICS.join(
                  ', ',
                )}) and no log lines`
              : ''
          } for ${entityRef} in the window`
        : `no data for ${spec.name}: no minutes of metric '${spec.name}' for ${entityRef} in the window`;
      return report;
    }
    const sli = all.total > 0 ? all.good / all.total : 1;
    report.source = all.source;
    report.good = round(all.good);
    report.total = round(all.total);
    report.minutesWithData = all.minutes;
    report.sli = sli;
    report.errorBudgetRemaining = errorBudgetRemaining(sli, objective);
    const lastHour = await totals(Math.max(fromMs, atMs - HOUR));
    if (lastHour && lastHour.total > 0)
      report.burnRate1h = burnRate(lastHour.good / lastHour.total, objective);
    return report;
  }

  private async ratioTotals(
    entityRef: string,
    name: string,
    fromMs: number,
    toMs: number,
  ): Promise<Totals | undefined> {
    const { rollups } = this.deps;
    /** A success (or failure) share per minute, from a metric of that name: every minute weighs the same. */
    const shareOf = async (metric: string): Promise<Totals | undefined> => {
      const t = await rollups.metricWindowTotals({
        entityRef,
        metric,
        fromMs,
        toMs,
      });
      if (t.minutes === 0) return undefined;
      const share = successRatio(metric, t.sum / t.minutes);
      return {
        good: share * t.minutes,
        total: t.minutes,
        source: `metric:${metric}`,
        minutes: t.minutes,
      };
    };
    const own = await shareOf(name);
    if (own) return own;
    if (!AVAILABILITY_NAMES.test(name)) return undefined;
    for (const errors of ERROR_RATIO_METRICS) {
      for (const requests of REQUEST_METRICS) {
        const w = await rollups.weightedErrorTotals({
          entityRef,
          errorRatioMetric: errors,
          requestsMetric: requests,
          fromMs,
          toMs,
        });
        if (w.minutes > 0 && w.total > 0) {
          const bad = Math.min(w.total, Math.max(0, w.bad));
          return {
            good: w.total - bad,
            total: w.total,
            source: `metric:${errors} x ${requests}`,
            minutes: w.minutes,
          };
        }
      }
      const alone = await shareOf(errors);
      if (alone) return alone;
    }
    const logs = await rollups.logTotals({ entityRef, fromMs, toMs });
    if (logs.lines > 0)
      return {
        good: logs.lines - logs.errors,
        total: logs.lines,
        source: 'logs',
        minutes: logs.minutes,
      };
    return undefined;
  }

  private async thresholdTotals(
    entityRef: string,
    spec: SloSpec,
    fromMs: number,
    toMs: number,
  ): Promise<Totals | undefined> {
    const p95 = spec.name.endsWith(':p95');
    const metric = p95 ? spec.name.slice(0, -':p95'.length) : spec.name;
    const t = await this.deps.rollups.metricWindowTotals({
      entityRef,
      metric,
      fromMs,
      toMs,
      p95,
      threshold: { comparator: spec.comparator!, value: spec.threshold! },
    });
    if (t.minutes === 0) return undefined;
    return {
      good: t.good,
      total: t.minutes,
      source: `metric:${spec.name}`,
      minutes: t.minutes,
    };
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
