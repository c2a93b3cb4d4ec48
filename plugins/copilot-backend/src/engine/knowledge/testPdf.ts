// Test helper: writes small but real PDF files (catalog, page tree, fonts, content streams, xref table).
// Used by the parser tests to check the text-layer extractor against known page text.
import { deflateSync } from 'node:zlib';

export interface TestPdfPage {
  /** Content stream operators (raw). */
  content: string;
  compress?: boolean;
}

/**
 * Objects are written in a scrambled order (pages after their content, page 2 before page 1) so the
 * extractor has to follow the page tree rather than file order. Font F1 is Helvetica (single byte);
 * font F2 is a Type0 font whose ToUnicode CMap maps 2-byte codes 0x0101.. to 'a'...
 */
export function buildPdf(
  pages: TestPdfPage[],
  options: { objectStream?: boolean } = {},
): Buffer {
  const objects: { num: number; body: Buffer }[] = [];
  // With objectStream, dictionaries without a stream go into one compressed /ObjStm (PDF 1.5).
  const packed: { num: number; dict: string }[] = [];
  const add = (num: number, dict: string, stream?: Buffer) => {
    if (options.objectStream && !stream) {
      packed.push({ num, dict });
      return;
    }
    const parts = [Buffer.from(`${num} 0 obj\n${dict}\n`, 'latin1')];
    if (stream)
      parts.push(Buffer.from('stream\n'), stream, Buffer.from('\nendstream\n'));
    parts.push(Buffer.from('endobj\n'));
    objects.push({ num, body: Buffer.concat(parts) });
  };
  const cmap = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
    '1 begincodespacerange <0000> <FFFF> endcodespacerange',
    '1 beginbfrange <0101> <011A> <0061> endbfrange',
    '1 beginbfchar <0200> <0020> endbfchar',
    'endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  const cmapStream = deflateSync(Buffer.from(cmap, 'latin1'));
  const pageNums = pages.map((_, i) => 10 + 2 * i);
  // Page tree with the first page listed first but written last.
  for (let i = pages.length - 1; i >= 0; i--) {
    const raw = Buffer.from(pages[i].content, 'latin1');
    const data = pages[i].compress ? deflateSync(raw) : raw;
    add(
      pageNums[i] + 1,
      `<< /Length ${data.length}${
        pages[i].compress ? ' /Filter /FlateDecode' : ''
      } >>`,
      data,
    );
    add(
      pageNums[i],
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${
        pageNums[i] + 1
      } 0 R >>`,
    );
  }
  add(
    2,
    `<< /Type /Pages /Kids [${pageNums
      .map(n => `${n} 0 R`)
      .join(' ')}] /Count ${
      pages.length
    } /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>`,
  );
  add(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  add(
    4,
    '<< /Type /Font /Subtype /Type0 /BaseFont /Custom /Encoding /Identity-H /ToUnicode 5 0 R >>',
  );
  add(5, `<< /Length ${cmapStream.length} /Filter /FlateDecode >>`, cmapStream);
  add(1, '<< /Type /Catalog /Pages 2 0 R >>');
  if (packed.length) {
    let head = '';
    let body = '';
    for (const o of packed) {
      head += `${o.num} ${body.length} `;
      body += `${o.dict}\n`;
    }
    const data = deflateSync(Buffer.from(head + body, 'latin1'));
    add(
      99,
      `<< /Type /ObjStm /N ${packed.length} /First ${head.length} /Length ${data.length} /Filter /FlateDecode >>`,
      data,
    );
  }
  const header = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const offsets = new Map<number, number>();
  let pos = header.length;
  for (const o of objects) {
    offsets.set(o.num, pos);
    pos += o.body.length;
  }
  const max = Math.max(...offsets.keys());
  let xref = `xref\n0 ${max + 1}\n0000000000 65535 f \n`;
  for (let n = 1; n <= max; n++) {
    const off = offsets.get(n);
    xref +=
      off === undefined
        ? '0000000000 65535 f \n'
        : `${String(off).padStart(10, '0')} 00000 n \n`;
  }
  const trailer = `trailer\n<< /Size ${
    max + 1
  } /Root 1 0 R >>\nstartxref\n${pos}\n%%EOF\n`;
  return Buffer.concat([
    header,
    ...objects.map(o => o.body),
    Buffer.from(xref + trailer, 'latin1'),
  ]);
}

/** 2-byte codes of the Type0 test font for lower-case ASCII text (space -> 0x0200). */
export function type0Hex(text: string): string {
  return [...text]
    .map(c =>
      c === ' '
        ? '0200'
        : (0x0101 + c.charCodeAt(0) - 97).toString(16).padStart(4, '0'),
    )
    .join('');
}
