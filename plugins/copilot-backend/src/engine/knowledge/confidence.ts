// Answer confidence of a ranked list: a logistic score over the top document's name recall, how much of the
// query it covers, its margin over the runner-up and lexical/dense agreement, so an unmatched query abstains.

export interface ConfidenceInput {
  /** Rerank scores of the best hit of each distinct document, best first. */
  docScores: number[];
  /** nameRecall feature of the top hit (share of its title/heading terms the query mentions, idf-weighted). */
  nameRecall: number;
  /** Share of the query's known terms (idf-weighted) that the top document contains anywhere. */
  coverage: number;
  /** Whether the top document is also among the first 3 documents of the lexical list and of the dense list. */
  lexicalAgrees: boolean;
  denseAgrees: boolean | undefined;
}

export interface Confidence {
  /** In [0, 1]; `confident` when at least the model's threshold. */
  value: number;
  confident: boolean;
  margin: number;
  coverage: number;
}

export interface ConfidenceModel {
  bias: number;
  nameRecall: number;
  coverage: number;
  margin: number;
  agreement: number;
  threshold: number;
}

/** Logistic weights; see test/eval/README.md (eval:rag) for how they behave on the runbook set. */
export const DEFAULT_CONFIDENCE_MODEL: ConfidenceModel = {
  bias: -6,
  nameRecall: 5,
  coverage: 3,
  margin: 6,
  agreement: 1,
  threshold: 0.5,
};

export function confidence(
  input: ConfidenceInput,
  model: ConfidenceModel = DEFAULT_CONFIDENCE_MODEL,
): Confidence {
  if (input.docScores.length === 0)
    return { value: 0, confident: false, margin: 0, coverage: 0 };
  const s1 = input.docScores[0];
  const s2 = input.docScores[1] ?? 0;
  const margin = s1 > 0 ? (s1 - s2) / s1 : 0;
  // Without a dense list, lexical agreement counts for both halves.
  const denseAgrees = input.denseAgrees ?? input.lexicalAgrees;
  const agreement = (input.lexicalAgrees ? 0.5 : 0) + (denseAgrees ? 0.5 : 0);
  const z =
    model.bias +
    model.nameRecall * input.nameRecall +
    model.coverage * input.coverage +
    model.margin * margin +
    model.agreement * agreement;
  const value = 1 / (1 + Math.exp(-z));
  return {
    value,
    confident: value >= model.threshold,
    margin,
    coverage: input.coverage,
  };
}
