// Plain text to structural blocks: blank-line paragraphs, bullet/numbered lists, indented code and
// heading-like lines (underlined, ALL CAPS or numbered section titles), each with its line range.
import type { Block } from './types';

const LIST_ITEM = /^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+\S/;
const UNDERLINE = /^\s*(=+|-+|~+)\s*$/;
const NUMBERED_TITLE = /^\d+(\.\d+)*\.?\s+[A-Z][^.!?]{0,70}$/;

function headingLike(line: string): boolean {
  const t = line.trim();
  if (t.length < 3 || t.length > 80 || /[.,;:]$/.test(t)) return false;
  if (NUMBERED_TITLE.test(t)) return true;
  const letters = t.replace(/[^A-Za-z]/g, '');
  return letters.length >= 3 && letters === letters.toUpperCase();
}

/** `firstLine` and `page` let the PDF extractor reuse this per page. */
export function parseText(
  source: string,
  firstLine = 1,
  page?: number,
): Block[] {
  const lines = source.split(/\r\n|\r|\n/);
  const blocks: Block[] = [];
  const push = (b: Omit<Block, 'page'>) =>
    blocks.push(page === undefined ? b : { ...b, page });
  const blank = (i: number) => i >= lines.length || lines[i].trim() === '';
  let i = 0;
  while (i < lines.length) {
    if (blank(i)) {
      i++;
      continue;
    }
    const line = lines[i];
    if (
      !blank(i + 1) &&
      UNDERLINE.test(lines[i + 1]) &&
      !UNDERLINE.test(line)
    ) {
      push({
        kind: 'heading',
        level: lines[i + 1].trim()[0] === '=' ? 1 : 2,
        text: line.trim(),
        lineStart: i + firstLine,
        lineEnd: i + 1 + firstLine,
      });
      i += 2;
      continue;
    }
    if (headingLike(line) && (i === 0 || blank(i - 1)) && blank(i + 1)) {
      push({
        kind: 'heading',
        level: /^\d+\.\d/.test(line.trim()) ? 3 : 2,
        text: line.trim(),
        lineStart: i + firstLine,
        lineEnd: i + firstLine,
      });
      i++;
      continue;
    }
    let kind: 'code' | 'list' | 'prose' = 'prose';
    if (/^( {4}|\t)/.test(line)) kind = 'code';
    else if (LIST_ITEM.test(line)) kind = 'list';
    let j = i + 1;
    while (!blank(j)) {
      if (kind === 'code' && !/^( {4}|\t)/.test(lines[j])) break;
      if (kind !== 'code' && /^( {4}|\t)/.test(lines[j]) && kind !== 'list')
        break;
      if (kind === 'prose' && LIST_ITEM.test(lines[j])) break;
      j++;
    }
    push({
      kind,
      text: lines.slice(i, j).join('\n'),
      lineStart: i + firstLine,
      lineEnd: j - 1 + firstLine,
    });
    i = j;
  }
  return blocks;
}
