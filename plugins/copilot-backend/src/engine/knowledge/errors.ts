// Typed input errors of the knowledge stage (empty, binary-looking, oversize, unknown type, malformed).
// Plain Error subclasses with a stable `code`, so the HTTP layer can map them to 4xx without string matching.

export type KnowledgeErrorCode =
  | 'EMPTY_DOCUMENT'
  | 'BINARY_CONTENT'
  | 'DOCUMENT_TOO_LARGE'
  | 'UNKNOWN_FORMAT'
  | 'MALFORMED_DOCUMENT'
  | 'EMBEDDING_PROVIDER';

export class KnowledgeError extends Error {
  readonly code: KnowledgeErrorCode;
  constructor(code: KnowledgeErrorCode, message: string) {
    super(message);
    this.name = 'KnowledgeError';
    this.code = code;
  }
}

export class EmptyDocumentError extends KnowledgeError {
  constructor(message = 'document has no text content') {
    super('EMPTY_DOCUMENT', message);
    this.name = 'EmptyDocumentError';
  }
}

export class BinaryContentError extends KnowledgeError {
  constructor(message = 'content looks binary, not text') {
    super('BINARY_CONTENT', message);
    this.name = 'BinaryContentError';
  }
}

export class DocumentTooLargeError extends KnowledgeError {
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number) {
    super('DOCUMENT_TOO_LARGE', `document is ${size} bytes, limit ${limit}`);
    this.name = 'DocumentTooLargeError';
    this.size = size;
    this.limit = limit;
  }
}

export class UnknownFormatError extends KnowledgeError {
  constructor(message = 'unknown document type') {
    super('UNKNOWN_FORMAT', message);
    this.name = 'UnknownFormatError';
  }
}

export class MalformedDocumentError extends KnowledgeError {
  constructor(message: string) {
    super('MALFORMED_DOCUMENT', message);
    this.name = 'MalformedDocumentError';
  }
}

export class EmbeddingProviderError extends KnowledgeError {
  constructor(message: string) {
    super('EMBEDDING_PROVIDER', message);
    this.name = 'EmbeddingProviderError';
  }
}
