// Upload format detection (mime type, then file extension, then content sniffing) and input checks.
// Sniffing follows the WHATWG MIME sniffing idea: magic bytes for PDF, markup tags for HTML, control bytes for binary.
import {
  BinaryContentError,
  DocumentTooLargeError,
  EmptyDocumentError,
  UnknownFormatError,
} from './errors';
import type { DocumentFormat } from './types';

/** Default upload limit: 20 MiB. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

const MIME: Record<string, DocumentFormat> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
};

const EXT: Record<string, DocumentFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  mdown: 'markdown',
  txt: 'text',
  text: 'text',
  log: 'text',
  rst: 'text',
  adoc: 'text',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  pdf: 'pdf',
};

export interface DetectInput {
  content: string | Uint8Array;
  filename?: string;
  mimeType?: string;
}

function headBytes(content: string | Uint8Array, n: number): Uint8Array {
  if (typeof content !== 'string') return content.subarray(0, n);
  return new TextEncoder().encode(content.slice(0, n));
}

/** True when the first 8 KiB hold NUL bytes or more than 10% control bytes (not tab/CR/LF/FF). */
export function looksBinary(content: string | Uint8Array): boolean {
  const bytes = headBytes(content, 8192);
  if (bytes.length === 0) return false;
  let control = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0) return true;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  }
  return control / bytes.length > 0.1;
}

function isPdf(content: string | Uint8Array): boolean {
  const head = headBytes(content, 1024);
  const s = String.fromCharCode(...head);
  return s.includes('%PDF-');
}

/** Picks a format; throws UnknownFormatError when nothing fits. */
export function detectFormat(input: DetectInput): DocumentFormat {
  const mime = input.mimeType?.split(';')[0].trim().toLowerCase();
  if (mime && MIME[mime]) return MIME[mime];
  const ext = input.filename?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (ext && EXT[ext]) return EXT[ext];
  if (isPdf(input.content)) return 'pdf';
  if (looksBinary(input.content)) {
    throw new UnknownFormatError(
      `cannot tell the type of ${
        input.filename ?? 'the upload'
      } (binary content)`,
    );
  }
  const text =
    typeof input.content === 'string'
      ? input.content.slice(0, 4096)
      : new TextDecoder().decode(input.content.subarray(0, 4096));
  if (/^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(text))
    return 'html';
  if (/^(#{1,6} |---\n|```|\* |- )/m.test(text)) return 'markdown';
  if (mime && !mime.startsWith('text/')) {
    throw new UnknownFormatError(`unsupported type ${mime}`);
  }
  return 'text';
}

/** Rejects empty, oversize and (for text formats) binary-looking content. */
export function validateContent(
  content: string | Uint8Array,
  format: DocumentFormat,
  maxBytes = DEFAULT_MAX_DOCUMENT_BYTES,
): void {
  const size =
    typeof content === 'string'
      ? Buffer.byteLength(content, 'utf8')
      : content.length;
  if (size > maxBytes) throw new DocumentTooLargeError(size, maxBytes);
  if (size === 0) throw new EmptyDocumentError();
  if (format === 'pdf') {
    if (!isPdf(content)) throw new BinaryContentError('not a PDF file');
    return;
  }
  if (looksBinary(content)) throw new BinaryContentError();
}
