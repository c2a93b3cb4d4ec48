/*
 * Log-side findings for the detect stage: a template never seen before, and a burst of error-level lines
 * against the series' own robust baseline (Poisson tail). Template-count series themselves go through
 * the ensemble with `kind: 'count'`.
 */
import { poissonUpperTail } from './stats';
import type { DetectorFinding } from './types';

/** Input of `novelTemplateFinding`. */
export interface NovelTemplateInput {
  /** The template text (shortened in the detail). */
  template: string;
  /** Occurrences of the template so far. */
  count: number;
  /** When the template was first seen (epoch ms). */
  firstSeenTs: number;
  /** Now (epoch ms). */
  nowTs: number;
  /** How far back the service's template history goes (ms); novelty needs a warm history. */
  historyMs: number;
  /** True when the template's lines are error level (or worse). */
  error?: boolean;
  /** History needed before anything counts as novel (default 24 h). */
  minHistoryMs?: number;
  /** A template counts as novel this long after its first sighting (default 1 h). */
  noveltyMs?: number;
}

/**
 * 'novel-template': a template first seen within `noveltyMs` on a service with at least `minHistoryMs` of
 * history. Score 0 when not novel; otherwise 0.5 rising with its count (log scale) and +0.2 for errors.
 */
export function novelTemplateFinding(input: NovelTemplateInput): DetectorFinding {
  const minHistory = input.minHistoryMs ?? 24 * 3_600_000;
  const novelty = input.noveltyMs ?? 3_600_000;
  const age = input.nowTs - input.firstSeenTs;
  const text =
    input.template.length > 80 ? `${input.template.slice(0, 77)}...` : input.template;
  if (input.historyMs < minHistory || age > novelty || age < 0 || input.count <= 0) {
    return { detector: 'novel-template', score: 0, detail: `template "${text}" is not novel` };
  }
  const score = Math.min(
    1,
    0.5 + 0.1 * Math.log2(1 + input.count) + (input.error ? 0.2 : 0),
  );
  const minutes = Math.max(1, Math.round(age / 60_000));
  return {
    detector: 'novel-template',
    score,
    detail: `new ${input.error ? 'error ' : ''}log template "${text}" (${input.count} line${
      input.count === 1 ? '' : 's'
    } in its first ${minutes} min)`,
  };
}

/** Input of `errorBurstFinding`. */
export interface ErrorBurstInput {
  /** Error-level lines in the current interval (e.g. minute). */
  count: number;
  /** Error-level counts of the preceding intervals (the baseline), oldest first; zeros are real. */
  history: readonly number[];
  /** Smallest Poisson mean assumed (default 0.5), so a quiet service does not alert on one error. */
  floorLambda?: number;
  /** Intervals of history needed before it can fire (default 30). */
  minHistory?: number;
  /** Tail probability below which the finding counts as a burst (default 1e-4). */
  alpha?: number;
}

/**
 * 'error-burst': the current error count against a robust baseline rate (the mean of the history with its
 * top 10% trimmed, floored) with a Poisson tail probability. Score = S / (S + 6), S = -ln p, when p < alpha,
 * else 0.
 */
export function errorBurstFinding(input: ErrorBurstInput): DetectorFinding {
  const floor = input.floorLambda ?? 0.5;
  const minHistory = input.minHistory ?? 30;
  const alpha = input.alpha ?? 1e-4;
  const h = input.history.filter(v => Number.isFinite(v));
  if (h.length < minHistory || !Number.isFinite(input.count)) {
    return {
      detector: 'error-burst',
      score: 0,
      detail: `not enough error history (${h.length}/${minHistory} intervals)`,
    };
  }
  const sorted = [...h].sort((a, b) => a - b);
  const kept = sorted.slice(0, Math.max(1, Math.ceil(sorted.length * 0.9)));
  const lambda = Math.max(floor, kept.reduce((a, v) => a + v, 0) / kept.length);
  const p = poissonUpperTail(Math.round(input.count), lambda);
  const surprise = -Math.log(Math.max(p, 1e-300));
  const burst = p < alpha && input.count > lambda;
  return {
    detector: 'error-burst',
    score: burst ? surprise / (surprise + 6) : 0,
    detail: `${input.count} errors/interval vs baseline ${lambda.toFixed(
      lambda < 10 ? 2 : 0,
    )} (Poisson tail ${p.toExponential(1)})`,
  };
}
