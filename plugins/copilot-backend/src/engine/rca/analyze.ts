// analyze(): from anomaly windows and/or raw series, changes and the catalog topology to ranked,
// evidence-cited root-cause hypotheses, an abstention when nothing explains the incident well, and
// the blast radius of the best candidate.
import {
  alignByEntity,
  combineStrengths,
  fromDetectorAnomaly,
  mergeSeriesAnomalies,
} from '../correlate/align';
import { assessChanges, type ChangeImpact } from '../correlate/changes';
import { entityName, normalizeEntityRef } from '../correlate/refs';
import {
  pooledRelativeScale,
  scoreSeries,
  seriesBaseline,
  type ScoreSeriesOptions,
} from '../correlate/series';
import { TopologyGraph } from '../correlate/topology';
import type {
  EntityAnomaly,
  SeriesAnomaly,
  SeriesInput,
} from '../correlate/types';
import { blastRadius } from './blastRadius';
import { calibrate, unexplainedScore } from './calibrate';
import { classify, NETWORK_LOG, type Classification } from './classify';
import { EvidenceRegistry } from './evidence';
import { rankCandidates, uniqueShare, type Candidate } from './rank';
import type {
  AnalyzeInput,
  AnalyzeOptions,
  AnalyzeResult,
  Hypothesis,
  RootCauseKind,
} from './types';

/** Defaults of `AnalyzeOptions`. */
export const DEFAULT_ANALYZE_OPTIONS: AnalyzeOptions = {
  k: 4,
  maxHypotheses: 5,
  temperature: 1,
  minConfidence: 0.3,
  changeLookbackMs: 3 * 3_600_000,
  fallbackLeadMs: 20 * 60_000,
  relevanceMs: 15 * 60_000,
  typePriors: { external: -1 },
};

/** Human labels of the kinds, for statements. */
export const KIND_LABELS: Record<RootCauseKind, string> = {
  bad_deploy: 'bad deploy',
  config_change: 'config change',
  flag_flip: 'feature flag flip',
  dependency_failure: 'failing dependency',
  resource_saturation: 'resource saturation',
  memory_leak: 'memory leak',
  traffic_surge: 'traffic surge',
  slow_query: 'slow queries',
  network: 'network failure',
  none: 'no single root cause',
};

/** Symptom families an alert title can name, and the series that show them. */
const SYMPTOMS: Array<{ alert: RegExp; series: RegExp }> = [
  {
    alert: /(latency|slow|duration|response time|p9\d)/i,
    series: /(latency|duration|response|p9\d|_ms$|time)/i,
  },
  {
    alert: /(5xx|error|availability|success|fail|unavailable)/i,
    series: /(5xx|error|availability|success|fail|log_errors|exception|fatal)/i,
  },
];

/**
 * From the alert title, a predicate telling which anomalies show the same symptom (latency for a
 * latency alert, errors or availability for an error alert). Undefined when the title names none
 * or several families.
 */
function symptomMatcher(
  title: string | undefined,
): ((a: SeriesAnomaly) => boolean) | undefined {
  if (!title) return undefined;
  const families = SYMPTOMS.filter(s => s.alert.test(title));
  if (families.length !== 1) return undefined;
  const re = families[0].series;
  return a =>
    re.test(a.metric) || (a.template !== undefined && re.test(a.template));
}

/** Share of an entity's strongest symptom score that still dates its symptom's onset. */
const MAIN_SYMPTOM_SHARE = 0.8;

/** Latency series whose values add up along synchronous calls (a duration in a unit). */
const LATENCY_SERIES = /(latency|duration|response.?time|_ms$|_seconds$)/i;

/**
 * Per entity, the absolute rise of each latency series that went up (peak minus baseline), for
 * comparing magnitudes between callers and dependencies (rank.ts `latencyShare`).
 */
function latencyRises(
  entities: ReadonlyMap<string, EntityAnomaly>,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const e of entities.values()) {
    for (const a of e.anomalies) {
      if (a.kind !== 'metric' || a.direction !== 'up') continue;
      if (a.baseline === undefined || a.peakValue === undefined) continue;
      if (!LATENCY_SERIES.test(a.metric)) continue;
      let m = out.get(e.entityRef);
      if (!m) out.set(e.entityRef, (m = new Map()));
      m.set(a.metric, Math.max(m.get(a.metric) ?? 0, a.peakValue - a.baseline));
    }
  }
  return out;
}

/** Own anomaly strength of a candidate that stands out (a clear, sustained deviation). */
const STANDS_OUT_OWN = 0.5;

/**
 * A candidate stands out when it shows the alert's symptom clearly itself, is related to the
 * alert entity (on the anomalous path below it) and its symptom is not pre-existing. Then a low
 * softmax confidence (many entities degraded together, several plausible) is no reason to
 * abstain: the ranking still names where to look first.
 */
export function standsOut(c: Candidate): boolean {
  return (
    c.own >= STANDS_OUT_OWN && c.alertRelated >= 0.5 && c.preexisting <= 0.5
  );
}

/** Competing changes this close to the onset are cited as counter-evidence of the top hypothesis. */
const COMPETING_CHANGE_MS = 30 * 60_000;

function inferStepMs(input: AnalyzeInput): number {
  const steps: number[] = [];
  for (const s of (input.series ?? []).slice(0, 50)) {
    for (let i = 1; i < s.tsMs.length && i < 20; i++)
      steps.push(s.tsMs[i] - s.tsMs[i - 1]);
  }
  if (!steps.length) return 60_000;
  steps.sort((a, b) => a - b);
  return steps[steps.length >> 1];
}

/**
 * With an alert, anomalies that were over well before it (or start well after it) are background
 * noise of the window, not part of this incident.
 */
function relevantToAlert(
  anomalies: SeriesAnomaly[],
  input: AnalyzeInput,
  opts: AnalyzeOptions,
): SeriesAnomaly[] {
  if (!input.alert) return anomalies;
  const { atMs } = input.alert;
  const settled = atMs - 2 * opts.relevanceMs;
  return anomalies
    .filter(
      a =>
        a.endMs >= atMs - opts.relevanceMs &&
        a.onsetMs <= atMs + opts.relevanceMs,
    )
    .map(a =>
      // A condition established long before the alert (often a level shift against an old
      // baseline) is less likely what set it off: its strength decays with the lead time.
      a.onsetMs >= settled
        ? a
        : {
            ...a,
            score:
              a.score *
              Math.max(
                0.2,
                Math.exp(-(settled - a.onsetMs) / (2 * opts.relevanceMs)),
              ),
          },
    );
}

function collectAnomalies(
  input: AnalyzeInput,
  opts: AnalyzeOptions,
): SeriesAnomaly[] {
  const { fromMs, toMs } = input.window;
  const lead = input.alert ? input.alert.atMs - opts.fallbackLeadMs : toMs;
  const fallbackSplitMs = Math.max(
    fromMs + (toMs - fromMs) / 3,
    Math.min(lead, fromMs + (toMs - fromMs) / 2 + opts.fallbackLeadMs),
  );
  const refs = new Map<string, string | undefined>();
  const scoring: Array<{ s: SeriesInput; options: ScoreSeriesOptions }> = [];
  for (const s of input.series ?? []) {
    let ref = refs.get(s.entityRef);
    if (!refs.has(s.entityRef)) {
      ref = normalizeEntityRef(s.entityRef, { kind: 'component' });
      refs.set(s.entityRef, ref);
    }
    if (!ref) continue;
    scoring.push({
      s: ref === s.entityRef ? s : { ...s, entityRef: ref },
      options: {
        fromMs,
        toMs,
        baselineFromMs: input.baselineFromMs,
        fallbackSplitMs,
        thinSplitMaxMs: input.alert?.atMs,
        preferEndAfterMs: input.alert
          ? input.alert.atMs - opts.relevanceMs
          : undefined,
        k: opts.k,
      },
    });
  }
  // Series with a thin baseline borrow the scale of comparable series: the same metric on the
  // other entities (pooledRelativeScale), computed only for metrics that have a thin series.
  const baselines = new Map<string, number[][]>();
  const thinMetrics = new Set<string>();
  for (const { s, options } of scoring) {
    const b = seriesBaseline(s, options);
    if (!b) continue;
    const key = `${s.kind ?? 'metric'}|${s.metric}`;
    if (b.thin) thinMetrics.add(key);
    let list = baselines.get(key);
    if (!list) baselines.set(key, (list = []));
    list.push(b.values);
  }
  const relativeScale = new Map<string, number | undefined>();
  for (const key of thinMetrics)
    relativeScale.set(key, pooledRelativeScale(baselines.get(key) ?? []));
  const out: SeriesAnomaly[] = [];
  for (const { s, options } of scoring) {
    const a = scoreSeries(s, {
      ...options,
      relativeScale: relativeScale.get(`${s.kind ?? 'metric'}|${s.metric}`),
    });
    if (a) out.push(a);
  }
  for (const d of input.anomalies ?? []) {
    const a = fromDetectorAnomaly(d);
    if (a) out.push(a);
  }
  return mergeSeriesAnomalies(out);
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function statementFor(
  c: Candidate,
  cls: Classification,
  own: ReadonlyArray<SeriesAnomaly>,
): string {
  const name = entityName(c.entityRef);
  const parts: string[] = [];
  if (
    c.change &&
    c.changeLikelihood >= 0.3 &&
    ['bad_deploy', 'config_change', 'flag_flip'].includes(cls.kind)
  ) {
    const ch = c.change.change;
    parts.push(
      `${ch.kind}${ch.version ? ` ${ch.version}` : ''}${
        ch.author ? ` by ${ch.author}` : ''
      } at ${iso(ch.tsMs)}${ch.diffSummary ? ` (${ch.diffSummary})` : ''}, ${(
        (c.change.gapMs ?? 0) / 60_000
      ).toFixed(1)} min before the onset`,
    );
  } else {
    parts.push(cls.reason);
  }
  const key = cls.signature[0] ?? own[0];
  if (key) parts.push(key.summary);
  if (c.explains.length) {
    const names = c.explains.slice(0, 3).map(entityName).join(', ');
    parts.push(
      `${c.explains.length} entit${c.explains.length === 1 ? 'y' : 'ies'} ${
        c.loadRoot ? 'on its call path' : 'depending on it'
      } degraded after it (${names}${c.explains.length > 3 ? ', ...' : ''})`,
    );
  }
  return `${name}: ${KIND_LABELS[cls.kind]} — ${parts.join('; ')}.`;
}

interface Draft {
  candidate: Candidate;
  kind: Exclude<RootCauseKind, 'none'>;
  statement: string;
  support: string[];
  counter: string[];
}

function draftHypothesis(
  c: Candidate,
  entities: ReadonlyMap<string, EntityAnomaly>,
  impacts: ReadonlyArray<ChangeImpact>,
  ev: EvidenceRegistry,
  networkEntities: number,
): Draft {
  const own = entities.get(c.entityRef)?.anomalies ?? [];
  const cls = classify(c, own, networkEntities);
  const support = new Set<string>();
  const counter = new Set<string>();
  for (const a of cls.signature) support.add(ev.anomaly(a));
  for (const a of own.slice(0, 3))
    if (a.score >= 0.1) support.add(ev.anomaly(a));
  if (c.change && c.changeLikelihood >= 0.1) support.add(ev.change(c.change));
  if (c.explains.length && support.size)
    support.add(
      ev.topology(
        'explains',
        c.entityRef,
        `${c.explains.length} anomalous entit${
          c.explains.length === 1 ? 'y' : 'ies'
        } ${c.loadRoot ? 'downstream of' : 'depending on'} ${entityName(
          c.entityRef,
        )} degraded after its onset: ${c.explains
          .slice(0, 8)
          .map(entityName)
          .join(', ')}; it accounts for ${(c.explained * 100).toFixed(
          0,
        )}% of the anomaly strength`,
        c.explained,
      ),
    );
  if (c.victimOf)
    counter.add(
      ev.topology(
        `depends-on:${c.victimOf.entityRef}`,
        c.entityRef,
        `${entityName(c.entityRef)} depends on ${entityName(
          c.victimOf.entityRef,
        )}, anomalous since ${iso(
          c.victimOf.onsetMs,
        )} (as early or earlier): its symptoms may be inherited`,
        c.victimOf.strength,
      ),
    );
  if (c.overloadedBy)
    counter.add(
      ev.topology(
        `load-from:${c.overloadedBy}`,
        c.entityRef,
        `${entityName(c.entityRef)} is on the call path of ${entityName(
          c.overloadedBy,
        )}, whose request volume rose first: its symptoms may be load`,
        c.loadPenalty,
      ),
    );
  for (const i of impacts) {
    if (i.entityRef !== c.entityRef) continue;
    if (i.afterOnset || (i !== c.change && i.likelihood < 0.1 && own.length))
      counter.add(ev.change(i));
  }
  return {
    candidate: c,
    kind: cls.kind,
    statement: statementFor(c, cls, own),
    support: [...support],
    counter: [...counter],
  };
}

/**
 * Ranks root-cause hypotheses for an incident.
 *
 * 1. Series are scored against their baseline (median/MAD; the strongest abnormal run, preferring
 *    one still going on near the alert; onset = first point beyond k robust sigmas that stays
 *    abnormal) and merged with detector anomaly windows; per entity, the onset is the earliest
 *    strong anomaly, and the onset of the alert's symptom the start of its main excursion. A thin
 *    baseline (a few coarse points before the alert) is scored with at least the relative noise
 *    of the same metric on the other entities (`pooledRelativeScale`).
 * 2. Each change gets a change-impact likelihood (timing, topology, history).
 * 3. Candidates (anomalous or changed entities) are scored (rank.ts), classified (classify.ts),
 *    calibrated with an explicit unexplained alternative (calibrate.ts). A candidate whose own
 *    anomalies are over (recovered), with no likely change and no spread, is discounted
 *    (`Candidate.transient`).
 * 4. It abstains (a first `none` hypothesis saying why) when the best confidence is below
 *    `minConfidence` and below the unexplained share and none of the first three candidates stands
 *    out (`standsOut`), or two strong candidates unrelated in the catalog each explain their own
 *    share of the anomalies.
 *
 * Every hypothesis returned cites at least one evidence row; candidates without any are dropped.
 */
export function analyze(input: AnalyzeInput): AnalyzeResult {
  const opts: AnalyzeOptions = { ...DEFAULT_ANALYZE_OPTIONS, ...input.options };
  const graph = new TopologyGraph(input.topology);
  const alertRef = input.alert
    ? normalizeEntityRef(input.alert.entityRef, { kind: 'component' })
    : undefined;
  const slackMs = Math.max(60_000, inferStepMs(input));
  const entities = alignByEntity(
    relevantToAlert(collectAnomalies(input, opts), input, opts),
  );
  const changes = (input.changes ?? []).filter(
    c =>
      c.tsMs >= input.window.fromMs - opts.changeLookbackMs &&
      c.tsMs <= input.window.toMs,
  );
  const impacts = assessChanges(changes, entities, graph, input.history ?? [], {
    skewMs: slackMs,
  });
  const matches = symptomMatcher(input.alert?.title);
  let pathStrength: Map<string, number> | undefined;
  let symptomOnset: Map<string, number> | undefined;
  let alertSymptomOnset: number | undefined;

  if (matches) {
    pathStrength = new Map();
    symptomOnset = new Map();
    for (const e of entities.values()) {
      const same = e.anomalies.filter(
        a => a.symptom === 'failure' && matches(a),
      );
      pathStrength.set(e.entityRef, combineStrengths(same.map(a => a.score)));
      // The onset of its main symptom: the strongest matching series and those nearly as strong
      // (a faint early wobble of one statistic does not date the symptom).
      const top = Math.max(0, ...same.map(a => a.score));
      const strong = same.filter(
        a => a.score >= Math.max(0.3, MAIN_SYMPTOM_SHARE * top),
      );
      if (strong.length)
        symptomOnset.set(
          e.entityRef,
          Math.min(...strong.map(a => a.mainOnsetMs ?? a.onsetMs)),
        );
      // The alert entity's symptom is dated by its first clear sign: a candidate is judged
      // pre-existing only against the earliest the incident can have started.
      const clear = same.filter(a => a.score >= 0.3);
      if (e.entityRef === alertRef && clear.length)
        alertSymptomOnset = Math.min(...clear.map(a => a.onsetMs));
    }
  }
  const latencyAlert =
    input.alert?.title !== undefined &&
    SYMPTOMS[0].alert.test(input.alert.title) &&
    !SYMPTOMS[1].alert.test(input.alert.title);
  const latencyRise = latencyRises(entities);
  const latencyOnly = new Set<string>();
  for (const e of entities.values()) {
    const failures = e.anomalies.filter(
      a => a.symptom === 'failure' && a.score >= 0.1,
    );
    if (
      failures.length &&
      failures.every(a => a.kind === 'metric' && LATENCY_SERIES.test(a.metric))
    )
      latencyOnly.add(e.entityRef);
  }
  const candidates = rankCandidates({
    latencyRise,
    latencyOnly,
    latencyAlert,
    alertAtMs: input.alert?.atMs,
    alertSymptomOnset,
    pathStrength,
    symptomOnset,
    typePriors: opts.typePriors,
    entities,
    graph,
    impacts,
    alertEntityRef: alertRef,
    slackMs,
  });

  let networkEntities = 0;
  for (const e of entities.values())
    if (
      e.anomalies.some(
        a =>
          a.kind !== 'metric' &&
          a.direction === 'up' &&
          NETWORK_LOG.test(`${a.template ?? ''} ${a.summary}`),
      )
    )
      networkEntities++;

  const ev = new EvidenceRegistry();
  const drafts: Draft[] = [];
  for (const c of candidates) {
    if (c.own <= 0 && c.transient <= 0 && c.changeLikelihood < 0.1) continue;
    const d = draftHypothesis(c, entities, impacts, ev, networkEntities);
    if (d.support.length) drafts.push(d); // the evidence invariant
  }
  const totalMass = drafts[0]?.candidate.totalMass ?? 0;
  const { confidences, unexplained } = calibrate(
    drafts.map(d => d.candidate.score),
    unexplainedScore(drafts[0]?.candidate.explained ?? 0),
    opts.temperature,
  );

  // Competing changes near the onset that were weighed and discounted: counter-evidence of the top.
  if (drafts.length) {
    const top = drafts[0];
    const onset = top.candidate.onsetMs;
    for (const i of impacts) {
      if (i.entityRef === top.candidate.entityRef || onset === undefined)
        continue;
      if (
        Math.abs(i.change.tsMs - onset) > COMPETING_CHANGE_MS ||
        i.likelihood >= 0.3
      )
        continue;
      top.counter.push(ev.change(i));
    }
  }

  const hypotheses: Hypothesis[] = drafts
    .slice(0, opts.maxHypotheses)
    .map((d, i) => ({
      rank: 0,
      statement: d.statement,
      kind: d.kind,
      entityRef: d.candidate.entityRef,
      supportingEvidenceIds: d.support,
      counterEvidenceIds: [...new Set(d.counter)],
      confidence: confidences[i],
      score: d.candidate.score,
    }));

  let abstainReason: string | undefined;
  const top = drafts[0];
  if (!top) {
    abstainReason = entities.size
      ? 'anomalies were found but none could be tied to a candidate with evidence'
      : 'no series left its baseline band and no change is near the window';
  } else if (
    confidences[0] < opts.minConfidence &&
    confidences[0] < unexplained &&
    !drafts.slice(0, 3).some(d => standsOut(d.candidate))
  ) {
    abstainReason = `the best candidate, ${entityName(
      top.candidate.entityRef,
    )} (${KIND_LABELS[top.kind]}), reaches only ${(
      confidences[0] * 100
    ).toFixed(0)}% confidence (less than the ${(unexplained * 100).toFixed(
      0,
    )}% that none of the candidates explains it) and explains ${(
      top.candidate.explained * 100
    ).toFixed(0)}% of the anomaly strength${
      top.candidate.transient >= 0.5
        ? '; its anomalies were already over, with no change and no spread to other entities'
        : ''
    }`;
  } else {
    for (let j = 1; j < Math.min(drafts.length, 4); j++) {
      const a = top.candidate;
      const b = drafts[j].candidate;
      if (graph.related(a.entityRef, b.entityRef)) continue;
      // b must be a strong candidate on its own: strong anomaly, more plausible than "unexplained".
      if (a.own < 0.4 || b.own < 0.4) continue;
      // With an alert, both must be able to explain it (reachable through anomalous callers).
      if (a.alertRelated < 1 || b.alertRelated < 1) continue;
      if (b.score < unexplainedScore(b.explained)) continue;
      const ua = uniqueShare(a, b, totalMass);
      const ub = uniqueShare(b, a, totalMass);
      // Each alone explains a real share, and together at least half of all anomaly strength.
      if (Math.min(ua, ub) < 0.12 || ua + ub < 0.5) continue;
      const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
      abstainReason = `two unrelated candidates each explain their own anomalies: ${entityName(
        a.entityRef,
      )} (${KIND_LABELS[top.kind]}, ${pct(
        confidences[0],
      )}, alone explains ${pct(ua)}) and ${entityName(b.entityRef)} (${
        KIND_LABELS[drafts[j].kind]
      }, ${pct(confidences[j])}, alone explains ${pct(
        ub,
      )}); neither depends on the other, so this looks like independent faults`;
      break;
    }
  }

  if (abstainReason) {
    const support = hypotheses
      .slice(0, 2)
      .flatMap(h => h.supportingEvidenceIds.slice(0, 2));
    if (!support.length && input.series?.length) {
      const ref =
        alertRef ??
        normalizeEntityRef(input.series[0].entityRef, { kind: 'component' });
      if (ref) {
        const n = (input.series ?? []).length;
        support.push(
          ev.quiet(
            ref,
            `${n} series checked over ${iso(input.window.fromMs)} .. ${iso(
              input.window.toMs,
            )}: none left its baseline band beyond ${opts.k} robust sigmas`,
            input.window,
          ),
        );
      }
    }
    if (support.length)
      hypotheses.unshift({
        rank: 0,
        statement: `No single root cause can be named: ${abstainReason}.`,
        kind: 'none',
        supportingEvidenceIds: [...new Set(support)],
        counterEvidenceIds: [],
        confidence: unexplained,
        score: unexplainedScore(top?.candidate.explained ?? 0),
      });
  }
  hypotheses.forEach((h, i) => (h.rank = i + 1));

  const cited = new Set(
    hypotheses.flatMap(h => [
      ...h.supportingEvidenceIds,
      ...h.counterEvidenceIds,
    ]),
  );
  const evidence = ev.list().filter(e => cited.has(e.id));
  return {
    hypotheses: hypotheses.filter(h => h.supportingEvidenceIds.length > 0),
    abstained: abstainReason !== undefined,
    abstainReason,
    unexplained,
    blastRadius: top
      ? blastRadius(graph, top.candidate.entityRef, entities, input.slos ?? [])
      : undefined,
    evidence,
  };
}
