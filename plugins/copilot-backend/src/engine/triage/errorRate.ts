// Per-entity, per-minute error-rate series from raw signals: the `http_5xx_rate` metric when an entity
// reports it, otherwise the share of error-level log lines (level label, JSON/logfmt level, or the text).
import type { SignalKind } from '@devops-copilot/backstage-plugin-copilot-common';

/** The parts of a stored signal the series builder reads. */
export interface SignalLike {
  entityRef?: string;
  kind: SignalKind;
  tsMs: number;
  key?: string;
  value?: number;
  text?: string;
  labels: Record<string, string>;
}

/** One minute of an error-rate series. */
export interface MinutePoint {
  minuteMs: number;
  value: number;
  /** How many observations the value aggregates (metric points or log lines). */
  n?: number;
}

/** Which measurement a series was built from. */
export type ErrorRateBasis = 'http_5xx_rate' | 'error_logs';

export interface ErrorRateSeries {
  entityRef: string;
  basis: ErrorRateBasis;
  points: MinutePoint[];
}

const ERROR_LEVELS = new Set([
  'error',
  'err',
  'fatal',
  'critical',
  'crit',
  'alert',
  'emerg',
  'severe',
  'panic',
]);
const TEXT_LEVEL =
  /(?:^|[\s"'[(|])(?:level|lvl|severity)?["']?[=:]?\s*["']?(ERROR|FATAL|CRITICAL|SEVERE|PANIC|E\d{4})\b/i;
const HTTP_5XX = /"\s*5\d\d\s+\d+|\bstatus[=:]\s*"?5\d\d\b/;

export const MINUTE_MS = 60_000;

/** True when a log line is at error level or worse. */
export function isErrorLog(
  text: string | undefined,
  labels: Record<string, string>,
): boolean {
  const label = labels.level ?? labels.severity ?? labels.lvl;
  if (label) return ERROR_LEVELS.has(label.toLocaleLowerCase('en-US'));
  if (!text) return false;
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const level =
        parsed.level ?? parsed.severity ?? parsed.lvl ?? parsed['log.level'];
      if (typeof level === 'string')
        return ERROR_LEVELS.has(level.toLocaleLowerCase('en-US'));
      const status = Number(parsed.status ?? parsed.status_code);
      if (Number.isFinite(status)) return status >= 500;
    } catch {
      // not JSON after all: fall back to the text patterns
    }
  }
  return TEXT_LEVEL.test(text) || HTTP_5XX.test(text);
}

/** Builds one error-rate series per entity; signals without an entity are ignored. */
export function buildErrorRateSeries(
  signals: Iterable<SignalLike>,
): ErrorRateSeries[] {
  type Acc = {
    metricSum: Map<number, number>;
    metricN: Map<number, number>;
    logs: Map<number, number>;
    errors: Map<number, number>;
  };
  const byEntity = new Map<string, Acc>();
  for (const s of signals) {
    if (!s.entityRef) continue;
    let acc = byEntity.get(s.entityRef);
    if (!acc) {
      acc = {
        metricSum: new Map(),
        metricN: new Map(),
        logs: new Map(),
        errors: new Map(),
      };
      byEntity.set(s.entityRef, acc);
    }
    const minute = Math.floor(s.tsMs / MINUTE_MS) * MINUTE_MS;
    if (
      s.kind === 'metric' &&
      s.key === 'http_5xx_rate' &&
      s.value !== undefined &&
      Number.isFinite(s.value)
    ) {
      acc.metricSum.set(minute, (acc.metricSum.get(minute) ?? 0) + s.value);
      acc.metricN.set(minute, (acc.metricN.get(minute) ?? 0) + 1);
    } else if (s.kind === 'log') {
      acc.logs.set(minute, (acc.logs.get(minute) ?? 0) + 1);
      if (isErrorLog(s.text, s.labels))
        acc.errors.set(minute, (acc.errors.get(minute) ?? 0) + 1);
    }
  }
  const out: ErrorRateSeries[] = [];
  for (const [entityRef, acc] of byEntity) {
    if (acc.metricN.size > 0) {
      const points = [...acc.metricN.keys()]
        .sort((a, b) => a - b)
        .map(m => ({
          minuteMs: m,
          value: acc.metricSum.get(m)! / acc.metricN.get(m)!,
        }));
      out.push({ entityRef, basis: 'http_5xx_rate', points });
    } else if (acc.logs.size > 0) {
      const points = [...acc.logs.keys()]
        .sort((a, b) => a - b)
        .map(m => ({
          minuteMs: m,
          value: (acc.errors.get(m) ?? 0) / acc.logs.get(m)!,
        }));
      out.push({ entityRef, basis: 'error_logs', points });
    }
  }
  return out.sort((a, b) => a.entityRef.localeCompare(b.entityRef));
}

/** Per-minute rollup of a metric of one entity (mean = sum / count). */
export interface MetricRollupPoint {
  entityRef: string;
  minuteMs: number;
  sum: number;
  count: number;
}

/** Per-minute log volume of one entity. */
export interface LogVolumeRollupPoint {
  entityRef: string;
  minuteMs: number;
  total: number;
  errors: number;
}

/**
 * Error-rate series from the per-minute rollups: the mean `http_5xx_rate` when an entity reports it,
 * otherwise its share of error-level log lines.
 */
export function errorRateSeriesFromRollups(
  metric: Iterable<MetricRollupPoint>,
  logs: Iterable<LogVolumeRollupPoint>,
): ErrorRateSeries[] {
  const byMetric = new Map<string, MinutePoint[]>();
  for (const p of metric) {
    if (p.count <= 0) continue;
    const list = byMetric.get(p.entityRef) ?? [];
    list.push({ minuteMs: p.minuteMs, value: p.sum / p.count, n: p.count });
    byMetric.set(p.entityRef, list);
  }
  const byLogs = new Map<string, MinutePoint[]>();
  for (const p of logs) {
    if (byMetric.has(p.entityRef) || p.total <= 0) continue;
    const list = byLogs.get(p.entityRef) ?? [];
    list.push({ minuteMs: p.minuteMs, value: p.errors / p.total, n: p.total });
    byLogs.set(p.entityRef, list);
  }
  const out: ErrorRateSeries[] = [];
  const sorted = (points: MinutePoint[]) =>
    points.sort((a, b) => a.minuteMs - b.minuteMs);
  for (const [entityRef, points] of byMetric)
    out.push({ entityRef, basis: 'http_5xx_rate', points: sorted(points) });
  for (const [entityRef, points] of byLogs)
    out.push({ entityRef, basis: 'error_logs', points: sorted(points) });
  return out.sort((a, b) => a.entityRef.localeCompare(b.entityRef));
}
