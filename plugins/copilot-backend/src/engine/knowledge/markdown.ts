// Markdown to structural blocks (front matter, ATX/setext headings, fenced code, lists, tables, paragraphs).
// A line-oriented CommonMark subset: every block keeps the 1-based line range it came from.
import { parse as parseYaml } from 'yaml';
import type { Block } from './types';

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const ATX = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const LIST_ITEM = /^\s{0,6}(?:[-*+]|\d{1,9}[.)])\s+\S/;
const TABLE_SEP = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const SETEXT = /^ {0,3}(=+|-+)\s*$/;
/** A line that is only HTML tags (e.g. `<details>`): structure, not content. */
const TAG_ONLY = /^\s*(<\/?[a-zA-Z][^>]*>\s*)+$/;

export interface MarkdownResult {
  title?: string;
  blocks: Block[];
}

function frontMatter(lines: string[]): { end: number; title?: string } {
  if (lines[0]?.trim() !== '---') return { end: 0 };
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '---' || lines[i].trim() === '...') {
      let title: string | undefined;
      try {
        const data = parseYaml(lines.slice(1, i).join('\n'));
        if (data && typeof data === 'object' && typeof data.title === 'string')
          title = data.title;
      } catch {
        // Front matter that is not YAML is skipped like any other metadata.
      }
      return { end: i + 1, title };
    }
  }
  return { end: 0 };
}

/** Splits markdown source into blocks; `firstLine` shifts anchors when the source is a fragment. */
export function parseMarkdown(source: string, firstLine = 1): MarkdownResult {
  const lines = source.split(/\r\n|\r|\n/);
  const blocks: Block[] = [];
  const fm = frontMatter(lines);
  const at = (i: number) => i + firstLine;
  const isBlank = (i: number) =>
    i >= lines.length || lines[i].trim() === '' || TAG_ONLY.test(lines[i]);
  let i = fm.end;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(i)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      let j = i + 1;
      while (
        j < lines.length &&
        !(
          lines[j].trim().startsWith(marker[0].repeat(marker.length)) &&
          /^\s*[`~]+\s*$/.test(lines[j])
        )
      )
        j++;
      const end = Math.min(j, lines.length - 1);
      blocks.push({
        kind: 'code',
        text: lines.slice(i, end + 1).join('\n'),
        lang: fence[2] || undefined,
        lineStart: at(i),
        lineEnd: at(end),
      });
      i = end + 1;
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      blocks.push({
        kind: 'heading',
        level: atx[1].length,
        text: (atx[2] ?? '').trim(),
        lineStart: at(i),
        lineEnd: at(i),
      });
      i++;
      continue;
    }
    if (LIST_ITEM.test(line)) {
      let j = i + 1;
      // A list runs over its items, their indented continuations and blank lines between items.
      while (j < lines.length) {
        if (LIST_ITEM.test(lines[j]) || /^\s{2,}\S/.test(lines[j])) j++;
        else if (
          lines[j].trim() === '' &&
          j + 1 < lines.length &&
          (LIST_ITEM.test(lines[j + 1]) || /^\s{2,}\S/.test(lines[j + 1]))
        )
          j++;
        else if (
          lines[j].trim() !== '' &&
          !ATX.test(lines[j]) &&
          !FENCE.test(lines[j]) &&
          lines[j - 1].trim() !== ''
        )
          j++; // lazy continuation
        else break;
      }
      blocks.push({
        kind: 'list',
        text: lines.slice(i, j).join('\n').trimEnd(),
        lineStart: at(i),
        lineEnd: at(j - 1 - (lines[j - 1].trim() === '' ? 1 : 0)),
      });
      i = j;
      continue;
    }
    if (
      line.includes('|') &&
      i + 1 < lines.length &&
      TABLE_SEP.test(lines[i + 1])
    ) {
      let j = i + 2;
      while (
        j < lines.length &&
        lines[j].includes('|') &&
        lines[j].trim() !== ''
      )
        j++;
      blocks.push({
        kind: 'table',
        text: lines.slice(i, j).join('\n'),
        lineStart: at(i),
        lineEnd: at(j - 1),
      });
      i = j;
      continue;
    }
    // Paragraph: until a blank line or the start of another block.
    let j = i + 1;
    while (
      j < lines.length &&
      !isBlank(j) &&
      !FENCE.test(lines[j]) &&
      !ATX.test(lines[j]) &&
      !(LIST_ITEM.test(lines[j]) && !/^\s*\d/.test(lines[j])) &&
      !SETEXT.test(lines[j])
    )
      j++;
    if (j < lines.length && SETEXT.test(lines[j]) && j === i + 1) {
      blocks.push({
        kind: 'heading',
        level: lines[j].trim().startsWith('=') ? 1 : 2,
        text: line.trim(),
        lineStart: at(i),
        lineEnd: at(j),
      });
      i = j + 1;
      continue;
    }
    blocks.push({
      kind: 'prose',
      text: lines.slice(i, j).join('\n'),
      lineStart: at(i),
      lineEnd: at(j - 1),
    });
    // A `---` right under a multi-line paragraph is a thematic break here, not a heading underline.
    i = j < lines.length && SETEXT.test(lines[j]) ? j + 1 : j;
  }
  return { title: fm.title, blocks };
}
