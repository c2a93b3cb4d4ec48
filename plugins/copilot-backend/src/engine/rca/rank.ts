// Candidate root causes and their ranking score. A candidate is an anomalous entity or a changed
// one. The score is log-linear (fixed weights, WEIGHTS) over:
// - own: its anomaly strength (with an alert naming a symptom, that symptom counts fully and other
//   deviations half; a load root counts its load increase where it did harm), discounted by the
//   share of it that is a transient already over when no change and no spread back it;
// - explained: the share of the incident's anomaly mass it accounts for along the dependency graph
//   (failures propagate to callers, load to callees), counting only entities whose onset is not
//   before its own;
// - penalty: one of its own dependencies was anomalous as early (it is then likely a victim), and
//   loadPenalty: it sits on the call path of a load root whose traffic rose first;
// - magnitudes: latency adds up along synchronous calls, so a dependency that only got slower
//   accounts for a caller's symptoms only as far as its own added latency goes (`latencyShare`,
//   `inheritedShare`): it weighs the victim penalty, and, for a latency alert, the explained share
//   and the relation to the alert;
// - preexisting: its symptom was there well before the alert entity's (longer than propagation
//   takes) while the alert entity stayed healthy: background, not what set the incident off;
// - earliness: its onset against the alert's symptom onset (or the incident's first onset);
// - change: the likelihood of its best change (correlate/changes.ts);
// - alert: how strongly the alert entity reaches it through anomalous callers (widest path);
// - a prior by catalog type (typePriors).
import type { ChangeImpact } from '../correlate/changes';
import type { TopologyGraph } from '../correlate/topology';
import type { EntityAnomaly } from '../correlate/types';

/** Everything the ranking knows about one candidate. */
export interface Candidate {
  entityRef: string;
  /** Own failure / load strength and the max of both as counted for the candidate. */
  failure: number;
  load: number;
  own: number;
  /** The entity is where a load increase enters (no caller saw it first). */
  loadRoot: boolean;
  onsetMs?: number;
  /** Share of all anomaly mass this candidate explains, in [0, 1]. */
  explained: number;
  /** The incident's total anomaly mass the share is of (same for every candidate). */
  totalMass: number;
  /** Anomalous entities (besides itself) it explains, nearest first. */
  explains: string[];
  /** Anomaly mass per explained entity (for overlap between candidates). */
  explainedMass: Map<string, number>;
  /** An anomalous dependency with an onset as early as its own: it is likely a victim. */
  victimOf?: { entityRef: string; onsetMs: number; strength: number };
  penalty: number;
  /** A load root upstream whose traffic increase explains this candidate's symptoms. */
  overloadedBy?: string;
  loadPenalty: number;
  earliness: number;
  /** The most likely change on this entity, if any. */
  change?: ChangeImpact;
  changeLikelihood: number;
  /** 1 when the alert entity is it or depends on it (or there is no alert), less otherwise. */
  alertRelated: number;
  /** In [0, 1]: its symptom predates the alert entity's by more than propagation explains. */
  preexisting: number;
  /**
   * In [0, 1]: how far its own anomalies are a transient that is already over (recovered series,
   * weighted by strength), counted only when nothing else backs it: no likely change and no
   * anomaly that spread to other entities. `own` is already discounted by it.
   */
  transient: number;
  score: number;
}

/** Inputs of `rankCandidates`. */
export interface RankContext {
  entities: ReadonlyMap<string, EntityAnomaly>;
  graph: TopologyGraph;
  impacts: ReadonlyArray<ChangeImpact>;
  alertEntityRef?: string;
  /** Tolerance when comparing onsets (one series step, at least a minute). */
  slackMs: number;
  /**
   * Per entity, the strength of the anomalies matching the alert's symptom (its latency, its
   * errors, ...): the anomalous path from the alert follows these. Default: failure strength.
   */
  pathStrength?: ReadonlyMap<string, number>;
  /** When the alert fired (dates the alert's symptom when its entity shows none). */
  alertAtMs?: number;
  /**
   * The first clear sign of the alert's symptom at the alert entity (default: its entry in
   * `symptomOnset`).
   */
  alertSymptomOnset?: number;
  /** Per entity, the onset of its strong anomalies matching the alert's symptom. */
  symptomOnset?: ReadonlyMap<string, number>;
  /** Score offsets by catalog `spec.type` (see `AnalyzeOptions.typePriors`). */
  typePriors?: Readonly<Record<string, number>>;
  /**
   * Per entity, the absolute rise of each latency series (metric -> peak minus baseline, in the
   * series' unit), when the alert is about latency. Latency adds up along synchronous calls, so a
   * dependency can only account for as much of a caller's rise as it rose itself.
   */
  latencyRise?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Entities whose failure symptoms are all latency (slower, not failing). */
  latencyOnly?: ReadonlySet<string>;
  /** The alert names a latency symptom: magnitudes also weigh what a candidate explains. */
  latencyAlert?: boolean;
}

/** Weights of the log-linear score (fixed by design, not learned; see the module comment). */
export const WEIGHTS = {
  own: 3,
  explained: 2,
  penalty: 3,
  loadPenalty: 2.5,
  earliness: 0.7,
  change: 3,
  alert: 2,
  preexisting: 3,
} as const;

const EARLINESS_DECAY_MS = 5 * 60_000;
/**
 * Traffic flows from callers to callees within seconds, but ramps cross a detection threshold at
 * different times per series: a caller whose load rose within this much after an entity's is
 * still taken as where the load came from.
 */
const LOAD_TOLERANCE_MS = 5 * 60_000;

/**
 * Load strength an entity needs to be where a load increase enters: the same bar as a traffic
 * surge in classify.ts (a faint rise in requests, within a few sigmas, is ordinary traffic drift).
 */
const LOAD_ROOT_MIN = 0.4;

function isLoadRoot(
  ref: string,
  e: EntityAnomaly | undefined,
  ctx: RankContext,
): boolean {
  if (!e || e.load < LOAD_ROOT_MIN || e.loadOnsetMs === undefined) return false;
  // A load rise that follows the entity's own failure is retries or a consequence, not a cause.
  if (e.failure >= 0.3 && e.loadOnsetMs > e.onsetMs + ctx.slackMs) return false;
  for (const d of ctx.graph.transitiveDependents(ref).keys()) {
    const other = ctx.entities.get(d);
    if (
      other &&
      other.loadOnsetMs !== undefined &&
      other.load >= 0.5 * e.load &&
      other.loadOnsetMs <=
        e.loadOnsetMs + Math.max(ctx.slackMs, LOAD_TOLERANCE_MS)
    )
      return false;
  }
  return true;
}

/** Failure strength an entity needs to carry a symptom along an anomalous path. */
const PATH_MIN_FAILURE = 0.2;
/** A path whose weakest link is at least this strong relates a candidate fully to the alert. */
const PATH_FULL_WIDTH = 0.6;

/**
 * Entities reachable from the alert entity by calls through anomalous entities only (the symptom
 * can have travelled along such a path: anomaly traversal), each with the path's bottleneck: the
 * weakest intermediate anomaly on its strongest path (1 for the alert entity and its direct
 * dependencies). The end of a path may be healthy (a changed entity whose callers broke).
 */
function anomalousPathFrom(
  alertRef: string,
  ctx: RankContext,
): Map<string, number> {
  const strength = (r: string) =>
    ctx.pathStrength
      ? ctx.pathStrength.get(r) ?? 0
      : ctx.entities.get(r)?.failure ?? 0;
  // Widest-path search; the alert asserts its own entity's symptom, detected here or not.
  const best = new Map<string, number>([[alertRef, 1]]);
  const queue: Array<[string, number]> = [[alertRef, 1]];
  while (queue.length) {
    let k = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i][1] > queue[k][1]) k = i;
    const [x, width] = queue.splice(k, 1)[0];
    if (width < (best.get(x) ?? 0)) continue;
    const carried = x === alertRef ? 1 : Math.min(width, strength(x));
    if (x !== alertRef && strength(x) < PATH_MIN_FAILURE) continue;
    for (const y of ctx.graph.dependenciesOf(x)) {
      if (carried <= (best.get(y) ?? 0)) continue;
      best.set(y, carried);
      queue.push([y, carried]);
    }
  }
  return best;
}

/** How long before the alert's symptom a root's onset is fully plausible. */
const LEAD_MS = 15 * 60_000;

/**
 * Timing in [0, 1]. With the alert entity's onset known: 1 when the candidate's onset precedes it
 * by up to LEAD_MS, decaying for earlier onsets (a condition that long predates the symptom is
 * less likely its trigger), 0 when it starts after the symptom. Otherwise: earliness against the
 * first onset of the incident.
 */
function timingScore(
  onsetMs: number | undefined,
  firstOnset: number,
  alertOnset: number | undefined,
  slackMs: number,
): number {
  if (onsetMs === undefined) return 0;
  if (alertOnset !== undefined) {
    const lead = alertOnset - onsetMs;
    if (lead < -slackMs) return 0;
    if (lead <= LEAD_MS + slackMs) return 1;
    return Math.exp(-(lead - LEAD_MS - slackMs) / (2 * EARLINESS_DECAY_MS));
  }
  if (!Number.isFinite(firstOnset)) return 0;
  return Math.exp(
    -Math.max(0, onsetMs - firstOnset - slackMs) / EARLINESS_DECAY_MS,
  );
}

/** How long the same symptom may show at the root before it shows at the alert entity. */
const SYMPTOM_LEAD_MS = 2 * 60_000;

/**
 * Timing of the alert's own symptom (e.g. latency) at the candidate vs at the alert entity: a
 * symptom travels up the call graph within minutes, so it should show at the root at most a few
 * minutes earlier, and not later.
 */
function symptomTiming(
  ownOnset: number,
  alertOnset: number,
  slackMs: number,
): number {
  const lead = alertOnset - ownOnset;
  if (lead < -slackMs) return 0;
  if (lead <= SYMPTOM_LEAD_MS + slackMs) return 1;
  return Math.exp(
    -(lead - SYMPTOM_LEAD_MS - slackMs) / (2 * EARLINESS_DECAY_MS),
  );
}

/**
 * A dependency whose latency rose by this share of a caller's rise (same metric) can fully account
 * for it; less, and it accounts for proportionally less.
 */
const MAGNITUDE_FULL_SHARE = 0.2;

/**
 * How much of `to`'s latency rise `from`'s own rise can account for, in [0, 1]: per latency metric
 * both have, min(1, rise(from) / (MAGNITUDE_FULL_SHARE * rise(to))), the least over the metrics (it
 * must account for every statistic that rose: mean, median, tail). 1
 * when not comparable (no latency rise known for either, or no metric in common).
 */
export function latencyShare(
  rise: ReadonlyMap<string, ReadonlyMap<string, number>> | undefined,
  from: string,
  to: string,
): number {
  const a = rise?.get(from);
  const b = rise?.get(to);
  if (!a || !b || from === to) return 1;
  let sum = 0;
  let n = 0;
  for (const [metric, rb] of b) {
    const ra = a.get(metric);
    if (ra === undefined || !(rb > 0)) continue;
    sum += Math.min(1, Math.max(0, ra) / (MAGNITUDE_FULL_SHARE * rb));
    n++;
  }
  return n ? sum / n : 1;
}

/**
 * How much of `to`'s symptoms `from` (a dependency) can account for through latency: a dependency
 * that only got slower passes on at most its own added latency, so a caller whose latency rose far
 * more, or did not rise at all, did not inherit its failure from it. 1 when `from` also fails in
 * other ways (errors, saturation) or when magnitudes are unknown.
 */
function inheritedShare(ctx: RankContext, from: string, to: string): number {
  if (!ctx.latencyRise) return 1;
  if (
    ctx.latencyOnly?.has(from) &&
    ctx.latencyRise.has(from) &&
    !ctx.latencyRise.has(to)
  )
    return 0;
  if (!ctx.latencyOnly?.has(from) && !ctx.latencyAlert) return 1;
  return latencyShare(ctx.latencyRise, from, to);
}

/**
 * Beyond this lead over the alert entity's own symptom, a candidate's symptom was already there
 * while the alert entity was still healthy: pre-existing rather than what set the incident off.
 */
const PREEXISTING_LEAD_MS = SYMPTOM_LEAD_MS + 60_000;
const PREEXISTING_DECAY_MS = 2.5 * 60_000;

/**
 * How long after its symptom's onset an alert is assumed to fire, when the symptom itself was not
 * detected at the alert entity (SLO alerts evaluate over a few minutes).
 */
const ALERT_DELAY_MS = 5 * 60_000;

/** In [0, 1]: how clearly a symptom this far ahead of the alert's was pre-existing. */
function preexistingScore(lead: number): number {
  if (lead <= PREEXISTING_LEAD_MS) return 0;
  return 1 - Math.exp(-(lead - PREEXISTING_LEAD_MS) / PREEXISTING_DECAY_MS);
}

/**
 * When the alert's symptom started at the alert entity, and whether that was detected in its
 * series. Detected, it is still no later than the alert (within a sampling step): the alert asserts
 * its symptom by the time it fired. Not detected, the alert itself dates it: it fired up to an
 * evaluation delay (ALERT_DELAY_MS) after the onset.
 */
function alertSymptomOnsetOf(ctx: RankContext): {
  onsetMs?: number;
  detected: boolean;
} {
  const detected = ctx.alertEntityRef
    ? ctx.alertSymptomOnset ?? ctx.symptomOnset?.get(ctx.alertEntityRef)
    : undefined;
  if (detected !== undefined) {
    const cap =
      ctx.alertAtMs !== undefined ? ctx.alertAtMs + ctx.slackMs : Infinity;
    return { onsetMs: Math.min(detected, cap), detected: true };
  }
  if (ctx.symptomOnset && ctx.alertAtMs !== undefined)
    return { onsetMs: ctx.alertAtMs - ALERT_DELAY_MS, detected: false };
  return { detected: false };
}

/**
 * A change this likely backs a candidate on its own: the bar at which a change is named as the
 * cause in statements (analyze.ts). Below it, a recovered anomaly is all the candidate has.
 */
const TRANSIENT_MAX_CHANGE = 0.3;

/** Anomalies weaker than this are noise of the entity, not part of its symptom. */
const TRANSIENT_MIN_SCORE = 0.1;

/** Strength-weighted share of an entity's anomalies whose series have recovered, in [0, 1]. */
export function recoveredShare(e: EntityAnomaly | undefined): number {
  if (!e) return 0;
  let all = 0;
  let over = 0;
  for (const a of e.anomalies) {
    if (a.score < TRANSIENT_MIN_SCORE) continue;
    all += a.score;
    if (a.recovered) over += a.score;
  }
  return all > 0 ? over / all : 0;
}

/** Scores every candidate; the result is sorted best first. */
export function rankCandidates(ctx: RankContext): Candidate[] {
  const { entities, graph, slackMs } = ctx;
  const refs = new Set<string>(entities.keys());
  const bestChange = new Map<string, ChangeImpact>();
  for (const impact of ctx.impacts) {
    if (!impact.entityRef || impact.afterOnset) continue;
    refs.add(impact.entityRef);
    const prev = bestChange.get(impact.entityRef);
    if (!prev || impact.likelihood > prev.likelihood)
      bestChange.set(impact.entityRef, impact);
  }
  // Changes after onset still make their entity a candidate (to cite them as counter-evidence).
  for (const impact of ctx.impacts)
    if (impact.entityRef) refs.add(impact.entityRef);

  let firstOnset = Infinity;
  for (const e of entities.values())
    if (e.strength >= 0.3) firstOnset = Math.min(firstOnset, e.onsetMs);
  const loadRoots = new Map<string, EntityAnomaly>();
  for (const [ref, e] of entities)
    if (isLoadRoot(ref, e, ctx)) loadRoots.set(ref, e);
  const alertDeps = ctx.alertEntityRef
    ? graph.transitiveDependencies(ctx.alertEntityRef)
    : undefined;
  const alertDependents = ctx.alertEntityRef
    ? graph.transitiveDependents(ctx.alertEntityRef)
    : undefined;
  const onPath = ctx.alertEntityRef
    ? anomalousPathFrom(ctx.alertEntityRef, ctx)
    : undefined;
  // With an alert, "earliest" is among the anomalies its symptom can have come from: unrelated
  // background anomalies elsewhere do not make the incident's own root look late.
  if (onPath) {
    let pathFirst = Infinity;
    for (const r of onPath.keys()) {
      const e = entities.get(r);
      if (e && e.strength >= 0.3) pathFirst = Math.min(pathFirst, e.onsetMs);
    }
    if (Number.isFinite(pathFirst)) firstOnset = pathFirst;
  }
  // The incident's anomaly mass: with an alert, what its symptom can be tied to (the anomalous
  // path below it, its callers); background anomalies elsewhere in the window do not count.
  const relevant = (x: string) =>
    !onPath || onPath.has(x) || alertDependents?.has(x) === true;
  let totalMass = 0;
  for (const [x, e] of entities)
    if (relevant(x)) totalMass += e.failure + e.load;

  // When the alert entity itself is visibly anomalous, its onset dates the incident's symptom.
  const alertEntity = ctx.alertEntityRef
    ? entities.get(ctx.alertEntityRef)
    : undefined;
  const alertOnset =
    alertEntity && alertEntity.strength >= 0.3
      ? alertEntity.onsetMs
      : undefined;

  const { onsetMs: alertSymptomOnset, detected: alertOnsetDetected } =
    alertSymptomOnsetOf(ctx);
  const out: Candidate[] = [];
  for (const ref of refs) {
    const e = entities.get(ref);
    const change = bestChange.get(ref);
    const changeLikelihood = change?.likelihood ?? 0;
    const failure = e?.failure ?? 0;
    const load = e?.load ?? 0;
    const loadRoot = loadRoots.has(ref);
    // With a symptom named by the alert, the root is expected to show that symptom itself; other
    // deviations count half.
    const matched = ctx.pathStrength?.get(ref);
    const relevantFailure =
      matched === undefined ? failure : Math.max(matched, 0.5 * failure);
    let onsetMs = change?.onsetMs;
    if (e)
      onsetMs = loadRoot
        ? Math.min(e.onsetMs, e.loadOnsetMs ?? Infinity)
        : e.onsetMs;

    const explainedMass = new Map<string, number>();
    let mass = relevant(ref) ? failure + (loadRoot ? load : 0) : 0;
    if (mass > 0) explainedMass.set(ref, mass);
    const explainsDepth: Array<[string, number]> = [];
    // Failures travel to callers; extra load travels to callees. A load root that does not fail
    // itself (nor changed) passes nothing on to its callers: their failures are not its doing.
    const carries =
      loadRoot && e
        ? Math.max(Math.min(1, failure / PATH_MIN_FAILURE), changeLikelihood)
        : 1;
    let calleeFailure = 0;
    if (onsetMs !== undefined) {
      const dependents = graph.transitiveDependents(ref);
      const dependencies = graph.transitiveDependencies(ref);
      for (const [x, ex] of entities) {
        if (x === ref || ex.onsetMs < onsetMs - slackMs || !relevant(x))
          continue;
        let m = 0;
        let depth = dependents.get(x);
        if (depth !== undefined)
          m =
            ex.failure *
            carries *
            (ctx.latencyAlert ? inheritedShare(ctx, ref, x) : 1);
        // Extra traffic only reaches callees whose own request volume rose too.
        if (loadRoot && dependencies.has(x) && ex.load >= 0.3) {
          m = ex.failure + ex.load;
          depth = dependencies.get(x);
          calleeFailure = Math.max(calleeFailure, ex.failure);
        }
        if (m > 0 && depth !== undefined) {
          mass += m;
          explainedMass.set(x, m);
          explainsDepth.push([x, depth]);
        }
      }
    }
    explainsDepth.sort((a, b) => a[1] - b[1]);
    // More requests are a cause only where they did harm: the entity fails under them (or
    // changed), a callee they reached fails, or it is the alert entity (the alert asserts the
    // harm). A rise in requests that hurt nothing (often a rarely called endpoint going from
    // almost none to a few) is no evidence about the alert's symptom.
    const loadHarm = loadRoot
      ? Math.max(
          carries,
          ref === ctx.alertEntityRef ? 1 : 0,
          Math.min(1, calleeFailure / PATH_MIN_FAILURE),
        )
      : 0;
    const rawOwn = Math.max(relevantFailure, load * loadHarm);
    // A self-recovering blip: with no change that explains it and no spread along the graph,
    // anomalies that are already over are no sign of a cause still at work. Its own strength is
    // discounted by the recovered share, so a hypothesis resting only on them cannot stand out.
    const transient =
      changeLikelihood < TRANSIENT_MAX_CHANGE && !explainsDepth.length
        ? recoveredShare(e)
        : 0;
    const own = rawOwn * (1 - transient);
    const explained = totalMass > 0 ? Math.min(1, mass / totalMass) : 0;

    let victimOf: Candidate['victimOf'];
    let penalty = 0;
    if (!loadRoot && onsetMs !== undefined) {
      for (const d of graph.transitiveDependencies(ref).keys()) {
        const de = entities.get(d);
        if (!de || de.failure < 0.2 || de.onsetMs > onsetMs + slackMs) continue;
        // A dependency anomalous strictly earlier is a likely cause, one at the same time (within
        // a step) somewhat less; either way only as far as it is strong next to this candidate's
        // own symptom (a faint wobble below cannot explain a strong failure here).
        const ratio = Math.min(1, de.failure / Math.max(own, 1e-9));
        const p =
          de.failure *
          ratio *
          (de.onsetMs < onsetMs - slackMs ? 1 : 0.8) *
          inheritedShare(ctx, d, ref);
        if (p > penalty) {
          penalty = p;
          victimOf = {
            entityRef: d,
            onsetMs: de.onsetMs,
            strength: de.failure,
          };
        }
      }
    }
    let overloadedBy: string | undefined;
    let loadPenalty = 0;
    if (!loadRoot && onsetMs !== undefined) {
      for (const [root, re] of loadRoots) {
        if (root === ref || !graph.transitiveDependents(ref).has(root))
          continue;
        if (onsetMs < (re.loadOnsetMs ?? re.onsetMs) - slackMs) continue;
        if (re.load > loadPenalty) {
          loadPenalty = re.load;
          overloadedBy = root;
        }
      }
    }
    const ownSymptomOnset = ctx.symptomOnset?.get(ref);
    const earliness =
      alertSymptomOnset !== undefined && ownSymptomOnset !== undefined
        ? symptomTiming(
            ownSymptomOnset,
            alertSymptomOnset,
            alertOnsetDetected ? slackMs : slackMs + ALERT_DELAY_MS,
          )
        : timingScore(onsetMs, firstOnset, alertOnset, slackMs);
    const preexisting =
      alertSymptomOnset !== undefined && ownSymptomOnset !== undefined
        ? preexistingScore(alertSymptomOnset - ownSymptomOnset)
        : 0;
    let alertRelated = 1;
    if (ctx.alertEntityRef && ref !== ctx.alertEntityRef) {
      const width = onPath?.get(ref);
      if (width !== undefined)
        alertRelated = Math.max(0.5, Math.min(1, width / PATH_FULL_WIDTH));
      else if (alertDeps?.has(ref)) alertRelated = 0.5;
      else if (loadRoot && alertDependents?.has(ref)) alertRelated = 0.8;
      else alertRelated = 0;
      if (ctx.latencyAlert)
        alertRelated *= latencyShare(ctx.latencyRise, ref, ctx.alertEntityRef);
    }
    const g = Math.max(Math.min(1, own / 0.6), changeLikelihood);
    const score =
      WEIGHTS.own * own +
      WEIGHTS.explained * explained * g -
      WEIGHTS.penalty * penalty -
      WEIGHTS.loadPenalty * loadPenalty +
      WEIGHTS.earliness * earliness * g +
      WEIGHTS.change * changeLikelihood +
      WEIGHTS.alert * alertRelated -
      WEIGHTS.preexisting * preexisting * Math.min(1, own / 0.6) +
      (ctx.typePriors?.[graph.node(ref)?.type ?? ''] ?? 0);
    out.push({
      entityRef: ref,
      failure,
      load,
      own,
      loadRoot,
      onsetMs,
      explained,
      totalMass,
      explains: explainsDepth.map(([x]) => x),
      explainedMass,
      victimOf,
      penalty,
      overloadedBy,
      loadPenalty,
      earliness,
      change,
      changeLikelihood,
      alertRelated,
      preexisting,
      transient,
      score,
    });
  }
  out.sort(
    (a, b) => b.score - a.score || a.entityRef.localeCompare(b.entityRef),
  );
  return out;
}

/**
 * Share of all anomaly mass that `a` explains and `b` does not: high for both when two unrelated
 * faults each account for their own symptoms.
 */
export function uniqueShare(
  a: Candidate,
  b: Candidate,
  totalMass: number,
): number {
  if (totalMass <= 0) return 0;
  let m = 0;
  for (const [x, v] of a.explainedMass) if (!b.explainedMass.has(x)) m += v;
  return m / totalMass;
}
