// Feature-based reranking without a model: a fixed linear blend of fused rank, BM25, cosine, query coverage
// of title/headings, how much of the section's own name the query mentions, and term proximity (bigrams).
import type { Token } from './analyze';

export interface RerankCandidate {
  id: number;
  fused: number;
  bm25: number;
  cosine: number;
  /** Distinct terms of the title and heading path. */
  nameTerms: Set<string>;
  /**
   * Whole identifiers in the title/headings (`nodefilesystemspacefillingup`): a match is strong evidence, but
   * their absence is none (their parts are in nameTerms), so they only count when the query has them.
   */
  nameCompounds?: Set<string>;
  /** Tokens of heading path + body, for proximity. */
  tokens: Token[];
}

export interface RerankFeatures {
  fused: number;
  bm25: number;
  cosine: number;
  headingCoverage: number;
  nameRecall: number;
  proximity: number;
}

export interface RerankWeights {
  fused: number;
  bm25: number;
  cosine: number;
  headingCoverage: number;
  nameRecall: number;
  proximity: number;
}

export const DEFAULT_RERANK_WEIGHTS: RerankWeights = {
  fused: 0.3,
  bm25: 0.15,
  cosine: 0.15,
  headingCoverage: 0.1,
  nameRecall: 0.2,
  proximity: 0.1,
};

/**
 * Whether the query mentions a term: exactly, or one is a prefix of the other covering at least 4 characters
 * and 60% of the longer, so an abbreviation matches its long form (`config` / `configur`, `repl` / `replic`)
 * while a word inside a compound does not (`alert` / `alertmanag`).
 */
export function mentions(
  qTerms: Set<string>,
  qPrefixes: Set<string>,
  term: string,
): boolean {
  if (qTerms.has(term)) return true;
  if (term.length < 4 || term.includes('_')) return false;
  if (qPrefixes.has(term)) return true;
  for (let n = Math.max(4, Math.ceil(term.length * 0.6)); n < term.length; n++)
    if (qTerms.has(term.slice(0, n))) return true;
  return false;
}

function prefixesOf(terms: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const t of terms) {
    if (t.includes('_')) continue;
    for (let n = Math.max(4, Math.ceil(t.length * 0.6)); n < t.length; n++)
      out.add(t.slice(0, n));
  }
  return out;
}

export interface Reranked extends RerankCandidate {
  score: number;
  features: RerankFeatures;
}

/** Pairs of query terms at adjacent positions (the sequential-dependence idea of Metzler & Croft 2005). */
export function queryPairs(tokens: Token[]): Set<string> {
  const pairs = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    for (
      let j = i + 1;
      j < tokens.length && tokens[j].position <= tokens[i].position + 1;
      j++
    ) {
      if (
        tokens[j].position === tokens[i].position + 1 &&
        tokens[i].term !== tokens[j].term
      )
        pairs.add(`${tokens[i].term} ${tokens[j].term}`);
    }
  }
  return pairs;
}

/** Query pairs found within a 3-word window in the candidate's tokens (unordered). */
function pairsWithin(tokens: Token[], pairs: Set<string>, window = 3): number {
  if (pairs.size === 0) return 0;
  const found = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    for (
      let j = i + 1;
      j < tokens.length && tokens[j].position - tokens[i].position <= window;
      j++
    ) {
      const a = `${tokens[i].term} ${tokens[j].term}`;
      const b = `${tokens[j].term} ${tokens[i].term}`;
      if (pairs.has(a)) found.add(a);
      else if (pairs.has(b)) found.add(b);
    }
  }
  return found.size;
}

/**
 * Scores candidates; every feature is in [0, 1] (list-normalised where it is a raw score) so that one
 * weight vector works across corpora. `idf` weighs terms (generic heading words like "Overview" count little).
 */
export function rerank(
  candidates: RerankCandidate[],
  queryTokens: Token[],
  idf: (term: string) => number,
  weights: RerankWeights = DEFAULT_RERANK_WEIGHTS,
): Reranked[] {
  const qTerms = new Set(queryTokens.map(t => t.term));
  const qPrefixes = prefixesOf(qTerms);
  const qIdf = new Map<string, number>();
  let qMass = 0;
  for (const t of qTerms) {
    const w = idf(t);
    qIdf.set(t, w);
    qMass += w;
  }
  const pairs = queryPairs(queryTokens);
  const maxFused = Math.max(1e-12, ...candidates.map(c => c.fused));
  const maxBm25 = Math.max(1e-12, ...candidates.map(c => c.bm25));
  const maxCos = Math.max(1e-12, ...candidates.map(c => c.cosine));
  const prox = candidates.map(c => pairsWithin(c.tokens, pairs));
  const maxProx = Math.max(1, ...prox);
  return candidates
    .map((c, i) => {
      let covered = 0;
      let nameMass = 0;
      let nameHit = 0;
      for (const t of c.nameTerms) {
        const w = qIdf.get(t) ?? idf(t);
        nameMass += w;
        if (mentions(qTerms, qPrefixes, t)) {
          nameHit += w;
          if (qTerms.has(t)) covered += w;
        }
      }
      for (const t of c.nameCompounds ?? []) {
        if (!qTerms.has(t)) continue;
        const w = qIdf.get(t) ?? idf(t);
        nameMass += w;
        nameHit += w;
        covered += w;
      }
      const features: RerankFeatures = {
        fused: c.fused / maxFused,
        bm25: c.bm25 / maxBm25,
        cosine: Math.max(0, c.cosine) / maxCos,
        headingCoverage: qMass > 0 ? covered / qMass : 0,
        nameRecall: nameMass > 0 ? nameHit / nameMass : 0,
        proximity: prox[i] / maxProx,
      };
      const score =
        weights.fused * features.fused +
        weights.bm25 * features.bm25 +
        weights.cosine * features.cosine +
        weights.headingCoverage * features.headingCoverage +
        weights.nameRecall * features.nameRecall +
        weights.proximity * features.proximity;
      return { ...c, score, features };
    })
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
