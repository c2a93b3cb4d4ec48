// Change-impact likelihood: how likely a change event caused the anomalies, from timing (the onset
// follows the change, decaying with the gap; a change after onset is counter-evidence), topology
// (the changed entity is the anomalous one, or a dependency of anomalous ones) and history.
import { normalizeEntityRef } from './refs';
import type { TopologyGraph } from './topology';
import type { ChangeEventInput, EntityAnomaly, PastIncident } from './types';

/** Root-cause kinds a change can directly stand for. */
export type ChangeCauseKind = 'bad_deploy' | 'config_change' | 'flag_flip';

/** Maps a change event kind to the root-cause kind it would be (`deploy` -> `bad_deploy`, ...). */
export function changeCauseKind(kind: string): ChangeCauseKind {
  const k = kind.toLocaleLowerCase('en-US');
  if (/flag|feature|experiment|toggle/.test(k)) return 'flag_flip';
  if (/config|setting|param|secret|env/.test(k)) return 'config_change';
  return 'bad_deploy';
}

/** How the changed entity relates to the anomalies. */
export type ChangeRelation = 'self' | 'dependency' | 'unrelated' | 'unknown';

/** The assessed impact of one change event. */
export interface ChangeImpact {
  change: ChangeEventInput;
  /** Normalized ref of the changed entity. */
  entityRef?: string;
  relation: ChangeRelation;
  /** The onset the change was compared with. */
  onsetMs?: number;
  /** onset - change time (negative: the change came after the onset). */
  gapMs?: number;
  /** Whether the change came after the onset it was compared with (counter-evidence). */
  afterOnset: boolean;
  /** Timing factor in [0, 1]. */
  timing: number;
  /** Topology factor in [0, 1]. */
  topology: number;
  /** Odds multiplier from history (>= 1). */
  historyFactor: number;
  /** Combined likelihood in [0, 1]. */
  likelihood: number;
  /** One sentence on how the likelihood came about. */
  reason: string;
}

/** Tuning of `assessChanges`. */
export interface ChangeImpactOptions {
  /** Decay constant of the timing factor. Default 10 minutes. */
  decayMs?: number;
  /** Tolerance for clock skew and series granularity. Default 60 s. */
  skewMs?: number;
}

const TOPOLOGY_FACTOR: Record<ChangeRelation, number> = {
  self: 1,
  dependency: 0.5,
  unrelated: 0.05,
  unknown: 0.2,
};

/**
 * How surely a change of this kind reached production: a commit or a CI run may not have been deployed
 * (a GitOps commit or a CD run that ships is better sent as a deploy), so its likelihood is halved.
 */
function productionReach(kind: string): number {
  return /^(commit|ci_run|ci|build|pipeline)$/i.test(kind) ? 0.5 : 1;
}

const minutes = (ms: number) => `${(Math.abs(ms) / 60_000).toFixed(1)} min`;

const RELATION_TEXT: Record<ChangeRelation, string> = {
  self: 'itself anomalous',
  dependency: 'a dependency of anomalous entities',
  unrelated: 'not related to the anomalies',
  unknown: 'not in the catalog',
};

function describe(
  what: string,
  gapMs: number | undefined,
  afterOnset: boolean,
  relation: ChangeRelation,
  historyFactor: number,
): string {
  if (gapMs === undefined) return `${what}: no anomaly to compare with`;
  if (afterOnset)
    return `${what} came ${minutes(
      gapMs,
    )} after the onset: it cannot have started it`;
  const history =
    historyFactor > 1 ? '; similar changes caused incidents here before' : '';
  return `${what} ${minutes(gapMs)} before the onset; the changed entity is ${
    RELATION_TEXT[relation]
  }${history}`;
}

/**
 * Assesses every change against the aligned anomalies. The onset a change is compared with is its
 * own entity's onset when that entity is anomalous, else the earliest onset among the anomalous
 * entities depending on it (transitively), else the earliest onset overall (and then the change is
 * unrelated).
 */
export function assessChanges(
  changes: ReadonlyArray<ChangeEventInput>,
  entities: ReadonlyMap<string, EntityAnomaly>,
  graph: TopologyGraph,
  history: ReadonlyArray<PastIncident> = [],
  options: ChangeImpactOptions = {},
): ChangeImpact[] {
  const decay = options.decayMs ?? 10 * 60_000;
  const skew = options.skewMs ?? 60_000;
  let globalOnset = Infinity;
  for (const e of entities.values())
    globalOnset = Math.min(globalOnset, e.onsetMs);
  return changes.map(change => {
    const entityRef = change.entityRef
      ? normalizeEntityRef(change.entityRef, { kind: 'component' })
      : undefined;
    let relation: ChangeRelation = 'unknown';
    let onsetMs: number | undefined;
    if (entityRef && entities.has(entityRef)) {
      relation = 'self';
      onsetMs = entities.get(entityRef)!.onsetMs;
    } else if (entityRef) {
      for (const dependent of graph.transitiveDependents(entityRef).keys()) {
        const e = entities.get(dependent);
        if (e) onsetMs = Math.min(onsetMs ?? Infinity, e.onsetMs);
      }
      relation = onsetMs !== undefined ? 'dependency' : 'unrelated';
    }
    if (onsetMs === undefined && Number.isFinite(globalOnset))
      onsetMs = globalOnset;
    const gapMs = onsetMs !== undefined ? onsetMs - change.tsMs : undefined;
    const afterOnset = gapMs !== undefined && gapMs < -skew;
    const timing =
      gapMs === undefined || afterOnset
        ? 0
        : Math.exp(-Math.max(0, gapMs - skew) / decay);
    const topology = TOPOLOGY_FACTOR[relation];
    const cause = changeCauseKind(change.kind);
    let historyFactor = 1;
    if (entityRef) {
      for (const h of history) {
        if (normalizeEntityRef(h.rootCauseEntityRef) !== entityRef) continue;
        historyFactor *= h.rootCauseKind === cause ? 2 : 1.25;
      }
      historyFactor = Math.min(historyFactor, 4);
    }
    const reach = productionReach(change.kind);
    const base = Math.min(0.98, timing * topology * reach);
    const odds = (base / (1 - base)) * historyFactor;
    const likelihood = Math.min(0.99, odds / (1 + odds));
    const what = `${change.kind}${change.version ? ` ${change.version}` : ''}`;
    const reason = `${describe(
      what,
      gapMs,
      afterOnset,
      relation,
      historyFactor,
    )}${
      reach < 1 && !afterOnset && gapMs !== undefined
        ? '; a commit or CI run may not have reached production'
        : ''
    }`;
    return {
      change,
      entityRef,
      relation,
      onsetMs,
      gapMs,
      afterOnset,
      timing,
      topology,
      historyFactor,
      likelihood,
      reason,
    };
  });
}
