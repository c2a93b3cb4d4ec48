import { createHash } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  Incident,
  IncidentAnalysis,
  IncidentAnswer,
  IncidentEvidence,
  KnowledgeDoc,
  KnowledgeDocKind,
  KnowledgeSnippet,
  UploadDocResult,
} from '@devops-copilot/backstage-plugin-copilot-common';
import {
  chunkDocument,
  chunkEmbeddingText,
  composeCitedAnswer,
  detectFormat,
  expandIncidentQuery,
  KnowledgeIndex,
  LocalEmbedder,
  OpenAiEmbeddingProvider,
  parseDocument,
  verifyCitations,
  type AnswerSnippet,
  type DocumentFormat,
  type EmbeddingProvider,
  type SearchHit,
} from '../engine/knowledge';
import type { DocStore, DocWithChunks } from '../stores/DocStore';
import type { KnowledgeConfig } from './config';
import { LlmAnswerWriter } from './llm';

/** A document to store and index. */
export interface IngestInput {
  title?: string;
  kind: KnowledgeDocKind;
  source?: string;
  owner?: string;
  tags?: string[];
  format?: DocumentFormat;
  content: string | Uint8Array;
  filename?: string;
  mimeType?: string;
  origin: 'upload' | 'folder' | 'catalog' | 'incident';
}

export interface KnowledgeSearchOptions {
  k?: number;
  /** Drops hits of documents the caller may not see (checked before the limit is applied). */
  visible?: (doc: KnowledgeDoc) => boolean | Promise<boolean>;
  /** Documents never returned (e.g. the incident's own document when searching for it). */
  excludeSources?: string[];
}

const CONTENT_TYPES: Record<DocumentFormat, string> = {
  markdown: 'text/markdown',
  text: 'text/plain',
  html: 'text/html',
  pdf: 'application/pdf',
};

/** Identity of an upload without a source: its owner and title (re-uploading the same replaces it). */
export function defaultSource(title: string, owner?: string): string {
  return `upload:${owner?.toLocaleLowerCase('en-US') ?? '-'}:${title
    .trim()
    .toLocaleLowerCase('en-US')}`;
}

/**
 * The knowledge stage as a service: documents in the DocStore, an in-process KnowledgeIndex (BM25F + dense,
 * fused and reranked) built from the store at startup and kept in sync on upload and delete, an embedding
 * provider (the local LSA embedder, refitted when the corpus changed enough, or an OpenAI-compatible one),
 * and cited answers for incidents. Mutations run one at a time.
 */
export class KnowledgeService {
  private index = new KnowledgeIndex();
  private embedder: EmbeddingProvider;
  private readonly local?: LocalEmbedder;
  private readonly docs = new Map<string, KnowledgeDoc>();
  private fittedOn = 0;
  private changedSinceFit = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly llm?: LlmAnswerWriter;
  private pgvector = false;
  private readonly missingIndexes = new Set<number>();

  constructor(
    private readonly options: {
      store: DocStore;
      logger: LoggerService;
      config: KnowledgeConfig;
      fetch?: typeof globalThis.fetch;
      /** Refit inline after an upload when the corpus is at most this many chunks. Default 5000. */
      inlineRefitChunks?: number;
    },
  ) {
    const e = options.config.embeddings;
    if (e.provider === 'local') {
      this.local = new LocalEmbedder({ dimensions: e.dimensions });
      this.embedder = this.local;
    } else {
      this.embedder = new OpenAiEmbeddingProvider({
        baseUrl: e.baseUrl,
        model: e.model,
        apiKey: e.apiKey,
        dimensions: e.dimensions,
        fetch: options.fetch,
      });
    }
    if (options.config.llm)
      this.llm = new LlmAnswerWriter(options.config.llm, options.fetch);
  }

  get embedderId(): string {
    return this.embedder.id;
  }

  get chunkCount(): number {
    return this.index.chunkCount;
  }

  /** True when dense candidates come from pgvector's HNSW index (PostgreSQL with the extension). */
  get usesPgvector(): boolean {
    return this.pgvector;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Builds the index from the store (at startup, and on a schedule for multi-replica deployments). */
  rebuild(options: { refit?: boolean } = {}): Promise<void> {
    return this.exclusive(() => this.rebuildNow(options.refit ?? true));
  }

  private async rebuildNow(refit: boolean): Promise<void> {
    const { store, logger } = this.options;
    const started = Date.now();
    this.pgvector = await store.hasVectorColumn();
    const all: DocWithChunks[] = [];
    for await (const d of store.all()) all.push(d);
    const texts = all.flatMap(d =>
      d.chunks.map(c => chunkEmbeddingText(d.doc.title, c)),
    );
    if (this.local && refit && texts.length >= 2) {
      this.local.fit(texts);
      this.fittedOn = texts.length;
      this.changedSinceFit = 0;
    }
    // Chunks embedded by another model (or an earlier fit) are re-embedded with the current one.
    const id = this.embedder.id;
    const stale = all.flatMap(d =>
      d.chunks
        .filter(c => c.embedder !== id || !c.embedding)
        .map(c => ({ c, text: chunkEmbeddingText(d.doc.title, c) })),
    );
    if (stale.length > 0) {
      try {
        const vectors = await this.embedder.embed(stale.map(s => s.text));
        stale.forEach((s, i) => {
          s.c.embedding = vectors[i];
          s.c.embedder = id;
        });
        await store.setEmbeddings(
          stale.map((s, i) => ({ chunkId: s.c.id, vector: vectors[i] })),
          id,
        );
      } catch (e) {
        logger.warn(
          `Knowledge: re-embedding ${stale.length} chunks with ${id} failed, dense retrieval is off for them: ${e}`,
        );
      }
    }
    if (this.pgvector && this.embedder.dimensions > 0)
      await this.ensureVectorIndex(this.embedder.dimensions);
    const index = new KnowledgeIndex();
    this.docs.clear();
    for (const d of all) {
      const vectors = d.chunks.every(c => c.embedding && c.embedder === id)
        ? d.chunks.map(c => c.embedding!)
        : undefined;
      index.upsertDocument(
        { docId: d.doc.id, title: d.doc.title, chunks: d.chunks },
        vectors,
      );
      this.docs.set(d.doc.id, d.doc);
    }
    if (index.chunkCount >= 5000) index.partitionVectors();
    this.index = index;
    logger.info(
      `Knowledge: indexed ${all.length} documents, ${
        index.chunkCount
      } chunks with ${id}${
        stale.length ? ` (${stale.length} re-embedded)` : ''
      }${this.pgvector ? ', pgvector' : ''} in ${Date.now() - started} ms`,
    );
  }

  private async ensureVectorIndex(dimensions: number): Promise<void> {
    if (await this.options.store.ensureVectorIndex(dimensions)) return;
    if (this.missingIndexes.has(dimensions)) return;
    this.missingIndexes.add(dimensions);
    this.options.logger.warn(
      `Knowledge: no pgvector HNSW index for ${dimensions}-dimensional embeddings (HNSW takes at most 2000, or creating it failed); nearest-neighbour queries scan every chunk`,
    );
  }

  /** True when the local embedder should be refitted on the current corpus. */
  needsRefit(): boolean {
    if (!this.local) return false;
    if (!this.local.fitted && this.index.chunkCount < 2) return false;
    return (
      this.changedSinceFit >=
      Math.max(1, this.options.config.refitFraction * this.fittedOn)
    );
  }

  /** Refits the local embedder and re-embeds every chunk when the corpus changed enough (scheduled). */
  async refitIfNeeded(): Promise<boolean> {
    if (!this.needsRefit()) return false;
    await this.rebuild({ refit: true });
    return true;
  }

  /** Parses, chunks, embeds, stores and indexes a document; the same source replaces its earlier version. */
  ingest(
    input: IngestInput,
    options: { skipUnchanged?: boolean } = {},
  ): Promise<UploadDocResult & { unchanged?: boolean }> {
    return this.exclusive(() => this.ingestNow(input, options));
  }

  private async ingestNow(
    input: IngestInput,
    options: { skipUnchanged?: boolean },
  ): Promise<UploadDocResult & { unchanged?: boolean }> {
    const { store, config } = this.options;
    const format =
      input.format ??
      detectFormat({
        content: input.content,
        filename: input.filename,
        mimeType: input.mimeType,
      });
    const parsed = parseDocument(
      { content: input.content, format, title: input.title },
      { maxBytes: config.maxDocBytes },
    );
    const title = parsed.title.trim() || input.filename || 'Untitled';
    const source = input.source ?? defaultSource(title, input.owner);
    const bytes =
      typeof input.content === 'string'
        ? Buffer.from(input.content, 'utf8')
        : Buffer.from(input.content);
    const contentHash = createHash('sha256')
      .update(bytes)
      .update(`\0${title}\0${input.kind}\0${(input.tags ?? []).join(',')}`)
      .digest('hex');
    if (options.skipUnchanged) {
      const existing = await store.findBySource(source);
      if (existing && existing.contentHash === contentHash)
        return {
          doc: existing,
          chunks: existing.chunkCount,
          replaced: false,
          unchanged: true,
        };
    }
    const chunks = chunkDocument(parsed);
    let vectors: Float32Array[] | undefined;
    try {
      vectors = await this.embedder.embed(
        chunks.map(c => chunkEmbeddingText(title, c)),
      );
    } catch (e) {
      this.options.logger.warn(
        `Knowledge: embedding '${title}' failed, it is searchable by keywords only until the next rebuild: ${e}`,
      );
    }
    const { doc, replaced } = await store.upsert(
      {
        title,
        kind: input.kind,
        source,
        ownerEntityRef: input.owner,
        tags: input.tags ?? [],
        format,
        origin: input.origin,
        contentType: CONTENT_TYPES[format],
        contentHash,
        sizeBytes: bytes.length,
      },
      chunks.map((c, i) => ({ ...c, embedding: vectors?.[i] })),
      vectors ? this.embedder.id : undefined,
    );
    // An embedder whose dimensions were unknown at startup (OpenAI-compatible) reports them now.
    if (this.pgvector && vectors?.[0]?.length)
      await this.ensureVectorIndex(vectors[0].length);
    this.index.upsertDocument({ docId: doc.id, title, chunks }, vectors);
    this.docs.set(doc.id, doc);
    this.changedSinceFit += chunks.length;
    if (
      this.needsRefit() &&
      this.index.chunkCount <= (this.options.inlineRefitChunks ?? 5000)
    )
      await this.rebuildNow(true);
    return { doc, chunks: chunks.length, replaced };
  }

  listDocs(options: Parameters<DocStore['list']>[0]) {
    return this.options.store.list(options);
  }

  getDoc(id: string): Promise<KnowledgeDoc> {
    return this.options.store.get(id);
  }

  chunks(docId: string) {
    return this.options.store.chunks(docId);
  }

  /** Deletes a document from the store and the index. */
  remove(id: string): Promise<KnowledgeDoc> {
    return this.exclusive(async () => {
      const doc = await this.options.store.delete(id);
      this.changedSinceFit += this.index.removeDocument(id);
      this.docs.delete(id);
      return doc;
    });
  }

  /** Hybrid retrieval: snippets with their document, heading path, line range (or page) and score. */
  async search(
    text: string,
    options: KnowledgeSearchOptions = {},
  ): Promise<{
    items: KnowledgeSnippet[];
    confidence: { value: number; confident: boolean };
  }> {
    const k = options.k ?? 5;
    let vector: Float32Array | undefined;
    try {
      [vector] = await this.embedder.embed([text]);
    } catch (e) {
      this.options.logger.warn(
        `Knowledge: query embedding failed, keyword search only: ${e}`,
      );
    }
    const excluded = new Set(options.excludeSources ?? []);
    let docIds: string[] | undefined;
    if (excluded.size > 0)
      docIds = [...this.docs.values()]
        .filter(d => !excluded.has(d.source))
        .map(d => d.id);
    if (this.pgvector && vector && vector.length > 0) {
      // Dense candidates from the HNSW index narrow the documents the in-process ranking looks at.
      const dense = await this.options.store.denseCandidates(
        vector,
        this.embedder.id,
        200,
      );
      const lexical = this.index.search(
        { text },
        { mode: 'bm25', limit: 50, docIds },
      );
      const allowed = docIds ? new Set(docIds) : undefined;
      docIds = [
        ...new Set([
          ...lexical.documents.map(d => d.docId),
          ...dense.map(d => d.docId).filter(d => !allowed || allowed.has(d)),
        ]),
      ];
    }
    const depth = Math.min(200, k * 4 + 10);
    const result = this.index.search(
      { text, ...(vector && vector.length > 0 ? { vector } : {}) },
      { limit: depth, docIds },
    );
    const items: KnowledgeSnippet[] = [];
    for (const h of result.hits) {
      const doc = this.docs.get(h.docId);
      if (!doc) continue;
      if (options.visible && !(await options.visible(doc))) continue;
      items.push(toSnippet(h, doc));
      if (items.length >= k) break;
    }
    return {
      items,
      confidence: {
        value: round(result.confidence.value),
        confident: result.confidence.confident,
      },
    };
  }

  /** Query text for an incident: its title, entity, top hypotheses, evidence and alert name. */
  static incidentQuery(
    incident: Incident,
    analysis?: IncidentAnalysis,
    evidence: IncidentEvidence[] = [],
  ): string {
    return expandIncidentQuery({
      title: incident.title,
      entity: incident.entityRef,
      hypotheses: analysis?.hypotheses
        .filter(h => h.kind !== 'none')
        .map(h => ({ statement: h.statement, kind: h.kind })),
      evidence: evidence.map(e => ({ summary: e.summary })),
      templates: evidence
        .map(e => e.data?.template)
        .filter((t): t is string => typeof t === 'string'),
      alertNames: incident.labels.alertname ? [incident.labels.alertname] : [],
    });
  }

  /**
   * A cited answer about the incident from the retrieved snippets: the LLM's (when configured and its
   * citations verify), else the extractive one; `supported: false` when no answer verifies.
   */
  async answer(
    incident: Incident,
    input: {
      question?: string;
      analysis?: IncidentAnalysis;
      evidence?: IncidentEvidence[];
      visible?: KnowledgeSearchOptions['visible'];
    },
  ): Promise<IncidentAnswer> {
    const expanded = KnowledgeService.incidentQuery(
      incident,
      input.analysis,
      input.evidence,
    );
    const top = input.analysis?.hypotheses.find(h => h.kind !== 'none');
    const question =
      input.question?.trim() ||
      `How do we mitigate ${incident.title}${top ? `: ${top.statement}` : ''}?`;
    const { items } = await this.search(`${question}\n${expanded}`, {
      k: 6,
      visible: input.visible,
      excludeSources: [incidentSource(incident.id)],
    });
    const snippets: AnswerSnippet[] = items.map(s => ({
      docId: s.docId,
      text: s.text,
      lineStart: s.lineStart,
      lineEnd: s.lineEnd,
      ...(s.page !== undefined ? { page: s.page } : {}),
      title: s.title,
      headingPath: s.headingPath,
    }));
    const titleOf = new Map(items.map(s => [s.docId, s.title]));
    const cite = (sentences: IncidentAnswer['sentences']) =>
      sentences.map(s => ({
        text: s.text,
        citations: s.citations.map(c => ({
          ...c,
          title: titleOf.get(c.docId),
        })),
      }));
    const base = { incidentId: incident.id, question, snippets: items };
    if (snippets.length === 0) {
      return {
        ...base,
        supported: false,
        writer: 'extractive',
        sentences: [],
        reason:
          'No supported answer: nothing in the knowledge store matches this incident',
      };
    }
    let llmProblem: string | undefined;
    if (this.llm) {
      try {
        const written = await this.llm.write(question, snippets);
        const check = verifyCitations(written, snippets, { minSupport: 0.6 });
        if (check.valid) {
          return {
            ...base,
            supported: true,
            writer: 'llm',
            sentences: cite(written.sentences),
          };
        }
        llmProblem = `LLM answer rejected: ${check.problems
          .map(p => p.reason)
          .join('; ')}`;
      } catch (e) {
        llmProblem = `LLM answer failed: ${(e as Error).message}`;
      }
      this.options.logger.warn(`Knowledge: ${llmProblem}`);
    }
    const extractive = composeCitedAnswer(question, snippets);
    const check = verifyCitations(extractive, snippets, { minSupport: 1 });
    if (!check.valid) {
      return {
        ...base,
        supported: false,
        writer: 'extractive',
        sentences: [],
        reason: `No supported answer: ${check.problems
          .map(p => p.reason)
          .join('; ')}${llmProblem ? `; ${llmProblem}` : ''}`,
      };
    }
    return {
      ...base,
      supported: true,
      writer: 'extractive',
      sentences: cite(extractive.sentences),
      ...(llmProblem ? { reason: llmProblem } : {}),
    };
  }

  /** Stores and indexes a past incident as a document (title, summary, top hypotheses, resolution). */
  async indexIncident(
    incident: Incident,
    analysis?: IncidentAnalysis,
  ): Promise<void> {
    await this.ingest(
      {
        title: `Incident: ${incident.title}`,
        kind: 'incident',
        source: incidentSource(incident.id),
        owner: incident.entityRef,
        tags: [incident.severity, incident.status],
        format: 'markdown',
        content: incidentMarkdown(incident, analysis),
        origin: 'incident',
      },
      { skipUnchanged: true },
    );
  }

  /** The document of an incident, when it was indexed. */
  async incidentDoc(incidentId: string): Promise<KnowledgeDoc | undefined> {
    return this.options.store.findBySource(incidentSource(incidentId));
  }
}

export function incidentSource(incidentId: string): string {
  return `incident:${incidentId}`;
}

/** The incident as a Markdown document (what an engineer would write in a short postmortem). */
export function incidentMarkdown(
  incident: Incident,
  analysis?: IncidentAnalysis,
): string {
  const lines = [
    `# ${incident.title}`,
    '',
    `Incident on ${incident.entityRef} (${incident.severity}), opened ${incident.openedAt}, status ${incident.status}.`,
  ];
  if (incident.affectedEntityRefs.length)
    lines.push(`Also affected: ${incident.affectedEntityRefs.join(', ')}.`);
  if (incident.summary) lines.push('', '## Summary', '', incident.summary);
  const hypotheses = (analysis?.hypotheses ?? [])
    .filter(h => h.kind !== 'none')
    .slice(0, 3);
  if (hypotheses.length) {
    lines.push('', '## Top hypotheses', '');
    for (const h of hypotheses)
      lines.push(
        `- ${h.statement} (${h.kind.replace(
          /_/g,
          ' ',
        )}, confidence ${Math.round(h.confidence * 100)}%)`,
      );
  }
  const resolution =
    incident.resolution?.summary ??
    incident.labels.resolution ??
    incident.labels.mitigation ??
    undefined;
  const rootCause = incident.resolution?.rootCause;
  if (rootCause)
    lines.push(
      '',
      '## Root cause',
      '',
      `Confirmed: ${rootCause.kind.replace(/_/g, ' ')} on ${
        rootCause.entityRef
      }.`,
    );
  if (incident.status === 'resolved' || resolution) {
    lines.push('', '## Resolution', '');
    if (resolution) lines.push(resolution);
    if (incident.resolvedAt) lines.push(`Resolved at ${incident.resolvedAt}.`);
  }
  return `${lines.join('\n')}\n`;
}

function toSnippet(h: SearchHit, doc: KnowledgeDoc): KnowledgeSnippet {
  return {
    docId: h.docId,
    title: doc.title,
    kind: doc.kind,
    source: doc.source,
    headingPath: h.headingPath,
    lineStart: h.lineStart,
    lineEnd: h.lineEnd,
    ...(h.page !== undefined ? { page: h.page } : {}),
    snippet: h.snippet || h.text.slice(0, 240),
    text: h.text,
    score: round(h.score),
  };
}

function round(v: number): number {
  return Math.round(v * 10000) / 10000;
}
