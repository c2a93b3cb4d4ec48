import { chunkDocument } from './chunk';
import { detectFormat, validateContent } from './detect';
import {
  BinaryContentError,
  DocumentTooLargeError,
  EmptyDocumentError,
  UnknownFormatError,
} from './errors';
import { parseDocument } from './parse';
import { buildPdf, type0Hex } from './testPdf';
import type { Chunk } from './types';

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

function sliceLines(source: string, c: Chunk): string {
  return source
    .split(/\r\n|\r|\n/)
    .slice(c.lineStart - 1, c.lineEnd)
    .join('\n');
}

/** Tags removed and the few entities the fixture uses decoded: the visible text of a slice of HTML. */
function visible(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

const MARKDOWN = `---
title: Node Filesystem Space Filling Up
weight: 20
---

# NodeFilesystemSpaceFillingUp

## Meaning

This alert is based on an extrapolation of the space used in a file system.
It fires if both the current usage is above a threshold.

<details>
<summary>Full context</summary>

Container ephemeral storage is a common cause.

</details>

## Diagnosis

- Study the recent trends of filesystem usage.
- Use the usual OS tools:
  du, df and friends.

\`\`\`promql
node_filesystem_free_bytes
\`\`\`

| label | meaning |
|-------|---------|
| mountpoint | where |

Setext heading
--------------

Final words here.
`;

describe('parseDocument + chunkDocument', () => {
  it('markdown: front matter title, heading paths, kinds and exact line anchors', () => {
    const doc = parseDocument({ content: MARKDOWN, format: 'markdown' });
    expect(doc.title).toBe('Node Filesystem Space Filling Up');
    const chunks = chunkDocument(doc);
    expect(chunks.map(c => [c.kind, c.headingPath.join(' > ')])).toEqual([
      ['prose', 'NodeFilesystemSpaceFillingUp > Meaning'],
      ['list', 'NodeFilesystemSpaceFillingUp > Diagnosis'],
      ['code', 'NodeFilesystemSpaceFillingUp > Diagnosis'],
      ['table', 'NodeFilesystemSpaceFillingUp > Diagnosis'],
      ['prose', 'NodeFilesystemSpaceFillingUp > Setext heading'],
    ]);
    for (const c of chunks) {
      const slice = sliceLines(MARKDOWN, c);
      for (const part of c.text.split('\n\n')) expect(slice).toContain(part);
      expect(slice.split('\n')[0]).toBe(c.text.split('\n')[0]);
      expect(slice.split('\n').pop()).toBe(c.text.split('\n').pop());
    }
    expect(chunks[0].lineStart).toBe(10);
    expect(chunks[2]).toMatchObject({ lineStart: 26, lineEnd: 28 });
  });

  it('markdown: a long section splits into several anchored chunks', () => {
    const body = Array.from(
      { length: 60 },
      (_, i) => `Line ${i} of a long paragraph about etcd.`,
    ).join('\n');
    const src = `# Big\n\n${body}\n`;
    const chunks = chunkDocument(
      parseDocument({ content: src, format: 'markdown' }),
      { maxChars: 500 },
    );
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(500);
      expect(sliceLines(src, c)).toBe(c.text);
    }
    expect(chunks[0].lineStart).toBe(3);
    expect(chunks[chunks.length - 1].lineEnd).toBe(62);
  });

  it('text: paragraphs, lists and heading-like lines with line anchors', () => {
    const src =
      'DISK PRESSURE\n\nThe kubelet evicts pods\nwhen disk runs low.\n\n- check df\n- clean images\n\nMitigation\n==========\n\n    kubectl drain node\n';
    const doc = parseDocument({ content: src, format: 'text' });
    expect(doc.title).toBe('DISK PRESSURE');
    const chunks = chunkDocument(doc);
    expect(chunks.map(c => c.kind)).toEqual(['prose', 'code']);
    expect(chunks[0].headingPath).toEqual(['DISK PRESSURE']);
    expect(chunks[1].headingPath).toEqual(['Mitigation']);
    for (const c of chunks) {
      const slice = sliceLines(src, c);
      for (const part of c.text.split('\n\n')) expect(slice).toContain(part);
    }
    expect(chunks[0]).toMatchObject({ lineStart: 3, lineEnd: 7 });
  });

  it('html: title, headings, lists, pre and tables anchored to the source lines', () => {
    const src = [
      '<!doctype html>',
      '<html><head><title>Etcd runbook</title><style>p { color: red }</style></head>',
      '<body>',
      '<h1>Etcd members down</h1>',
      '<p>One or more etcd members',
      'are <b>down</b> &amp; unreachable.</p>',
      '<h2>Diagnosis</h2>',
      '<ul>',
      '  <li>Check the pods</li>',
      '  <li>Check <code>etcdctl endpoint health</code></li>',
      '</ul>',
      '<pre>etcdctl member list',
      'etcdctl endpoint status</pre>',
      '<table><tr><th>flag</th><th>use</th></tr>',
      '<tr><td>--cluster</td><td>all members</td></tr></table>',
      '<script>var x = "<p>not text</p>";</script>',
      '</body></html>',
    ].join('\n');
    const doc = parseDocument({ content: src, format: 'html' });
    expect(doc.title).toBe('Etcd runbook');
    const chunks = chunkDocument(doc);
    expect(chunks.map(c => c.kind)).toEqual(['prose', 'list', 'code', 'table']);
    expect(chunks[1].headingPath).toEqual(['Etcd members down', 'Diagnosis']);
    expect(chunks[0]).toMatchObject({
      lineStart: 5,
      lineEnd: 6,
      text: 'One or more etcd members are down & unreachable.',
    });
    expect(chunks[1]).toMatchObject({ lineStart: 8, lineEnd: 11 });
    expect(chunks[2]).toMatchObject({ lineStart: 12, lineEnd: 13 });
    expect(chunks[3]).toMatchObject({ lineStart: 14, lineEnd: 15 });
    expect(chunks.some(c => c.text.includes('not text'))).toBe(false);
    for (const c of chunks) {
      const slice = squash(visible(sliceLines(src, c)));
      for (const word of squash(
        c.text.replace(/^- /gm, '').replace(/\|/g, ' '),
      ).split(' ')) {
        expect(slice).toContain(word);
      }
    }
  });

  it('pdf: pages in page-tree order, Flate streams, TJ/quote operators, ToUnicode fonts, per-page anchors', () => {
    const pdf = buildPdf([
      {
        content:
          'BT /F1 12 Tf 14 TL 72 720 Td (Prometheus remote write) Tj T* (is behind \\(lagging\\).) Tj ET',
      },
      {
        compress: true,
        content:
          "BT /F1 12 Tf 14 TL 72 720 Td [(Diag) -20 (nosis)] TJ ET\nBT 72 680 Td [(Check) -300 (the) -300 (queue.)] TJ (Then restart.) ' ET",
      },
      {
        content: `BT /F2 12 Tf 72 720 Td <${type0Hex(
          'shards wanted',
        )}> Tj 0 -14 Td <${type0Hex('max shards')}> Tj ET`,
      },
    ]);
    expect(detectFormat({ content: pdf })).toBe('pdf');
    const doc = parseDocument({ content: pdf, format: 'pdf' });
    expect(doc.pages).toEqual([
      'Prometheus remote write\nis behind (lagging).',
      'Diagnosis\nCheck the queue.\nThen restart.',
      'shards wanted\nmax shards',
    ]);
    const chunks = chunkDocument(doc);
    expect(chunks.map(c => c.page)).toEqual([1, 2, 3]);
    for (const c of chunks) {
      const pageText = doc.pages![c.page! - 1];
      expect(sliceLines(pageText, c)).toContain(c.text.split('\n\n')[0]);
    }
    expect(chunks[1]).toMatchObject({ lineStart: 1, lineEnd: 3 });
  });

  it('pdf: objects packed in a compressed object stream are found', () => {
    const pdf = buildPdf(
      [
        {
          content: 'BT /F1 12 Tf 72 720 Td (First page) Tj ET',
          compress: true,
        },
        { content: 'BT /F1 12 Tf 72 720 Td (Second page) Tj ET' },
      ],
      { objectStream: true },
    );
    expect(pdf.toString('latin1')).not.toContain('/Type /Catalog');
    expect(parseDocument({ content: pdf, format: 'pdf' }).pages).toEqual([
      'First page',
      'Second page',
    ]);
  });

  it('rejects empty, binary, oversize and unknown input with typed errors', () => {
    expect(() => parseDocument({ content: '', format: 'markdown' })).toThrow(
      EmptyDocumentError,
    );
    expect(() =>
      parseDocument({
        content: '---\ntitle: x\n---\n\n# Only\n',
        format: 'markdown',
      }),
    ).toThrow(EmptyDocumentError);
    expect(() =>
      parseDocument({
        content: Buffer.from([0x50, 0, 1, 2, 3, 0]),
        format: 'text',
      }),
    ).toThrow(BinaryContentError);
    expect(() =>
      parseDocument({ content: 'hello world', format: 'pdf' }),
    ).toThrow(BinaryContentError);
    expect(() => validateContent('x'.repeat(2000), 'text', 1000)).toThrow(
      DocumentTooLargeError,
    );
    expect(() =>
      detectFormat({
        content: Buffer.from([0, 1, 2, 3, 255]),
        filename: 'blob.bin',
      }),
    ).toThrow(UnknownFormatError);
    expect(() =>
      parseDocument({ content: 'x', format: 'docx' as never }),
    ).toThrow(UnknownFormatError);
  });

  it('detects formats by mime type, extension and content', () => {
    expect(
      detectFormat({ content: 'x', mimeType: 'text/markdown; charset=utf-8' }),
    ).toBe('markdown');
    expect(detectFormat({ content: 'x', filename: 'Runbook.HTM' })).toBe(
      'html',
    );
    expect(detectFormat({ content: '<!DOCTYPE html><html></html>' })).toBe(
      'html',
    );
    expect(detectFormat({ content: '# Title\n\ntext' })).toBe('markdown');
    expect(detectFormat({ content: 'just some words' })).toBe('text');
  });
});
