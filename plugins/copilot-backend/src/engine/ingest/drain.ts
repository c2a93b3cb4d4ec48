// Streaming log template mining with a fixed-depth parse tree, after Drain (He, Zhu, Zheng, Lyu,
// ICWS 2017): lines are masked, tokenized, routed by length and leading tokens, and joined to the most
// similar template of their leaf, whose differing positions become <*>.

import { isSpaceCode } from './parsers';

/** One mined template. */
export interface LogTemplate {
  id: number;
  tokens: string[];
  /** Routing keys from the length level down to the leaf holding the template. */
  path: string[];
  count: number;
  exemplars: string[];
  /** Id of the template this one converged with; its lines count there from then on. */
  mergedInto?: number;
}

export interface DrainOptions {
  /** Leading tokens used for routing below the length level. */
  depth: number;
  /** Least share of equal tokens for a line to join a template. */
  similarity: number;
  /** Children per inner node before new tokens route to <*>. */
  maxChildren: number;
  /** Exemplar lines kept per template. */
  maxExemplars: number;
  /**
   * Least share of agreeing positions (equal, or <*> on either side) for a template that just
   * generalized to absorb a neighbour of its leaf; above 1 turns merging off.
   */
  mergeSimilarity: number;
  /**
   * Templates that differ from a new one in the same single position, beyond which that position is
   * taken as a variable and they merge; 0 turns this off.
   */
  variableSiblings: number;
}

export const DEFAULT_DRAIN_OPTIONS: DrainOptions = {
  depth: 4,
  similarity: 0.9,
  maxChildren: 100,
  maxExemplars: 3,
  mergeSimilarity: 1,
  variableSiblings: 3,
};

export const WILDCARD = '<*>';

/** Masks for values inside tokens, each with a character a line must hold for the mask to apply. */
const MASKS: Array<[RegExp, string]> = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '-'],
  [/(?:\/?[\w.-]+)?(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?/g, '.'],
  [/\b0x[0-9a-f]+\b/gi, '0'],
  [/(?:[\w.-]*\/)+[^\s"',;]*/g, '/'],
];
const [UUID_MASK, IP_MASK, HEX_MASK, PATH_MASK] = MASKS.map(([re]) => re);
/**
 * Found in every text an address mask matches (`1.2.3.4` holds `1.2.3`): a quick test that spares
 * most lines the address mask's costly scan.
 */
const IP_HINT = /\d\.\d{1,3}\.\d/;

/** The line with its values masked, as the MASKS applied in order leave it. */
function mask(line: string): string {
  let masked = line;
  // A UUID is 36 characters.
  if (masked.length >= 36 && masked.includes('-'))
    masked = masked.replace(UUID_MASK, WILDCARD);
  if (masked.includes('.') && IP_HINT.test(masked))
    masked = masked.replace(IP_MASK, WILDCARD);
  if (masked.includes('0x') || masked.includes('0X'))
    masked = masked.replace(HEX_MASK, WILDCARD);
  if (masked.includes('/')) masked = masked.replace(PATH_MASK, WILDCARD);
  return masked;
}

/** Day and month names: part of timestamps inside messages, so variables. */
const CALENDAR = new Set(
  'Mon Tue Wed Thu Fri Sat Sun Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(
    ' ',
  ),
);

/** An empty pair of brackets or quotes is a value that happens to be empty. */
const EMPTY = new Set(['()', '[]', '{}', '""', "''"]);

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Recent tokens by hash: a line's words are mostly those of earlier lines, reused rather than copied. */
const INTERNED: Array<string | undefined> = new Array(4096).fill(undefined);
/**
 * Longest token kept: V8 copies a substring this short, where a longer one may point into its whole
 * line, which the table would then keep alive.
 */
const INTERN_MAX_LENGTH = 12;

/** `s.slice(start, end)`, or an equal string seen before (`hash`: FNV-1a of its units). */
function intern(s: string, start: number, end: number, hash: number): string {
  const len = end - start;
  if (len > INTERN_MAX_LENGTH) return s.slice(start, end);
  const slot = (hash >>> 0) & (INTERNED.length - 1);
  const seen = INTERNED[slot];
  if (seen !== undefined && seen.length === len) {
    let i = 0;
    while (i < len && seen.charCodeAt(i) === s.charCodeAt(start + i)) i++;
    if (i === len) return seen;
  }
  const t = s.slice(start, end);
  INTERNED[slot] = t;
  return t;
}

/** Tokens written to the array `tokenizeInto` fills: its length is set once, at the end. */
let size = 0;

/**
 * Appends a token, a run of variables (`<*> <*>`, or a list `<*> , <*>`) being one variable: how many
 * values a line carries there does not make it another event. Returns whether a comma waits for the
 * next token to decide.
 */
function push(out: string[], t: string, pendingComma: boolean): boolean {
  const last = size > 0 ? out[size - 1] : undefined;
  if (pendingComma) {
    // The comma follows a variable: dropped when a variable follows it too.
    if (t === WILDCARD) return false;
    out[size++] = ',';
    // `<*> , ,`: the second comma follows a comma, not a variable.
    out[size++] = t;
    return false;
  }
  if (t === WILDCARD && last === WILDCARD) return false;
  if (t === ',' && last === WILDCARD) return true;
  out[size++] = t;
  return false;
}

const SEPARATORS = ['=', ',', ';', ':'];

/**
 * Splits a line into tokens: whitespace separates, and `=`, `:`, `,`, brackets stand apart.
 * In one scan of the masked line; the same tokens as
 * `masked.replace(/([=,;]|:(?=\s|$))/g, ' $1 ').split(/\s+/)`, each with a digit, a mask, a day or
 * month name or an empty pair taken as a variable.
 */
export function tokenize(line: string): string[] {
  return tokenizeInto(line, []);
}

/** `tokenize` into `out`, whose tokens it replaces; returns `out`. */
export function tokenizeInto(line: string, out: string[]): string[] {
  const s = mask(line);
  // Overwritten in place: emptying the array would give its storage up.
  size = 0;
  const n = s.length;
  // A comma after a variable is dropped when a variable follows it: `<*> , <*>` is one variable.
  let pendingComma = false;
  let start = -1;
  let digit = false;
  let lt = false;
  let hash = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 32;
    let separator = -1;
    if (isSpaceCode(c)) {
      // ends a token
    } else if (c === 61) separator = 0;
    else if (c === 44) separator = 1;
    else if (c === 59) separator = 2;
    else if (c === 58 && (i + 1 >= n || isSpaceCode(s.charCodeAt(i + 1))))
      separator = 3;
    else {
      if (start < 0) {
        start = i;
        digit = false;
        lt = false;
        hash = FNV_OFFSET;
      }
      if (c >= 48 && c <= 57) digit = true;
      else if (c === 60) lt = true;
      hash = Math.imul(hash ^ c, FNV_PRIME);
      continue;
    }
    if (start >= 0) {
      let t: string;
      if (digit) t = WILDCARD;
      else {
        t = intern(s, start, i, hash);
        const len = i - start;
        if (
          (lt && t.includes(WILDCARD)) ||
          (len === 3 && CALENDAR.has(t)) ||
          (len === 2 && EMPTY.has(t))
        )
          t = WILDCARD;
      }
      start = -1;
      pendingComma = push(out, t, pendingComma);
    }
    if (separator >= 0)
      pendingComma = push(out, SEPARATORS[separator], pendingComma);
  }
  if (pendingComma) out[size++] = ',';
  if (out.length !== size) out.length = size;
  return out;
}

type Node = { children: Map<string, Node>; templates: number[] };

/** Routing keys of token counts, made once. */
const LENGTH_KEYS = Array.from({ length: 256 }, (_, i) => String(i));
const lengthKey = (n: number) =>
  n < LENGTH_KEYS.length ? LENGTH_KEYS[n] : String(n);
const newNode = (): Node => ({ children: new Map(), templates: [] });

/** A streaming miner; one per entity. */
export class DrainMiner {
  private readonly root = newNode();
  private readonly templates: LogTemplate[] = [];
  private readonly byText = new Map<string, number>();
  private readonly changed = new Set<number>();
  /** The tokens of the line being added (reused from line to line). */
  private readonly tokens: string[] = [];
  private created = false;
  readonly options: DrainOptions;

  constructor(options: Partial<DrainOptions> = {}) {
    this.options = { ...DEFAULT_DRAIN_OPTIONS, ...options };
  }

  /** Mines one line; returns the id of the template it joined or created. */
  add(line: string): number {
    const tokens = tokenizeInto(line, this.tokens);
    const leaf = this.leafFor(tokens);
    let best = -1;
    let bestSim = -1;
    let bestParams = -1;
    for (const id of leaf.templates) {
      const t = this.templates[id].tokens;
      let equal = 0;
      let params = 0;
      for (let i = 0; i < t.length; i++) {
        if (t[i] === WILDCARD) params++;
        else if (t[i] === tokens[i]) equal++;
      }
      const sim = t.length === 0 ? 1 : (equal + params) / t.length;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = id;
        bestSim = sim;
        bestParams = params;
      }
    }
    let id: number;
    if (best >= 0 && bestSim >= this.options.similarity) {
      id = best;
      const t = this.templates[id];
      // Most lines fit their template as it is: its text changes only where a constant differs.
      let generalizes = false;
      for (let i = 0; i < t.tokens.length; i++) {
        if (t.tokens[i] !== tokens[i] && t.tokens[i] !== WILDCARD) {
          generalizes = true;
          break;
        }
      }
      if (generalizes) {
        const before = t.tokens.join(' ');
        for (let i = 0; i < t.tokens.length; i++) {
          if (t.tokens[i] !== tokens[i]) t.tokens[i] = WILDCARD;
        }
        const after = t.tokens.join(' ');
        if (after !== before) {
          if (this.byText.get(before) === id) this.byText.delete(before);
          const twin = this.byText.get(after);
          if (twin === undefined) this.byText.set(after, id);
          else if (twin !== id) id = this.merge(id, twin, leaf);
          // Having generalized, the template may now cover a neighbour of its leaf: the same event.
          id = this.absorbNeighbours(id, leaf);
        }
      }
    } else {
      const text = tokens.join(' ');
      const existing = this.byText.get(text);
      if (existing !== undefined) {
        id = existing;
        leaf.templates.push(id);
      } else {
        id = this.templates.length;
        this.templates.push({
          id,
          tokens: [...tokens],
          path: this.pathOf(tokens),
          count: 0,
          exemplars: [],
        });
        this.byText.set(text, id);
        leaf.templates.push(id);
        // Born with variables where a neighbour has constants (a value with digits, say), it covers
        // that neighbour: the same event, which keeps the older id.
        id = this.absorbNeighbours(id, leaf);
        id = this.mergeVariablePosition(id, leaf);
      }
    }
    this.created =
      id === this.templates.length - 1 && this.templates[id].count === 0;
    const t = this.templates[id];
    this.changed.add(id);
    t.count++;
    if (t.exemplars.length < this.options.maxExemplars) t.exemplars.push(line);
    return id;
  }

  /** True when the last `add` created a new template. */
  get lastCreated(): boolean {
    return this.created;
  }

  /**
   * Two templates that generalized into the same text are one event: the younger one merges into the
   * older, which takes over its count, exemplars and place in the parse tree. Returns the survivor.
   */
  /**
   * When `id` and at least `variableSiblings` other templates of its leaf agree everywhere but one and
   * the same position, that position takes many values: it is a variable (a user name, a state), and
   * they are all one event.
   */
  private mergeVariablePosition(id: number, leaf: Node): number {
    const k = this.options.variableSiblings;
    if (k <= 0) return id;
    const mine = this.templates[id].tokens;
    const byPosition = new Map<number, number[]>();
    for (const other of leaf.templates) {
      if (other === id) continue;
      const theirs = this.templates[other].tokens;
      if (theirs.length !== mine.length) continue;
      let diff = -1;
      let ok = true;
      for (let i = 0; i < mine.length && ok; i++) {
        if (mine[i] === theirs[i]) continue;
        if (diff >= 0) ok = false;
        else diff = i;
      }
      if (ok && diff >= 0)
        byPosition.set(diff, [...(byPosition.get(diff) ?? []), other]);
    }
    let survivor = id;
    for (const siblings of byPosition.values()) {
      if (siblings.length < k) continue;
      for (const other of siblings)
        survivor = this.merge(survivor, other, leaf);
      break;
    }
    return survivor;
  }

  /** Merges every template of the leaf that `id` covers into one; returns the survivor. */
  private absorbNeighbours(id: number, leaf: Node): number {
    let survivor = id;
    for (const other of [...leaf.templates]) {
      if (other === survivor) continue;
      if (
        this.covers(
          this.templates[survivor].tokens,
          this.templates[other].tokens,
        )
      )
        survivor = this.merge(survivor, other, leaf);
    }
    return survivor;
  }

  /** True when two templates of one length agree (or one has <*>) on enough positions to be one. */
  private covers(a: string[], b: string[]): boolean {
    if (a.length !== b.length || a.length === 0) return false;
    let agree = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i] || a[i] === WILDCARD || b[i] === WILDCARD) agree++;
    }
    return agree / a.length >= this.options.mergeSimilarity;
  }

  private merge(a: number, b: number, leaf: Node): number {
    const [keep, gone] = a < b ? [a, b] : [b, a];
    const survivor = this.templates[keep];
    const merged = this.templates[gone];
    merged.mergedInto = keep;
    const before = survivor.tokens.join(' ');
    for (let i = 0; i < survivor.tokens.length; i++) {
      if (survivor.tokens[i] !== merged.tokens[i])
        survivor.tokens[i] = WILDCARD;
    }
    if (this.byText.get(before) === keep) this.byText.delete(before);
    if (this.byText.get(merged.tokens.join(' ')) === gone)
      this.byText.delete(merged.tokens.join(' '));
    survivor.count += merged.count;
    for (const e of merged.exemplars) {
      if (survivor.exemplars.length >= this.options.maxExemplars) break;
      survivor.exemplars.push(e);
    }
    this.byText.set(survivor.tokens.join(' '), keep);
    for (const node of [leaf, this.walk(merged.path)]) {
      node.templates = node.templates.filter(x => x !== gone);
      if (!node.templates.includes(keep)) node.templates.push(keep);
    }
    this.changed.add(gone);
    this.changed.add(keep);
    return keep;
  }

  /** The template a (possibly merged) id counts under now. */
  canonical(id: number): number {
    let c = id;
    while (this.templates[c].mergedInto !== undefined)
      c = this.templates[c].mergedInto!;
    return c;
  }

  template(id: number): LogTemplate {
    return this.templates[id];
  }

  /** Live templates (merged ones excluded). */
  get size(): number {
    return this.templates.filter(t => t.mergedInto === undefined).length;
  }

  /** All templates ever created, merged ones included: ids run 0..total-1. */
  get total(): number {
    return this.templates.length;
  }

  /** Template text (`<*>` for variables) of an id. */
  text(id: number): string {
    return this.templates[id].tokens.join(' ');
  }

  /**
   * The leaf of a line's tokens: by their count, then their leading tokens (<*> once a node has its
   * most children); the nodes on the way are created.
   */
  private leafFor(tokens: string[]): Node {
    let node = this.child(this.root, lengthKey(tokens.length));
    const steps = Math.min(this.options.depth - 2, tokens.length);
    for (let i = 0; i < steps; i++) {
      const token = tokens[i];
      const next = node.children.get(token);
      node =
        next ??
        this.child(
          node,
          node.children.size < this.options.maxChildren ? token : WILDCARD,
        );
    }
    return node;
  }

  /** The routing path `leafFor` took for these tokens (its nodes exist). */
  private pathOf(tokens: string[]): string[] {
    const path = [lengthKey(tokens.length)];
    let node = this.root.children.get(path[0])!;
    const steps = Math.min(this.options.depth - 2, tokens.length);
    for (let i = 0; i < steps; i++) {
      const token = tokens[i];
      const key = node.children.has(token) ? token : WILDCARD;
      path.push(key);
      node = node.children.get(key)!;
    }
    return path;
  }

  private child(node: Node, key: string): Node {
    let next = node.children.get(key);
    if (!next) {
      next = newNode();
      node.children.set(key, next);
    }
    return next;
  }

  /** The node at a routing path, created on the way when missing. */
  private walk(path: string[]): Node {
    let node = this.root;
    for (const key of path) {
      let next = node.children.get(key);
      if (!next) {
        next = newNode();
        node.children.set(key, next);
      }
      node = next;
    }
    return node;
  }

  /** Templates changed since the last call (created, generalized or counted), for persistence. */
  takeChanged(): LogTemplate[] {
    const changed = [...this.changed].map(id => this.templates[id]);
    this.changed.clear();
    return changed;
  }

  /** Rebuilds a miner from stored templates (ids must be 0..n-1). */
  static fromTemplates(
    templates: LogTemplate[],
    options: Partial<DrainOptions> = {},
  ): DrainMiner {
    const miner = new DrainMiner(options);
    for (const t of [...templates].sort((a, b) => a.id - b.id)) {
      if (t.id !== miner.templates.length) {
        throw new Error(
          `template ids must be consecutive from 0; got ${t.id} at ${miner.templates.length}`,
        );
      }
      miner.templates.push({
        ...t,
        tokens: [...t.tokens],
        path: [...t.path],
        exemplars: [...t.exemplars],
      });
      if (t.mergedInto !== undefined) continue;
      miner.byText.set(t.tokens.join(' '), t.id);
      miner.walk(t.path).templates.push(t.id);
    }
    return miner;
  }

  /** The miner's state, to persist templates across restarts. */
  serialize(): string {
    return JSON.stringify({ options: this.options, templates: this.templates });
  }

  /** Rebuilds a miner whose template ids are those of the serialized one. */
  static restore(state: string): DrainMiner {
    const parsed = JSON.parse(state) as {
      options: DrainOptions;
      templates: LogTemplate[];
    };
    return DrainMiner.fromTemplates(parsed.templates, parsed.options);
  }
}
