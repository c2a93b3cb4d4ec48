// Hybrid retrieval over chunks: BM25F candidates and dense candidates (IVF-narrowed or full scan), fused by
// RRF, reranked by features, grouped per document and given a confidence; an in-process, pure index.
import { tokenize, type Token } from './analyze';
import { Bm25Index, type Bm25Options, type QueryTerm } from './bm25';
import {
  confidence,
  type Confidence,
  type ConfidenceModel,
} from './confidence';
import { reciprocalRankFusion, RRF_K } from './fusion';
import { rerank, type RerankFeatures, type RerankWeights } from './rerank';
import type { Chunk, ChunkKind } from './types';
import { VectorIndex } from './vectors';

export interface IndexedDocument {
  docId: string;
  title: string;
  chunks: Chunk[];
}

export interface SearchQuery {
  text: string;
  /** Query embedding from the same provider as the stored chunk vectors. */
  vector?: Float32Array;
}

export type SearchMode = 'bm25' | 'dense' | 'hybrid';

export interface SearchOptions {
  mode?: SearchMode;
  /** Hits to return. Default 10. */
  limit?: number;
  /** Lexical and dense candidates fetched before fusion. Default 200 each. */
  candidates?: number;
  /** Fused candidates reranked. Default 50. */
  rerankDepth?: number;
  /** IVF lists probed when the vector index is partitioned. Default 8. */
  nprobe?: number;
  /** Only these documents. */
  docIds?: string[];
  rrfK?: number;
  /** false ranks by the fused score alone (used to measure BM25-only and dense-only retrieval). */
  rerank?: boolean;
  rerankWeights?: RerankWeights;
  confidenceModel?: ConfidenceModel;
}

export interface SearchHit {
  docId: string;
  title: string;
  headingPath: string[];
  lineStart: number;
  lineEnd: number;
  page?: number;
  kind: ChunkKind;
  ordinal: number;
  text: string;
  snippet: string;
  score: number;
  bm25: number;
  cosine: number;
  features?: RerankFeatures;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Best hit per document, best first. */
  documents: SearchHit[];
  confidence: Confidence;
}

const FUSED_ONLY: RerankWeights = {
  fused: 1,
  bm25: 0,
  cosine: 0,
  headingCoverage: 0,
  nameRecall: 0,
  proximity: 0,
};

interface Slot {
  docId: string;
  title: string;
  chunk: Chunk;
  /** Term ids of the heading path and body in order, with their positions (for proximity). */
  seq: Int32Array;
  pos: Int32Array;
  /** Distinct term ids of the title and heading path (words), and of whole identifiers in them. */
  name: Int32Array;
  nameWhole: Int32Array;
}

/** Text given to embedders for a chunk: its document title and heading path give context to the body. */
export function chunkEmbeddingText(
  title: string,
  chunk: Pick<Chunk, 'headingPath' | 'text'>,
): string {
  return `${title}\n${chunk.headingPath.join(' / ')}\n${chunk.text}`;
}

/** Query terms with sublinear weights for repeats (a metric named twice in an expression counts more). */
export function queryTerms(tokens: Token[]): QueryTerm[] {
  const tf = new Map<string, number>();
  for (const t of tokens) tf.set(t.term, (tf.get(t.term) ?? 0) + 1);
  return [...tf].map(([term, n]) => ({ term, weight: 1 + Math.log(n) }));
}

/** A window of the chunk around the densest run of query terms, about `size` characters. */
export function makeSnippet(
  text: string,
  terms: Set<string>,
  size = 240,
): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= size) return flat;
  const words = flat.split(' ');
  const hits = words.map(w => tokenize(w).some(t => terms.has(t.term)));
  let best = 0;
  let bestCount = -1;
  for (let i = 0; i < words.length; i++) {
    let len = 0;
    let count = 0;
    for (let j = i; j < words.length && len < size; j++) {
      len += words[j].length + 1;
      if (hits[j]) count++;
    }
    if (count > bestCount) {
      bestCount = count;
      best = i;
    }
  }
  let out = '';
  for (
    let j = best;
    j < words.length && out.length + words[j].length < size;
    j++
  )
    out += `${words[j]} `;
  return `${best > 0 ? '... ' : ''}${out.trim()}${
    best + out.split(' ').length - 1 < words.length ? ' ...' : ''
  }`;
}

export class KnowledgeIndex {
  private readonly bm25: Bm25Index;
  private vectors?: VectorIndex;
  private readonly slots: (Slot | undefined)[] = [];
  private readonly free: number[] = [];
  private readonly byDoc = new Map<string, number[]>();

  constructor(options: { bm25?: Partial<Bm25Options> } = {}) {
    this.bm25 = new Bm25Index(options.bm25);
  }

  get chunkCount(): number {
    return this.bm25.size;
  }

  get documentCount(): number {
    return this.byDoc.size;
  }

  /** Adds a document's chunks, replacing any earlier version of the same docId (re-upload). */
  upsertDocument(doc: IndexedDocument, vectors?: Float32Array[]): void {
    if (vectors && vectors.length !== doc.chunks.length)
      throw new Error(
        `${vectors.length} vectors for ${doc.chunks.length} chunks`,
      );
    this.removeDocument(doc.docId);
    const titleTokens = tokenize(doc.title);
    const titleTerms = titleTokens.map(t => t.term);
    const ids: number[] = [];
    doc.chunks.forEach((chunk, i) => {
      const id = this.free.pop() ?? this.slots.length;
      const headingTokens = tokenize(chunk.headingPath.join('\n'));
      const bodyTokens = tokenize(chunk.text);
      this.bm25.add(id, {
        title: titleTerms,
        headings: headingTokens.map(t => t.term),
        body: bodyTokens.map(t => t.term),
      });
      // Kept as term ids so reranking does not re-tokenize candidates at query time.
      const offset =
        (headingTokens[headingTokens.length - 1]?.position ?? 0) + 2;
      const seqTokens = [
        ...headingTokens,
        ...bodyTokens.map(t => ({
          term: t.term,
          position: t.position + offset,
        })),
      ];
      const termId = (t: string) => this.bm25.termId(t)!;
      const nameTokens = [...titleTokens, ...headingTokens];
      this.slots[id] = {
        docId: doc.docId,
        title: doc.title,
        chunk,
        seq: Int32Array.from(seqTokens, t => termId(t.term)),
        pos: Int32Array.from(seqTokens, t => t.position),
        name: Int32Array.from(
          new Set(nameTokens.filter(t => !t.whole).map(t => termId(t.term))),
        ),
        nameWhole: Int32Array.from(
          new Set(nameTokens.filter(t => t.whole).map(t => termId(t.term))),
        ),
      };
      const v = vectors?.[i];
      if (v) {
        if (!this.vectors) this.vectors = new VectorIndex(v.length);
        this.vectors.set(id, v);
      }
      ids.push(id);
    });
    this.byDoc.set(doc.docId, ids);
  }

  /** Removes a document; returns how many chunks it had. */
  removeDocument(docId: string): number {
    const ids = this.byDoc.get(docId);
    if (!ids) return 0;
    for (const id of ids) {
      this.bm25.remove(id);
      this.vectors?.remove(id);
      this.slots[id] = undefined;
      this.free.push(id);
    }
    this.byDoc.delete(docId);
    return ids.length;
  }

  /** Builds the IVF partition of the dense vectors (worth it from a few thousand chunks on). */
  partitionVectors(lists?: number): void {
    if (!this.vectors) return;
    this.vectors.partition(
      lists ?? Math.max(1, Math.round(Math.sqrt(this.vectors.size))),
    );
  }

  /**
   * Share of the query's known terms (idf-weighted; terms the corpus never uses carry no evidence) that
   * occur anywhere in the document: an answer document should talk about what the query talks about.
   */
  documentCoverage(docId: string, queryTokens: Token[]): number {
    const ids = this.byDoc.get(docId);
    if (!ids) return 0;
    const terms = new Set<number>();
    for (const id of ids) {
      for (const tid of this.bm25.slotTerms(id) ?? []) terms.add(tid);
    }
    let mass = 0;
    let hit = 0;
    for (const term of new Set(queryTokens.map(t => t.term))) {
      if (this.bm25.df(term) === 0) continue;
      const w = this.bm25.idf(term);
      mass += w;
      if (terms.has(this.bm25.termId(term)!)) hit += w;
    }
    return mass > 0 ? hit / mass : 0;
  }

  search(query: SearchQuery, options: SearchOptions = {}): SearchResult {
    const mode = options.mode ?? (query.vector ? 'hybrid' : 'bm25');
    const limit = options.limit ?? 10;
    const depth = options.candidates ?? 200;
    const tokens = tokenize(query.text);
    const allowDocs = options.docIds ? new Set(options.docIds) : undefined;
    const allow = allowDocs
      ? (id: number) => allowDocs.has(this.slots[id]!.docId)
      : undefined;

    const lexical =
      mode === 'dense'
        ? []
        : this.bm25.search(queryTerms(tokens), depth, allow);
    let dense: { id: number; score: number }[] = [];
    const qv = query.vector;
    if (mode !== 'bm25' && qv && this.vectors) {
      if (qv.length !== this.vectors.dimensions)
        throw new Error(
          `query vector has ${qv.length} dimensions, index has ${this.vectors.dimensions}`,
        );
      const probed = this.vectors.probe(qv, options.nprobe ?? 8);
      dense = this.vectors
        .search(qv, depth * 2, probed)
        .filter(r => !allow || allow(r.id))
        .slice(0, depth);
    }
    const lists = { bm25: [lexical], dense: [dense], hybrid: [lexical, dense] }[
      mode
    ];
    const fused = reciprocalRankFusion(lists, {
      k: options.rrfK ?? RRF_K,
    }).slice(0, options.rerankDepth ?? 50);
    const bm25Of = new Map(lexical.map(r => [r.id, r.score]));
    const cosOf = new Map(dense.map(r => [r.id, r.score]));
    const qn = qv ? normalized(qv) : undefined;
    const candidates = fused.map(f => {
      const slot = this.slots[f.id]!;
      const cosine =
        cosOf.get(f.id) ??
        (qn && this.vectors?.has(f.id) ? this.vectors.dot(f.id, qn) : 0);
      return {
        id: f.id,
        fused: f.score,
        bm25: bm25Of.get(f.id) ?? 0,
        cosine: mode === 'bm25' ? 0 : cosine,
        nameTerms: new Set(Array.from(slot.name, tid => this.bm25.term(tid))),
        nameCompounds: new Set(
          Array.from(slot.nameWhole, tid => this.bm25.term(tid)),
        ),
        tokens: Array.from(slot.seq, (tid, i) => ({
          term: this.bm25.term(tid),
          position: slot.pos[i],
        })),
      };
    });
    const ranked = rerank(
      candidates,
      tokens,
      t => this.bm25.idf(t),
      options.rerank === false ? FUSED_ONLY : options.rerankWeights,
    );
    const termSet = new Set(tokens.map(t => t.term));
    const hits: SearchHit[] = ranked.map(r => {
      const s = this.slots[r.id]!;
      return {
        docId: s.docId,
        title: s.title,
        headingPath: s.chunk.headingPath,
        lineStart: s.chunk.lineStart,
        lineEnd: s.chunk.lineEnd,
        ...(s.chunk.page !== undefined ? { page: s.chunk.page } : {}),
        kind: s.chunk.kind,
        ordinal: s.chunk.ordinal,
        text: s.chunk.text,
        snippet: '',
        score: r.score,
        bm25: r.bm25,
        cosine: r.cosine,
        features: r.features,
      };
    });
    const documents: SearchHit[] = [];
    const seenDocs = new Set<string>();
    for (const h of hits) {
      if (seenDocs.has(h.docId)) continue;
      seenDocs.add(h.docId);
      documents.push(h);
    }
    const topDocsOf = (list: { id: number }[]) => {
      const docs: string[] = [];
      for (const r of list) {
        const d = this.slots[r.id]!.docId;
        if (!docs.includes(d)) docs.push(d);
        if (docs.length === 3) break;
      }
      return docs;
    };
    const top = documents[0];
    const conf = confidence(
      {
        docScores: documents.map(d => d.score),
        nameRecall: top?.features?.nameRecall ?? 0,
        coverage: top ? this.documentCoverage(top.docId, tokens) : 0,
        lexicalAgrees: !!top && topDocsOf(lexical).includes(top.docId),
        denseAgrees: dense.length
          ? !!top && topDocsOf(dense).includes(top.docId)
          : undefined,
      },
      options.confidenceModel,
    );
    const out = hits.slice(0, limit);
    for (const h of out) h.snippet = makeSnippet(h.text, termSet);
    for (const d of documents.slice(0, limit))
      if (!d.snippet) d.snippet = makeSnippet(d.text, termSet);
    return {
      hits: out,
      documents: documents.slice(0, limit),
      confidence: conf,
    };
  }
}

function normalized(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map(x => x * inv);
}
