// Document parsing entry point: validates the input and dispatches to the format's block parser.
// Titles come from the caller, then front matter / <title>, then the first heading, then the first line.
import { validateContent } from './detect';
import { EmptyDocumentError, UnknownFormatError } from './errors';
import { parseHtml } from './html';
import { parseMarkdown } from './markdown';
import { extractPdfPages } from './pdf';
import { parseText } from './text';
import type { Block, ParsedDocument, ParseInput } from './types';

export interface ParseOptions {
  maxBytes?: number;
}

function asText(content: string | Uint8Array): string {
  const s =
    typeof content === 'string'
      ? content
      : new TextDecoder('utf-8', { fatal: false }).decode(content);
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function fallbackTitle(blocks: Block[]): string {
  const h = blocks.find(b => b.kind === 'heading');
  if (h) return h.text;
  const first = blocks[0]?.text.split('\n')[0] ?? '';
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

export function parseDocument(
  input: ParseInput,
  options: ParseOptions = {},
): ParsedDocument {
  validateContent(input.content, input.format, options.maxBytes);
  let blocks: Block[];
  let title: string | undefined;
  let pages: string[] | undefined;
  switch (input.format) {
    case 'markdown': {
      const r = parseMarkdown(asText(input.content));
      blocks = r.blocks;
      title = r.title;
      break;
    }
    case 'text':
      blocks = parseText(asText(input.content));
      break;
    case 'html': {
      const r = parseHtml(asText(input.content));
      blocks = r.blocks;
      title = r.title;
      break;
    }
    case 'pdf': {
      const bytes =
        typeof input.content === 'string'
          ? Buffer.from(input.content, 'latin1')
          : input.content;
      pages = extractPdfPages(bytes);
      blocks = pages.flatMap((text, i) => parseText(text, 1, i + 1));
      break;
    }
    default:
      throw new UnknownFormatError(`unknown format ${String(input.format)}`);
  }
  if (!blocks.some(b => b.kind !== 'heading' && b.text.trim())) {
    throw new EmptyDocumentError();
  }
  return {
    title: input.title ?? title ?? fallbackTitle(blocks),
    format: input.format,
    blocks,
    ...(pages ? { pages } : {}),
  };
}
