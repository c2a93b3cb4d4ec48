// Text analysis for technical documents: identifier-aware tokenization (camelCase, snake_case, dotted and
// kebab names kept whole and split into parts), English stopwords, Porter2 stems, and a PromQL analyzer.
import { stem } from './stem';

/** Snowball's English stopword list (short form) plus words that carry no retrieval signal in runbooks. */
export const STOPWORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below
  between both but by can could did do does doing down during each few for from further had has have having
  he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
  nor not of off on once only or other our ours ourselves out over own same she should so some such than
  that the their theirs them themselves then there these they this those through to too under until up
  very was we were what when where which while who whom why will with would you your yours yourself
  yourselves also may might must shall e g eg ie etc via per let lets s t`
    .split(/\s+/)
    .filter(Boolean),
);

/** PromQL functions, aggregations, modifiers and keywords: syntax, not subject matter. */
export const PROMQL_KEYWORDS = new Set(
  `abs absent absent_over_time avg avg_over_time bool bottomk by ceil changes clamp clamp_max clamp_min count
  count_over_time count_values day_of_month day_of_week days_in_month delta deriv exp floor group group_left
  group_right histogram_quantile holt_winters hour idelta ignoring increase irate label_join label_replace
  last_over_time ln log10 log2 max max_over_time min min_over_time minute month offset on or and unless
  predict_linear present_over_time quantile quantile_over_time rate resets round scalar sgn sort sort_desc
  sqrt stddev stddev_over_time stdvar stdvar_over_time sum sum_over_time time timestamp topk vector without year
  humanize humanizepercentage humanizeduration value labels`
    .split(/\s+/)
    .filter(Boolean),
);

export interface Token {
  term: string;
  /** Position of the word in the text; parts of one compound share their compound's position. */
  position: number;
  /** Set on the whole form of a compound identifier (its parts follow as separate tokens). */
  whole?: true;
}

const RAW = /[\p{L}\p{N}_]+(?:[.:/-][\p{L}\p{N}_]+)*/gu;
const stemCache = new Map<string, string>();

/** Porter2 stem with a bounded memo (analysis is hot at index and query time). */
export function cachedStem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /^\p{L}+$/u.test(word) ? stem(word) : word;
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** 0 separator, 1 lower-case or uncased letter, 2 upper-case letter, 3 digit. */
function charClass(c: string, code: number): number {
  if (code >= 97 && code <= 122) return 1;
  if (code >= 65 && code <= 90) return 2;
  if (code >= 48 && code <= 57) return 3;
  if (code === 95 || code === 46 || code === 58 || code === 47 || code === 45)
    return 0;
  if (code < 128) return 0;
  const lower = c.toLowerCase();
  return lower !== c ? 2 : 1;
}

/**
 * Splits an identifier into words at `_ . : / -`, lower-to-upper case changes, acronym ends
 * (`RAIDDisk` -> RAID, Disk) and letter/digit changes. A hand-written scan: regexes with Unicode
 * classes were the hottest part of indexing.
 */
export function splitIdentifier(raw: string): string[] {
  const out: string[] = [];
  let start = 0;
  let prev = 0;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const cls = charClass(raw[i], raw.charCodeAt(i));
    if (cls === 0) {
      if (i > start) out.push(raw.slice(start, i));
      start = i + 1;
      prev = 0;
      continue;
    }
    if (i > start) {
      let split = false;
      if (cls === 2 && (prev === 1 || prev === 3)) split = true;
      else if ((cls === 3) !== (prev === 3)) split = true;
      else if (cls === 1 && prev === 2 && i - 1 > start) {
        // `RAIDDisk`: the upper-case letter before a lower-case one starts the next word.
        out.push(raw.slice(start, i - 1));
        start = i - 1;
      }
      if (split) {
        out.push(raw.slice(start, i));
        start = i;
      }
    }
    prev = cls;
  }
  if (start < n) out.push(raw.slice(start));
  return out;
}

export interface AnalyzeOptions {
  /** Extra words to drop (e.g. PROMQL_KEYWORDS for expressions). */
  drop?: Set<string>;
}

const keep = (w: string) =>
  !STOPWORDS.has(w) && !/^\d+$/.test(w) && w.length > 1;

/**
 * Terms of a text. A compound (`kube_pod_container_status_restarts_total`, `NodeFilesystemSpaceFillingUp`)
 * yields its whole lower-cased form and the stems of its parts, so both the exact name and its words match.
 */
export function tokenize(text: string, options: AnalyzeOptions = {}): Token[] {
  const out: Token[] = [];
  let position = 0;
  const drop = options.drop;
  for (const m of text.matchAll(RAW)) {
    const raw = m[0];
    const lower = raw.toLowerCase();
    if (drop?.has(lower)) continue;
    const parts = splitIdentifier(raw);
    if (parts.length > 1) {
      const whole = lower.replace(/[.:/-]+/g, '_');
      if (whole.length <= 64 && !/^[\d_]+$/.test(whole))
        out.push({ term: whole, position, whole: true });
      for (const p of parts) {
        const w = p.toLowerCase();
        if (keep(w) && !drop?.has(w))
          out.push({ term: cachedStem(w), position });
        position++;
      }
    } else {
      if (keep(lower)) out.push({ term: cachedStem(lower), position });
      position++;
    }
  }
  return out;
}

/** Just the terms. */
export function analyze(text: string, options?: AnalyzeOptions): string[] {
  return tokenize(text, options).map(t => t.term);
}

/** The identifiers of a PromQL expression (metrics, labels, values) as words; syntax and functions dropped. */
export function promqlText(expr: string): string {
  return expr
    .replace(/#[^\n]*/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/[=!]~?|[<>]=?|[()*+/^%,{}"'`]/g, ' ')
    .split(/\s+/)
    .filter(
      w =>
        w && !PROMQL_KEYWORDS.has(w.toLowerCase()) && !/^[\d.e+-]+$/i.test(w),
    )
    .join(' ');
}

/** PromQL expression to terms (metric names, label names and values, split as identifiers). */
export function analyzePromQL(expr: string): string[] {
  return analyze(promqlText(expr), { drop: PROMQL_KEYWORDS });
}
