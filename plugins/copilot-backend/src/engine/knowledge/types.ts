// Shared types of the knowledge stage: parsed documents, structural blocks and line-anchored chunks.
// Anchors are 1-based inclusive line numbers into the original source (into the page's text for PDF).

/** Formats the parser understands. */
export type DocumentFormat = 'markdown' | 'text' | 'html' | 'pdf';

/** What a block or chunk holds; headings only exist as blocks (they become chunk heading paths). */
export type BlockKind = 'heading' | 'prose' | 'list' | 'code' | 'table';
export type ChunkKind = Exclude<BlockKind, 'heading'>;

/** One structural unit of a document with its source anchor. */
export interface Block {
  kind: BlockKind;
  /** Text of the block (source lines for markdown/text, extracted text for HTML/PDF). */
  text: string;
  /** Heading level 1-6, only for headings. */
  level?: number;
  /** Code fence info string (e.g. `promql`), only for code. */
  lang?: string;
  lineStart: number;
  lineEnd: number;
  /** 1-based page number (PDF only); lines then count within the page's extracted text. */
  page?: number;
}

export interface ParsedDocument {
  title: string;
  format: DocumentFormat;
  blocks: Block[];
  /** PDF only: extracted text per page (the text the page anchors refer to). */
  pages?: string[];
}

export interface ParseInput {
  content: string | Uint8Array;
  format: DocumentFormat;
  /** Overrides the title found in the document (front matter, <title>, first heading). */
  title?: string;
}

/** A retrievable unit: consecutive blocks of one section, anchored to its source lines. */
export interface Chunk {
  ordinal: number;
  text: string;
  headingPath: string[];
  lineStart: number;
  lineEnd: number;
  page?: number;
  kind: ChunkKind;
}

export interface ChunkOptions {
  /** Soft upper bound of a chunk's text length; a longer single block is split by lines. */
  maxChars?: number;
}
