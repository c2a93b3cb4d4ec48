// PDF text layer extraction: xref-free object scan, stream decoding (Flate, ASCIIHex, ASCII85), object
// streams, page tree order, ToUnicode CMaps, and content-stream text operators (BT/ET, Tf, Td/TD/Tm/T*, Tj/TJ/'/").
import { inflateSync, inflateRawSync } from 'node:zlib';
import { MalformedDocumentError } from './errors';

type PdfValue =
  | number
  | boolean
  | null
  | string // names are stored with a leading '/'
  | PdfString
  | PdfRef
  | PdfValue[]
  | PdfDict;
interface PdfString {
  bytes: number[];
}
interface PdfRef {
  ref: number;
}
interface PdfDict {
  dict: Map<string, PdfValue>;
}
interface PdfObject {
  value: PdfValue;
  stream?: Uint8Array;
}
type Operand = PdfValue;

const isDict = (v: PdfValue | undefined): v is PdfDict =>
  typeof v === 'object' && v !== null && 'dict' in v;
const isRef = (v: PdfValue | undefined): v is PdfRef =>
  typeof v === 'object' && v !== null && 'ref' in v;
const isStr = (v: PdfValue | undefined): v is PdfString =>
  typeof v === 'object' && v !== null && 'bytes' in v;

/** Largest decoded stream accepted (a guard against decompression bombs). */
const MAX_STREAM_BYTES = 64 * 1024 * 1024;

const WS = new Set([0, 9, 10, 12, 13, 32]);
const DELIM = new Set('()<>[]{}/%'.split('').map(c => c.charCodeAt(0)));

/** A small PDF object-syntax lexer/parser over bytes. */
class Lexer {
  pos: number;
  constructor(readonly b: Uint8Array, start = 0, readonly end = b.length) {
    this.pos = start;
  }
  skipWs(): void {
    const b = this.b;
    while (this.pos < this.end) {
      const c = b[this.pos];
      if (WS.has(c)) this.pos++;
      else if (c === 37) {
        while (this.pos < this.end && b[this.pos] !== 10 && b[this.pos] !== 13)
          this.pos++;
      } else break;
    }
  }
  /** Next token as a value; bare keywords come back as `{ op }`. */
  next(): PdfValue | { op: string } | undefined {
    this.skipWs();
    if (this.pos >= this.end) return undefined;
    const b = this.b;
    const c = b[this.pos];
    if (c === 40) return this.literal();
    if (c === 60) {
      if (b[this.pos + 1] === 60) {
        this.pos += 2;
        return this.dict();
      }
      return this.hex();
    }
    if (c === 91) {
      this.pos++;
      const arr: PdfValue[] = [];
      for (;;) {
        this.skipWs();
        if (this.pos >= this.end) break;
        if (b[this.pos] === 93) {
          this.pos++;
          break;
        }
        const v = this.value();
        if (v === undefined) break;
        arr.push(v);
      }
      return arr;
    }
    if (c === 47) {
      let s = '/';
      this.pos++;
      while (
        this.pos < this.end &&
        !WS.has(b[this.pos]) &&
        !DELIM.has(b[this.pos])
      ) {
        if (b[this.pos] === 35 && this.pos + 2 < this.end) {
          s += String.fromCharCode(
            parseInt(String.fromCharCode(b[this.pos + 1], b[this.pos + 2]), 16),
          );
          this.pos += 3;
        } else s += String.fromCharCode(b[this.pos++]);
      }
      return s;
    }
    let s = '';
    while (
      this.pos < this.end &&
      !WS.has(b[this.pos]) &&
      !DELIM.has(b[this.pos])
    ) {
      s += String.fromCharCode(b[this.pos++]);
    }
    if (s === '') {
      this.pos++; // stray delimiter such as '>' or '}'
      return { op: String.fromCharCode(c) };
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) return Number(s);
    if (s === 'true') return true;
    if (s === 'false') return false;
    if (s === 'null') return null;
    return { op: s };
  }
  /** A value, folding `n g R` into a reference. */
  value(): PdfValue | undefined {
    const v = this.next();
    if (v === undefined) return undefined;
    if (typeof v === 'object' && v !== null && 'op' in v) return null;
    if (typeof v === 'number' && Number.isInteger(v)) {
      const save = this.pos;
      const g = this.next();
      if (typeof g === 'number') {
        const r = this.next();
        if (r && typeof r === 'object' && 'op' in r && r.op === 'R')
          return { ref: v };
      }
      this.pos = save;
    }
    return v as PdfValue;
  }
  dict(): PdfDict {
    const dict = new Map<string, PdfValue>();
    for (;;) {
      this.skipWs();
      if (this.pos >= this.end) break;
      if (this.b[this.pos] === 62 && this.b[this.pos + 1] === 62) {
        this.pos += 2;
        break;
      }
      const key = this.next();
      if (typeof key !== 'string') continue;
      const v = this.value();
      if (v === undefined) break;
      dict.set(key, v);
    }
    return { dict };
  }
  literal(): PdfString {
    const b = this.b;
    const out: number[] = [];
    let depth = 0;
    this.pos++;
    while (this.pos < this.end) {
      const c = b[this.pos++];
      if (c === 92) {
        const n = b[this.pos++];
        const map: Record<number, number> = {
          110: 10,
          114: 13,
          116: 9,
          98: 8,
          102: 12,
        };
        if (map[n] !== undefined) out.push(map[n]);
        else if (n >= 48 && n <= 55) {
          let oct = n - 48;
          for (let k = 0; k < 2 && b[this.pos] >= 48 && b[this.pos] <= 55; k++)
            oct = oct * 8 + (b[this.pos++] - 48);
          out.push(oct & 255);
        } else if (n === 13) {
          if (b[this.pos] === 10) this.pos++;
        } else if (n !== 10) out.push(n);
      } else if (c === 40) {
        depth++;
        out.push(c);
      } else if (c === 41) {
        if (depth === 0) break;
        depth--;
        out.push(c);
      } else out.push(c);
    }
    return { bytes: out };
  }
  hex(): PdfString {
    this.pos++;
    let digits = '';
    while (this.pos < this.end && this.b[this.pos] !== 62) {
      const ch = String.fromCharCode(this.b[this.pos++]);
      if (/[0-9a-fA-F]/.test(ch)) digits += ch;
    }
    this.pos++;
    if (digits.length % 2) digits += '0';
    const out: number[] = [];
    for (let i = 0; i < digits.length; i += 2)
      out.push(parseInt(digits.slice(i, i + 2), 16));
    return { bytes: out };
  }
}

function indexOf(b: Uint8Array, needle: string, from: number): number {
  const bytes = Buffer.from(b.buffer, b.byteOffset, b.length);
  return bytes.indexOf(needle, from, 'latin1');
}

function asciiHex(data: Uint8Array): Uint8Array {
  return Uint8Array.from(
    new Lexer(Uint8Array.from([60, ...data, 62])).hex().bytes,
  );
}

function ascii85(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let group: number[] = [];
  const emit = (g: number[], n: number) => {
    let v = 0;
    for (let k = 0; k < 5; k++) v = v * 85 + (g[k] ?? 84);
    for (let k = 0; k < n; k++) out.push((v >>> (24 - 8 * k)) & 255);
  };
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c === 126) break; // ~>
    if (WS.has(c) || (c === 60 && data[i + 1] === 126)) {
      if (c === 60) i++;
      continue;
    }
    if (c === 122 && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    group.push(c - 33);
    if (group.length === 5) {
      emit(group, 4);
      group = [];
    }
  }
  if (group.length > 1) emit(group, group.length - 1);
  return Uint8Array.from(out);
}

/** The PDF's objects by number (last definition wins, as incremental updates append). */
export class PdfFile {
  private readonly objects = new Map<number, PdfObject>();
  constructor(private readonly bytes: Uint8Array) {
    this.scan();
    this.expandObjectStreams();
  }

  private scan(): void {
    const b = this.bytes;
    const text = Buffer.from(b.buffer, b.byteOffset, b.length).toString(
      'latin1',
    );
    const re = /(\d+)\s+(\d+)\s+obj\b/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const num = Number(m[1]);
      const lx = new Lexer(b, m.index + m[0].length);
      const value = lx.value();
      if (value === undefined) continue;
      const obj: PdfObject = { value };
      lx.skipWs();
      if (isDict(value) && indexOf(b, 'stream', lx.pos) === lx.pos) {
        let start = lx.pos + 6;
        if (b[start] === 13) start++;
        if (b[start] === 10) start++;
        const len = value.dict.get('/Length');
        let end = typeof len === 'number' ? start + len : -1;
        if (
          end < 0 ||
          end > b.length ||
          indexOf(b, 'endstream', end) - end > 3
        ) {
          end = indexOf(b, 'endstream', start);
          if (end < 0) end = b.length;
          while (end > start && (b[end - 1] === 10 || b[end - 1] === 13)) end--;
        }
        obj.stream = b.subarray(start, end);
        re.lastIndex = end;
      }
      this.objects.set(num, obj);
    }
  }

  private expandObjectStreams(): void {
    for (const obj of [...this.objects.values()]) {
      if (!isDict(obj.value) || obj.value.dict.get('/Type') !== '/ObjStm')
        continue;
      const data = this.decode(obj);
      if (!data) continue;
      const n = Number(obj.value.dict.get('/N'));
      const first = Number(obj.value.dict.get('/First'));
      const head = new Lexer(data, 0, first);
      const pairs: number[] = [];
      for (let k = 0; k < 2 * n; k++) pairs.push(Number(head.next()));
      for (let k = 0; k < n; k++) {
        const num = pairs[2 * k];
        if (this.objects.has(num)) continue;
        const v = new Lexer(data, first + pairs[2 * k + 1]).value();
        if (v !== undefined) this.objects.set(num, { value: v });
      }
    }
  }

  resolve(v: PdfValue | undefined, depth = 0): PdfValue | undefined {
    if (isRef(v) && depth < 32)
      return this.resolve(this.objects.get(v.ref)?.value, depth + 1);
    return v;
  }

  objectOf(v: PdfValue | undefined): PdfObject | undefined {
    return isRef(v) ? this.objects.get(v.ref) : undefined;
  }

  /** Decoded stream bytes, or undefined for filters we do not implement (images: DCT, JBIG2...). */
  decode(obj: PdfObject): Uint8Array | undefined {
    if (!obj.stream || !isDict(obj.value)) return undefined;
    const f = this.resolve(obj.value.dict.get('/Filter'));
    const list: PdfValue[] = Array.isArray(f) ? f : [f ?? null];
    const filters = list.filter(x => x !== null).map(x => this.resolve(x));
    let data: Uint8Array = obj.stream;
    for (const name of filters) {
      try {
        if (name === '/FlateDecode' || name === '/Fl') {
          try {
            data = inflateSync(data, { maxOutputLength: MAX_STREAM_BYTES });
          } catch (e) {
            if (e instanceof RangeError) return undefined;
            // Some writers omit or damage the zlib header: retry as a raw deflate stream.
            data = inflateRawSync(data.subarray(2), {
              maxOutputLength: MAX_STREAM_BYTES,
            });
          }
        } else if (name === '/ASCIIHexDecode' || name === '/AHx')
          data = asciiHex(data);
        else if (name === '/ASCII85Decode' || name === '/A85')
          data = ascii85(data);
        else return undefined;
      } catch {
        return undefined;
      }
    }
    return data;
  }

  dictOf(v: PdfValue | undefined): Map<string, PdfValue> | undefined {
    const r = this.resolve(v);
    return isDict(r) ? r.dict : undefined;
  }

  /** Page dictionaries in page-tree order (falls back to file order without a catalog). */
  pages(): Map<string, PdfValue>[] {
    let root: Map<string, PdfValue> | undefined;
    for (const o of this.objects.values()) {
      if (isDict(o.value) && o.value.dict.get('/Type') === '/Catalog')
        root = o.value.dict;
    }
    const out: Map<string, PdfValue>[] = [];
    const seen = new Set<Map<string, PdfValue>>();
    const walk = (
      node: Map<string, PdfValue> | undefined,
      inherited: Map<string, PdfValue>,
    ) => {
      if (!node || seen.has(node)) return;
      seen.add(node);
      const inh = new Map(inherited);
      for (const key of ['/Resources', '/MediaBox'])
        if (node.has(key)) inh.set(key, node.get(key)!);
      const kids = this.resolve(node.get('/Kids'));
      if (node.get('/Type') === '/Pages' || Array.isArray(kids)) {
        for (const k of Array.isArray(kids) ? kids : [])
          walk(this.dictOf(k), inh);
      } else {
        const page = new Map(node);
        if (!page.has('/Resources') && inh.has('/Resources'))
          page.set('/Resources', inh.get('/Resources')!);
        out.push(page);
      }
    };
    if (root) walk(this.dictOf(root.get('/Pages')), new Map());
    if (out.length === 0) {
      for (const o of this.objects.values())
        if (isDict(o.value) && o.value.dict.get('/Type') === '/Page')
          out.push(o.value.dict);
    }
    return out;
  }

  /** Concatenated, decoded content streams of a page. */
  contents(page: Map<string, PdfValue>): Uint8Array {
    const c = page.get('/Contents');
    const refs = Array.isArray(this.resolve(c))
      ? (this.resolve(c) as PdfValue[])
      : [c];
    const parts: Uint8Array[] = [];
    for (const r of refs) {
      const o = this.objectOf(r);
      const d = o && this.decode(o);
      if (d) parts.push(d, Uint8Array.of(10));
    }
    return Buffer.concat(parts);
  }
}

/** A font's byte-to-text mapping: ToUnicode CMap when present, else single bytes as Latin-1. */
interface FontMap {
  bytesPerCode: number;
  map?: Map<number, string>;
}

export function parseToUnicode(cmap: string): FontMap {
  const map = new Map<number, string>();
  const hexToStr = (h: string) => {
    let s = '';
    for (let i = 0; i + 4 <= h.length; i += 4)
      s += String.fromCharCode(parseInt(h.slice(i, i + 4), 16));
    if (h.length === 2) s = String.fromCharCode(parseInt(h, 16));
    return s;
  };
  let bytesPerCode = 1;
  const cs = /begincodespacerange\s*<([0-9a-fA-F]+)>/.exec(cmap);
  if (cs) bytesPerCode = Math.max(1, cs[1].length / 2);
  for (const sec of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of sec[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>/g))
      map.set(parseInt(m[1], 16), hexToStr(m[2]));
  }
  for (const sec of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of sec[1].matchAll(
      /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])/g,
    )) {
      const lo = parseInt(m[1], 16);
      const hi = parseInt(m[2], 16);
      if (hi - lo > 65535) continue;
      if (m[3].startsWith('[')) {
        const items = [...m[3].matchAll(/<([0-9a-fA-F]*)>/g)].map(x =>
          hexToStr(x[1]),
        );
        items.forEach((s, k) => map.set(lo + k, s));
      } else {
        const base = m[3].slice(1, -1);
        const prefix = hexToStr(base.slice(0, -4));
        const last = parseInt(base.slice(-4), 16);
        for (let code = lo; code <= hi; code++)
          map.set(code, prefix + String.fromCharCode(last + code - lo));
      }
    }
  }
  return { bytesPerCode, map };
}

function fontMaps(
  pdf: PdfFile,
  page: Map<string, PdfValue>,
): Map<string, FontMap> {
  const out = new Map<string, FontMap>();
  const fonts = pdf.dictOf(pdf.dictOf(page.get('/Resources'))?.get('/Font'));
  for (const [name, ref] of fonts ?? []) {
    const font = pdf.dictOf(ref);
    const tu = pdf.objectOf(font?.get('/ToUnicode'));
    const data = tu && pdf.decode(tu);
    if (data)
      out.set(name, parseToUnicode(Buffer.from(data).toString('latin1')));
    else
      out.set(name, {
        bytesPerCode: font?.get('/Subtype') === '/Type0' ? 2 : 1,
      });
  }
  return out;
}

function decodeText(s: PdfString, font: FontMap | undefined): string {
  const n = font?.bytesPerCode ?? 1;
  let out = '';
  for (let i = 0; i + n <= s.bytes.length; i += n) {
    let code = 0;
    for (let k = 0; k < n; k++) code = code * 256 + s.bytes[i + k];
    const mapped = font?.map?.get(code);
    out += mapped ?? (n === 1 ? String.fromCharCode(code) : '');
  }
  return out;
}

/** Runs a content stream's text operators and returns the page text, one line per baseline. */
export function contentText(
  content: Uint8Array,
  fonts: Map<string, FontMap>,
): string {
  const lx = new Lexer(content);
  const lines: string[] = [];
  let line = '';
  let operands: Operand[] = [];
  let font: FontMap | undefined;
  let leading = 0;
  let lineY = Number.NaN; // baseline of the current output line
  let x = 0;
  let y = 0;
  let lastEndX = Number.NaN;
  const newLine = () => {
    lines.push(line.replace(/\s+$/, ''));
    line = '';
  };
  const moveTo = (nx: number, ny: number) => {
    if (!Number.isNaN(lineY) && Math.abs(ny - lineY) > 0.5) {
      newLine();
      lastEndX = Number.NaN;
    } else if (
      !Number.isNaN(lastEndX) &&
      nx - lastEndX > 1 &&
      line &&
      !line.endsWith(' ')
    )
      line += ' ';
    x = nx;
    y = ny;
    lineY = ny;
  };
  const show = (s: string) => {
    if (Number.isNaN(lineY)) lineY = y;
    line += s;
    // Without glyph widths the end of a run is unknown; mark it as the run's start so a later Td on the
    // same baseline further right separates words.
    lastEndX = x;
  };
  for (;;) {
    const t = lx.next();
    if (t === undefined) break;
    if (!(t && typeof t === 'object' && 'op' in t)) {
      operands.push(t as Operand);
      continue;
    }
    const op = t.op;
    const args = operands;
    const num = (k: number) => Number(args[args.length - k] ?? 0);
    switch (op) {
      case 'BT':
        x = 0;
        y = 0;
        break;
      case 'Tf':
        font = fonts.get(String(operands[operands.length - 2]));
        break;
      case 'TL':
        leading = num(1);
        break;
      case 'Td':
        moveTo(x + num(2), y + num(1));
        break;
      case 'TD':
        leading = -num(1);
        moveTo(x + num(2), y + num(1));
        break;
      case 'Tm':
        moveTo(num(2), num(1));
        break;
      case 'T*':
        moveTo(x, y - leading);
        break;
      case 'Tj':
        if (isStr(operands[operands.length - 1]))
          show(decodeText(operands[operands.length - 1] as PdfString, font));
        break;
      case "'":
      case '"':
        moveTo(x, y - leading);
        if (isStr(operands[operands.length - 1]))
          show(decodeText(operands[operands.length - 1] as PdfString, font));
        break;
      case 'TJ': {
        const arr = operands[operands.length - 1];
        if (Array.isArray(arr)) {
          let s = '';
          for (const item of arr) {
            if (isStr(item)) s += decodeText(item, font);
            else if (
              typeof item === 'number' &&
              item < -200 &&
              !s.endsWith(' ')
            )
              s += ' ';
          }
          show(s);
        }
        break;
      }
      case 'ET':
        break;
      case 'BI': {
        // Inline image: skip its binary data up to EI.
        const end = indexOf(content, 'EI', lx.pos);
        lx.pos = end < 0 ? content.length : end + 2;
        break;
      }
      default:
        break;
    }
    operands = [];
  }
  if (line) newLine();
  // Control characters are glyphs of symbol fonts without a ToUnicode map (TeX bullets): not text.
  let text = lines.join('\n');
  for (let c = 0; c < 32; c++) {
    if (c !== 9 && c !== 10)
      text = text.split(String.fromCharCode(c)).join(' ');
  }
  return text;
}

/** Text of every page, in page order. Throws MalformedDocumentError when no page can be found. */
export function extractPdfPages(bytes: Uint8Array): string[] {
  const pdf = new PdfFile(bytes);
  const pages = pdf.pages();
  if (pages.length === 0) throw new MalformedDocumentError('PDF has no pages');
  return pages.map(p => contentText(pdf.contents(p), fontMaps(pdf, p)));
}
