// Cited answers: an extractive answer built from retrieved snippets (query-overlap sentence selection with
// redundancy removal, MMR-like), every sentence citing its source lines, and a verifier that rejects unresolved citations.
import { tokenize } from './analyze';

export interface AnswerSnippet {
  docId: string;
  text: string;
  lineStart: number;
  lineEnd: number;
  page?: number;
  title?: string;
  headingPath?: string[];
}

export interface Citation {
  docId: string;
  lineStart: number;
  lineEnd: number;
  page?: number;
}

export interface AnswerSentence {
  text: string;
  citations: Citation[];
}

export interface CitedAnswer {
  question: string;
  sentences: AnswerSentence[];
}

export interface ComposeOptions {
  maxSentences?: number;
  /** Sentences sharing more than this share of terms with a chosen one are redundant. Default 0.6. */
  redundancy?: number;
}

/** Markdown inline syntax removed: links keep their text, emphasis/code markers and list bullets go. */
export function plainText(s: string): string {
  return s
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/^\s*(?:[-*+]|\d+[.)]|#+)\s+/gm, '')
    .replace(/[`*_]{1,3}([^`*_]+)[`*_]{1,3}/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Candidate {
  text: string;
  terms: Set<string>;
  snippet: number;
  order: number;
  lineStart: number;
  lineEnd: number;
  score: number;
}

/** Sentences of a snippet with the source lines they span (clamped to the snippet's range). */
function sentences(
  s: AnswerSnippet,
  snippetIndex: number,
): Omit<Candidate, 'score'>[] {
  const out: Omit<Candidate, 'score'>[] = [];
  const text = s.text;
  // Code fences and tables are not prose to quote.
  const masked = text.replace(/```[\s\S]*?```/g, m => m.replace(/[^\n]/g, ' '));
  let order = 0;
  // Sentences end at . ! ? or a blank line; single newlines inside a paragraph are joined.
  const parts: { start: number; end: number }[] = [];
  let start = 0;
  for (let i = 0; i <= masked.length; i++) {
    const c = masked[i];
    const endsSentence =
      i === masked.length ||
      ((c === '.' || c === '!' || c === '?') &&
        /\s|$/.test(masked[i + 1] ?? '')) ||
      (c === '\n' &&
        /^\n|^\s*(?:[-*+]|\d+[.)])\s/.test(masked.slice(i + 1, i + 8)));
    if (endsSentence) {
      parts.push({ start, end: Math.min(i + 1, masked.length) });
      start = i + 1;
    }
  }
  for (const p of parts) {
    const raw = masked.slice(p.start, p.end);
    const clean = plainText(raw);
    // Too short, a table row, or a lead-in to a list that is not part of the sentence.
    if (clean.split(' ').length < 4 || /\|/.test(clean) || clean.endsWith(':'))
      continue;
    const before = text.slice(
      0,
      p.start + (raw.length - raw.trimStart().length),
    );
    const first = s.lineStart + (before.match(/\n/g)?.length ?? 0);
    const last = first + (raw.trim().match(/\n/g)?.length ?? 0);
    out.push({
      text: clean,
      terms: new Set(tokenize(clean).map(t => t.term)),
      snippet: snippetIndex,
      order: order++,
      lineStart: Math.min(Math.max(first, s.lineStart), s.lineEnd),
      lineEnd: Math.min(Math.max(last, s.lineStart), s.lineEnd),
    });
  }
  return out;
}

/**
 * Picks the sentences that best cover the question from the snippets (ranked best first), drops redundant
 * ones, and cites each with its document and line range. Returns no sentences when nothing overlaps the question.
 */
export function composeCitedAnswer(
  question: string,
  snippets: AnswerSnippet[],
  options: ComposeOptions = {},
): CitedAnswer {
  const q = new Set(tokenize(question).map(t => t.term));
  const max = options.maxSentences ?? 3;
  const redundancy = options.redundancy ?? 0.6;
  const pool: Candidate[] = snippets.flatMap((s, i) =>
    sentences(s, i).map(c => {
      let overlap = 0;
      for (const t of c.terms) if (q.has(t)) overlap++;
      // Overlap normalised by sentence length, with a prior for better-ranked snippets and earlier sentences.
      const score =
        (overlap / Math.sqrt(c.terms.size + 1)) *
        (1 / (1 + 0.15 * i)) *
        (1 / (1 + 0.05 * c.order));
      return { ...c, score: overlap > 0 ? score : 0 };
    }),
  );
  const chosen: Candidate[] = [];
  for (const c of [...pool].sort((a, b) => b.score - a.score)) {
    if (chosen.length >= max || c.score <= 0) break;
    const redundant = chosen.some(o => {
      let inter = 0;
      for (const t of c.terms) if (o.terms.has(t)) inter++;
      return (
        inter / Math.max(1, Math.min(c.terms.size, o.terms.size)) > redundancy
      );
    });
    if (!redundant) chosen.push(c);
  }
  chosen.sort((a, b) => a.snippet - b.snippet || a.order - b.order);
  return {
    question,
    sentences: chosen.map(c => {
      const s = snippets[c.snippet];
      return {
        text: c.text,
        citations: [
          {
            docId: s.docId,
            lineStart: c.lineStart,
            lineEnd: c.lineEnd,
            ...(s.page !== undefined ? { page: s.page } : {}),
          },
        ],
      };
    }),
  };
}

export interface VerifyResult {
  valid: boolean;
  problems: { sentence: number; reason: string }[];
}

/**
 * Accepts an answer only when every sentence has a citation, every citation lies inside a snippet of the same
 * document (and page), and the cited text supports the sentence: at least `minSupport` of the sentence's terms
 * occur in the cited snippets (1.0 for extractive sentences; an LLM writer's paraphrase needs most of them).
 */
export function verifyCitations(
  answer: CitedAnswer,
  snippets: AnswerSnippet[],
  options: { minSupport?: number } = {},
): VerifyResult {
  const minSupport = options.minSupport ?? 0.6;
  const problems: VerifyResult['problems'] = [];
  if (answer.sentences.length === 0)
    problems.push({ sentence: -1, reason: 'answer has no sentences' });
  answer.sentences.forEach((s, i) => {
    if (s.citations.length === 0) {
      problems.push({ sentence: i, reason: 'sentence has no citation' });
      return;
    }
    const supporting: AnswerSnippet[] = [];
    for (const c of s.citations) {
      const match = snippets.filter(
        sn =>
          sn.docId === c.docId &&
          sn.page === c.page &&
          c.lineStart >= sn.lineStart &&
          c.lineEnd <= sn.lineEnd &&
          c.lineStart <= c.lineEnd,
      );
      if (match.length === 0) {
        problems.push({
          sentence: i,
          reason: `citation ${c.docId}:${c.lineStart}-${c.lineEnd} does not resolve to a retrieved snippet`,
        });
      }
      supporting.push(...match);
    }
    if (supporting.length === 0) return;
    const terms = new Set(tokenize(s.text).map(t => t.term));
    const cited = new Set(
      supporting.flatMap(sn => tokenize(plainText(sn.text)).map(t => t.term)),
    );
    let found = 0;
    for (const t of terms) if (cited.has(t)) found++;
    const support = terms.size ? found / terms.size : 0;
    if (support < minSupport) {
      problems.push({
        sentence: i,
        reason: `cited lines support only ${Math.round(
          support * 100,
        )}% of the sentence`,
      });
    }
  });
  return { valid: problems.length === 0, problems };
}
