// Aligns anomalies across entities and time: detector anomaly windows and raw-series scores are
// merged per series, then per entity (earliest strong onset, combined strength).
import type { Anomaly } from '@devops-copilot/backstage-plugin-copilot-common';
import { normalizeEntityRef } from './refs';
import { readSymptom } from './symptoms';
import type { EntityAnomaly, SeriesAnomaly } from './types';

/** Turns a detector's anomaly window into the correlation's unit (score weighted by symptom). */
export function fromDetectorAnomaly(a: Anomaly): SeriesAnomaly | undefined {
  const entityRef = normalizeEntityRef(a.entityRef);
  const onsetMs = Date.parse(a.windowFrom);
  if (!entityRef || !Number.isFinite(onsetMs)) return undefined;
  const metric = a.metric ?? a.templateId ?? a.kind;
  const reading = readSymptom(a.kind, metric, a.direction);
  const peakMs = Date.parse(a.peakAt);
  const endMs = Date.parse(a.windowTo);
  const relativeChange =
    a.value !== undefined &&
    a.expected !== undefined &&
    Math.abs(a.expected) > 1e-9
      ? (a.value - a.expected) / Math.abs(a.expected)
      : undefined;
  return {
    id: `ev:anomaly:${a.id}`,
    entityRef,
    seriesKey: a.seriesKey,
    kind: a.kind === 'metric' ? 'metric' : a.kind,
    metric,
    template:
      a.kind === 'template' || a.kind === 'novel-template'
        ? a.summary
        : undefined,
    onsetMs,
    peakMs: Number.isFinite(peakMs) ? peakMs : onsetMs,
    endMs: Number.isFinite(endMs) ? endMs : onsetMs,
    score: Math.max(0, Math.min(1, a.score)) * reading.weight,
    robustSigmas: a.robustSigmas ?? 0,
    direction: a.direction,
    baseline: a.expected,
    peakValue: a.value,
    relativeChange,
    symptom: reading.symptom,
    summary: a.summary,
  };
}

/**
 * Merges anomalies of the same series (same entity and series key): the stronger score wins, the
 * earlier onset is kept.
 */
export function mergeSeriesAnomalies(
  anomalies: ReadonlyArray<SeriesAnomaly>,
): SeriesAnomaly[] {
  const bySeries = new Map<string, SeriesAnomaly>();
  for (const a of anomalies) {
    const key = `${a.entityRef}|${a.seriesKey}`;
    const prev = bySeries.get(key);
    if (!prev) {
      bySeries.set(key, a);
      continue;
    }
    const [strong, weak] = prev.score >= a.score ? [prev, a] : [a, prev];
    bySeries.set(key, {
      ...strong,
      onsetMs: Math.min(strong.onsetMs, weak.onsetMs),
    });
  }
  return [...bySeries.values()];
}

/** Combines strengths: the strongest counts fully, the next two add a little (diminishing). */
export function combineStrengths(scores: number[]): number {
  const s = [...scores].sort((a, b) => b - a);
  let c = s[0] ?? 0;
  if (s.length > 1) c += (1 - c) * 0.3 * s[1];
  if (s.length > 2) c += (1 - c) * 0.15 * s[2];
  return c;
}

/** Options of `alignByEntity`. */
export interface AlignOptions {
  /** Entities whose combined strength is below this are dropped. Default 0.15. */
  minStrength?: number;
}

/**
 * Groups series anomalies per entity. The onset of an entity is the earliest onset among its strong
 * anomalies (score >= max(0.3, half its strongest)); failure and load strengths are combined
 * separately, since they propagate in opposite directions along calls.
 */
export function alignByEntity(
  anomalies: ReadonlyArray<SeriesAnomaly>,
  options: AlignOptions = {},
): Map<string, EntityAnomaly> {
  const minStrength = options.minStrength ?? 0.15;
  const grouped = new Map<string, SeriesAnomaly[]>();
  for (const a of anomalies) {
    const list = grouped.get(a.entityRef);
    if (list) list.push(a);
    else grouped.set(a.entityRef, [a]);
  }
  const out = new Map<string, EntityAnomaly>();
  for (const [entityRef, list] of grouped) {
    list.sort((a, b) => b.score - a.score || a.onsetMs - b.onsetMs);
    const failures = list.filter(a => a.symptom === 'failure');
    const loads = list.filter(a => a.symptom === 'load');
    const failure = combineStrengths(failures.map(a => a.score));
    const load = combineStrengths(loads.map(a => a.score));
    const strength = Math.max(failure, load);
    if (strength < minStrength) continue;
    const top = list[0].score;
    const strongCut = Math.min(top, Math.max(0.3, top / 2));
    let onsetMs = Infinity;
    for (const a of list)
      if (a.score >= strongCut) onsetMs = Math.min(onsetMs, a.onsetMs);
    let loadOnsetMs: number | undefined;
    for (const a of loads)
      if (a.score >= Math.min(loads[0].score, 0.3))
        loadOnsetMs = Math.min(loadOnsetMs ?? Infinity, a.onsetMs);
    out.set(entityRef, {
      entityRef,
      onsetMs,
      failure,
      load,
      loadOnsetMs,
      strength,
      anomalies: list,
    });
  }
  return out;
}
