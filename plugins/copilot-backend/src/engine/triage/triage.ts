// Turns per-entity error-rate verdicts into incidents to open: anomalous entities whose own dependencies
// are healthy are the probable origins; anomalous entities that depend on them (transitively) are affected.
import type { IncidentSeverity } from '@devops-copilot/backstage-plugin-copilot-common';
import {
  buildErrorRateSeries,
  MINUTE_MS,
  type ErrorRateSeries,
  type SignalLike,
} from './errorRate';
import {
  DEFAULT_BASELINE_OPTIONS,
  testLatest,
  type BaselineOptions,
  type BaselineVerdict,
} from './robustBaseline';

/** A change that may explain an anomaly. */
export interface ChangeLike {
  entityRef?: string;
  kind: string;
  tsMs: number;
  version?: string;
  author?: string;
  diffSummary?: string;
}

/** What the pipeline should open (or refresh) as an incident. */
export interface TriageFinding {
  entityRef: string;
  fingerprint: string;
  title: string;
  summary: string;
  severity: IncidentSeverity;
  onsetMs: number;
  affectedEntityRefs: string[];
  labels: Record<string, string>;
}

export interface TriageResult {
  findings: TriageFinding[];
  verdicts: Map<string, BaselineVerdict & { basis: ErrorRateSeries['basis'] }>;
}

export interface TriageInput {
  /** Raw signals to build the error-rate series from, when `series` is not given. */
  signals?: Iterable<SignalLike>;
  /** Error-rate series already built (from the per-minute rollups). */
  series?: ErrorRateSeries[];
  changes: ChangeLike[];
  /** entity ref -> entity refs it depends on (catalog dependsOn). */
  dependsOn: Map<string, string[]>;
  nowMs: number;
  options?: Partial<BaselineOptions> & { changeLookbackMinutes?: number };
}

const pct = (v: number) => `${(v * 100).toFixed(v < 0.01 ? 2 : 1)}%`;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const nameOf = (ref: string) => ref.slice(ref.indexOf('/') + 1);

// Severity follows the share of failing requests (or error lines), not the sigmas: a quiet service's
// small rise can be many sigmas and still hurt few users.
function severityOf(value: number): IncidentSeverity {
  if (value >= 0.2) return 'critical';
  if (value >= 0.08) return 'high';
  return 'medium';
}

export function triage(input: TriageInput): TriageResult {
  const options = { ...DEFAULT_BASELINE_OPTIONS, ...input.options };
  const lookbackMs = (input.options?.changeLookbackMinutes ?? 15) * MINUTE_MS;
  const verdicts: TriageResult['verdicts'] = new Map();
  for (const series of input.series ??
    buildErrorRateSeries(input.signals ?? [])) {
    verdicts.set(series.entityRef, {
      ...testLatest(series.points, input.nowMs, options),
      basis: series.basis,
    });
  }
  const anomalous = new Set(
    [...verdicts]
      .filter(([, v]) => v.state === 'anomalous')
      .map(([ref]) => ref),
  );

  // Reverse edges: who depends on whom.
  const dependents = new Map<string, string[]>();
  for (const [from, tos] of input.dependsOn) {
    for (const to of tos) {
      const list = dependents.get(to) ?? [];
      list.push(from);
      dependents.set(to, list);
    }
  }
  const reachesAnomalousDependency = (ref: string): boolean => {
    const seen = new Set<string>();
    const stack = [...(input.dependsOn.get(ref) ?? [])];
    while (stack.length) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      if (anomalous.has(next)) return true;
      stack.push(...(input.dependsOn.get(next) ?? []));
    }
    return false;
  };

  const findings: TriageFinding[] = [];
  for (const ref of [...anomalous].sort()) {
    if (reachesAnomalousDependency(ref)) continue; // a symptom of something further down
    const v = verdicts.get(ref)!;
    if (v.state !== 'anomalous') continue;

    const affected = new Set<string>();
    const stack = [...(dependents.get(ref) ?? [])];
    while (stack.length) {
      const next = stack.pop()!;
      if (affected.has(next) || !anomalous.has(next)) continue;
      affected.add(next);
      stack.push(...(dependents.get(next) ?? []));
    }

    const what = v.basis === 'http_5xx_rate' ? '5xx rate' : 'error-log ratio';
    const change = input.changes
      .filter(
        c =>
          c.entityRef === ref &&
          c.tsMs <= v.onsetMs + MINUTE_MS &&
          c.tsMs >= v.onsetMs - lookbackMs,
      )
      .sort((a, b) => b.tsMs - a.tsMs)[0];
    const parts = [
      `${what} ${pct(v.value)} (peak ${pct(v.peak)}) vs baseline ${pct(
        v.median,
      )}, ${v.sigmas.toFixed(1)} robust sigmas, since ${hhmm(v.onsetMs)} UTC`,
    ];
    if (change) {
      const who = change.author ? ` by ${change.author}` : '';
      const version = change.version ? ` ${change.version}` : '';
      const diff = change.diffSummary ? ` (${change.diffSummary})` : '';
      parts.push(
        `${change.kind.replace('_', ' ')}${version}${who} at ${hhmm(
          change.tsMs,
        )} UTC${diff}`,
      );
    }
    if (affected.size > 0) {
      parts.push(
        `also elevated upstream: ${[...affected]
          .sort()
          .map(nameOf)
          .join(', ')}`,
      );
    }
    findings.push({
      entityRef: ref,
      fingerprint: `detector:error-rate:${ref}`,
      title: `Elevated ${what} on ${nameOf(ref)}`,
      summary: `${parts.join('; ')}.`,
      severity: severityOf(v.peak),
      onsetMs: v.onsetMs,
      affectedEntityRefs: [...affected].sort(),
      labels: {
        detector: 'error-rate',
        basis: v.basis,
        ...(change?.version ? { suspect_version: change.version } : {}),
      },
    });
  }
  return { findings, verdicts };
}
