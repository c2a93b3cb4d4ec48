// Structure-following chunking: consecutive prose/list blocks of one section merge up to a size bound;
// code and tables stay whole chunks; every chunk carries its heading path and source line range.
import type {
  Block,
  Chunk,
  ChunkKind,
  ChunkOptions,
  ParsedDocument,
} from './types';

export const DEFAULT_MAX_CHUNK_CHARS = 1500;

function splitLong(block: Block, maxChars: number): Block[] {
  if (block.text.length <= maxChars) return [block];
  const lines = block.text.split('\n');
  // Block text is one entry per source line for markdown/text (not for HTML, where anchors are coarse).
  const lineExact = lines.length === block.lineEnd - block.lineStart + 1;
  const out: Block[] = [];
  let start = 0;
  let size = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (
      i === lines.length ||
      (size + lines[i].length > maxChars && i > start)
    ) {
      out.push({
        ...block,
        text: lines.slice(start, i).join('\n'),
        lineStart: lineExact ? block.lineStart + start : block.lineStart,
        lineEnd: lineExact ? block.lineStart + i - 1 : block.lineEnd,
      });
      start = i;
      size = 0;
    }
    if (i < lines.length) size += lines[i].length + 1;
  }
  return out;
}

export function chunkDocument(
  doc: ParsedDocument,
  options: ChunkOptions = {},
): Chunk[] {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHUNK_CHARS;
  const chunks: Chunk[] = [];
  const path: { level: number; text: string }[] = [];
  let open: { blocks: Block[]; kind: ChunkKind; size: number } | undefined;

  const close = () => {
    if (!open) return;
    const first = open.blocks[0];
    const last = open.blocks[open.blocks.length - 1];
    chunks.push({
      ordinal: chunks.length,
      text: open.blocks.map(b => b.text).join('\n\n'),
      headingPath: path.map(p => p.text),
      lineStart: first.lineStart,
      lineEnd: last.lineEnd,
      ...(first.page !== undefined ? { page: first.page } : {}),
      kind: open.kind,
    });
    open = undefined;
  };

  for (const block of doc.blocks) {
    if (block.kind === 'heading') {
      close();
      const level = block.level ?? 1;
      while (path.length && path[path.length - 1].level >= level) path.pop();
      if (block.text) path.push({ level, text: block.text });
      continue;
    }
    for (const part of splitLong(block, maxChars)) {
      const kind = part.kind as ChunkKind;
      const mergeable =
        open &&
        (kind === 'prose' || kind === 'list') &&
        (open.kind === 'prose' || open.kind === 'list') &&
        open.size + part.text.length <= maxChars &&
        open.blocks[0].page === part.page;
      if (!mergeable) {
        close();
        open = { blocks: [part], kind, size: part.text.length };
      } else {
        open!.blocks.push(part);
        open!.size += part.text.length + 2;
        if (open!.kind !== kind) open!.kind = 'prose';
      }
      if (kind === 'code' || kind === 'table') close();
    }
  }
  close();
  return chunks;
}
