// HTML to structural blocks with htmlparser2's streaming tokenizer: h1-h6, p/div text, ul/ol lists, pre, tables.
// Source offsets of the opening and closing tags map each block back to its line range in the original HTML.
import { Parser } from 'htmlparser2';
import type { Block, BlockKind } from './types';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg']);
const BLOCK_BREAK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'blockquote',
  'dd',
  'dt',
  'dl',
  'figure',
  'figcaption',
  'details',
  'summary',
  'nav',
  'form',
  'hr',
  'br',
]);

/** Index of the line (1-based) holding character offset `pos`. */
export function lineAt(lineStarts: number[], pos: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && source.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

const CONTAINER_OF: Record<string, 'list' | 'code' | 'table'> = {
  ul: 'list',
  ol: 'list',
  pre: 'code',
  table: 'table',
};

export interface HtmlResult {
  title?: string;
  blocks: Block[];
}

export function parseHtml(source: string): HtmlResult {
  const starts = lineStartsOf(source);
  const blocks: Block[] = [];
  let title: string | undefined;
  let titleText = '';
  let inTitle = false;
  let skipDepth = 0;
  // The open block collecting text: its kind, start offset and text.
  let kind: BlockKind = 'prose';
  let level: number | undefined;
  let text = '';
  let startPos = -1;
  let lastPos = 0;
  let container: 'list' | 'code' | 'table' | 'heading' | undefined;
  let containerDepth = 0;
  let row: string[] = [];
  let cell = '';
  let inCell = false;

  const flush = (endPos: number) => {
    const squash = (s: string) => s.replace(/[ \t\r\n\u00a0]+/g, ' ').trim();
    let body: string;
    if (kind === 'code') body = text.replace(/^\n+|\s+$/g, '');
    else if (kind === 'list')
      body = text
        .split('\n- ')
        .map(squash)
        .filter(s => s && s !== '-')
        .join('\n- ');
    else if (kind === 'table') body = text.trim();
    else body = squash(text);
    if (body && startPos >= 0) {
      blocks.push({
        kind,
        text: body,
        ...(level ? { level } : {}),
        lineStart: lineAt(starts, startPos),
        lineEnd: lineAt(starts, Math.max(startPos, endPos)),
      });
    }
    text = '';
    startPos = -1;
    level = undefined;
    kind = 'prose';
  };

  const parser: Parser = new Parser(
    {
      onopentag(name) {
        if (SKIP.has(name) || skipDepth > 0) {
          skipDepth++;
          return;
        }
        if (name === 'title') {
          inTitle = true;
          return;
        }
        if (container) {
          if (container === 'list' && name === 'li')
            text += text ? '\n- ' : '- ';
          if (container === 'table' && (name === 'td' || name === 'th')) {
            inCell = true;
            cell = '';
          }
          if (
            name === 'ul' ||
            name === 'ol' ||
            name === 'table' ||
            name === 'pre'
          )
            containerDepth++;
          return;
        }
        const heading = /^h([1-6])$/.exec(name);
        if (
          heading ||
          name === 'ul' ||
          name === 'ol' ||
          name === 'pre' ||
          name === 'table'
        ) {
          flush(lastPos);
          container = CONTAINER_OF[name] ?? 'heading';
          containerDepth = 1;
          kind = container;
          level = heading ? Number(heading[1]) : undefined;
          startPos = parser.startIndex;
          return;
        }
        if (BLOCK_BREAK.has(name)) flush(lastPos);
      },
      ontext(data) {
        if (skipDepth > 0) return;
        if (inTitle) {
          titleText += data;
          return;
        }
        if (inCell) {
          cell += data;
          return;
        }
        if (!container && !data.trim() && startPos < 0) return;
        if (startPos < 0 && data.trim())
          startPos =
            parser.startIndex + (data.length - data.trimStart().length);
        text += data;
        lastPos = parser.endIndex;
      },
      onclosetag(name) {
        if (skipDepth > 0) {
          skipDepth--;
          return;
        }
        if (name === 'title') {
          inTitle = false;
          title = titleText.replace(/\s+/g, ' ').trim() || undefined;
          return;
        }
        if (container === 'table') {
          if (name === 'td' || name === 'th') {
            row.push(cell.replace(/\s+/g, ' ').trim());
            inCell = false;
          } else if (name === 'tr' && row.length) {
            text += `${text ? '\n' : ''}${row.join(' | ')}`;
            row = [];
          }
        }
        if (container) {
          const closesContainer =
            (container === 'heading' && /^h[1-6]$/.test(name)) ||
            (container === 'list' && (name === 'ul' || name === 'ol')) ||
            (container === 'code' && name === 'pre') ||
            (container === 'table' && name === 'table');
          if (
            name === 'ul' ||
            name === 'ol' ||
            name === 'table' ||
            name === 'pre'
          ) {
            if (container !== 'heading') containerDepth--;
          }
          if (
            closesContainer &&
            (container === 'heading' || containerDepth === 0)
          ) {
            container = undefined;
            flush(parser.endIndex);
          }
          return;
        }
        if (BLOCK_BREAK.has(name)) flush(parser.endIndex);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(source);
  parser.end();
  flush(lastPos);
  return { title, blocks };
}
