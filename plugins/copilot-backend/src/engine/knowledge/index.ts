// The knowledge stage: parsing and structure-following chunking of runbooks/postmortems/ADRs, hybrid
// retrieval (BM25F + dense embeddings, RRF, feature reranking, confidence) and cited answers.
export * from './types';
export * from './errors';
export {
  detectFormat,
  validateContent,
  looksBinary,
  DEFAULT_MAX_DOCUMENT_BYTES,
  type DetectInput,
} from './detect';
export { parseDocument, type ParseOptions } from './parse';
export { chunkDocument, DEFAULT_MAX_CHUNK_CHARS } from './chunk';
export { parseMarkdown } from './markdown';
export { parseText } from './text';
export { parseHtml } from './html';
export { extractPdfPages } from './pdf';
export { stem } from './stem';
export {
  tokenize,
  analyze,
  analyzePromQL,
  promqlText,
  splitIdentifier,
  STOPWORDS,
  PROMQL_KEYWORDS,
  type Token,
} from './analyze';
export {
  Bm25Index,
  DEFAULT_BM25,
  type Bm25Options,
  type Bm25Field,
  type FieldTerms,
  type QueryTerm,
} from './bm25';
export {
  LocalEmbedder,
  hashedFeatures,
  type EmbeddingProvider,
  type LocalEmbedderOptions,
  type LocalEmbedderState,
} from './embed';
export { OpenAiEmbeddingProvider, type OpenAiEmbeddingOptions } from './openai';
export { randomizedSvd, type CsrMatrix, type TruncatedSvd } from './svd';
export { VectorIndex, toBytes, fromBytes } from './vectors';
export {
  reciprocalRankFusion,
  weightedScoreFusion,
  RRF_K,
  type Ranked,
} from './fusion';
export {
  rerank,
  DEFAULT_RERANK_WEIGHTS,
  type RerankWeights,
  type RerankFeatures,
} from './rerank';
export {
  confidence,
  DEFAULT_CONFIDENCE_MODEL,
  type Confidence,
  type ConfidenceModel,
} from './confidence';
export {
  KnowledgeIndex,
  chunkEmbeddingText,
  type IndexedDocument,
  type SearchQuery,
  type SearchOptions,
  type SearchHit,
  type SearchResult,
  type SearchMode,
} from './search';
export {
  expandIncidentQuery,
  alertQueryText,
  stripTemplates,
  type IncidentQueryInput,
  type AlertQueryInput,
} from './expand';
export {
  composeCitedAnswer,
  verifyCitations,
  plainText,
  type AnswerSnippet,
  type Citation,
  type CitedAnswer,
  type VerifyResult,
} from './answer';
