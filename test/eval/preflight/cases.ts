// The preflight case format (DESIGN.md section 9): types, a loader and a strict validator with clear errors.
// One folder per case: case.json, artifacts/ (the plan's files), optional live/ (current Kubernetes objects).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const MODES = ['k8s', 'helm', 'tf', 'ansible', 'sql'] as const;
export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export const EXPECTED = ['pass', 'block'] as const;

export interface CaseContext {
  entity: string;
  environment: (typeof ENVIRONMENTS)[number];
  namespace?: string;
  author: string;
  approved_by: string | null;
  error_budget_remaining?: number | null;
  change_freeze?: boolean;
  /** Optional extensions: freeze windows (ISO) with the evaluation time, and a recorded base hash. */
  freeze_windows?: Array<{ from: string; to: string; reason?: string }>;
  now?: string;
  base_hash?: string | Record<string, string>;
}

export interface CaseSpec {
  id: string;
  description: string;
  mode: (typeof MODES)[number];
  context: CaseContext;
  expected: (typeof EXPECTED)[number];
  why: string;
}

export interface CaseFileText {
  /** Path relative to artifacts/ or live/. */
  path: string;
  content: string;
}

export interface CaseProblem {
  file: string;
  field?: string;
  message: string;
}

export interface LoadedCase {
  name: string;
  dir: string;
  spec?: CaseSpec;
  artifacts: CaseFileText[];
  live: CaseFileText[];
  problems: CaseProblem[];
  /** Not errors: unknown keys and the like. */
  notes: CaseProblem[];
}

const ENTITY_REF =
  /^[a-z][a-z0-9]*:[a-z0-9][a-z0-9_.-]*\/[a-z0-9][a-z0-9_.-]*$/i;
const CASE_KEYS = new Set([
  'id',
  'description',
  'mode',
  'context',
  'expected',
  'why',
]);
const CONTEXT_KEYS = new Set([
  'entity',
  'environment',
  'namespace',
  'author',
  'approved_by',
  'error_budget_remaining',
  'change_freeze',
  'freeze_windows',
  'now',
  'base_hash',
]);

function readTree(root: string, under = root): CaseFileText[] {
  const out: CaseFileText[] = [];
  for (const name of readdirSync(under).sort()) {
    const p = join(under, name);
    if (statSync(p).isDirectory()) out.push(...readTree(root, p));
    else
      out.push({ path: relative(root, p), content: readFileSync(p, 'utf8') });
  }
  return out;
}

/** Validates a parsed case.json; problems name the field and say what is expected. */
export function validateSpec(
  raw: unknown,
  problems: CaseProblem[],
  notes: CaseProblem[],
): CaseSpec | undefined {
  const bad = (field: string, message: string) =>
    problems.push({ file: 'case.json', field, message });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    bad('.', 'case.json must be a JSON object');
    return undefined;
  }
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c))
    if (!CASE_KEYS.has(k))
      notes.push({
        file: 'case.json',
        field: k,
        message: 'unknown key (ignored)',
      });
  const str = (v: unknown, field: string, required = true): v is string => {
    if (typeof v === 'string' && v.trim() !== '') return true;
    if (required || v !== undefined)
      bad(field, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return false;
  };
  str(c.id, 'id');
  str(c.description, 'description');
  str(c.why, 'why');
  if (!MODES.includes(c.mode as never))
    bad(
      'mode',
      `must be one of ${MODES.join('|')}, got ${JSON.stringify(c.mode)}`,
    );
  if (!EXPECTED.includes(c.expected as never))
    bad('expected', `must be pass or block, got ${JSON.stringify(c.expected)}`);
  const ctx = c.context as Record<string, unknown> | undefined;
  if (typeof ctx !== 'object' || ctx === null || Array.isArray(ctx)) {
    bad('context', 'must be an object');
    return undefined;
  }
  for (const k of Object.keys(ctx))
    if (!CONTEXT_KEYS.has(k))
      notes.push({
        file: 'case.json',
        field: `context.${k}`,
        message: 'unknown key (ignored)',
      });
  if (
    str(ctx.entity, 'context.entity') &&
    !ENTITY_REF.test(ctx.entity as string)
  )
    bad(
      'context.entity',
      `must be a full entity ref kind:namespace/name, got ${JSON.stringify(
        ctx.entity,
      )}`,
    );
  if (!ENVIRONMENTS.includes(ctx.environment as never))
    bad(
      'context.environment',
      `must be one of ${ENVIRONMENTS.join('|')}, got ${JSON.stringify(
        ctx.environment,
      )}`,
    );
  if (
    ctx.namespace !== undefined &&
    !(
      typeof ctx.namespace === 'string' &&
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ctx.namespace)
    )
  )
    bad(
      'context.namespace',
      `must be a Kubernetes namespace name, got ${JSON.stringify(
        ctx.namespace,
      )}`,
    );
  if (
    str(ctx.author, 'context.author') &&
    !ENTITY_REF.test(ctx.author as string)
  )
    bad(
      'context.author',
      `must be a user entity ref like user:default/alice, got ${JSON.stringify(
        ctx.author,
      )}`,
    );
  if (
    ctx.approved_by !== undefined &&
    ctx.approved_by !== null &&
    !(typeof ctx.approved_by === 'string' && ENTITY_REF.test(ctx.approved_by))
  )
    bad(
      'context.approved_by',
      `must be a user entity ref or null, got ${JSON.stringify(
        ctx.approved_by,
      )}`,
    );
  const budget = ctx.error_budget_remaining;
  if (
    budget !== undefined &&
    budget !== null &&
    !(typeof budget === 'number' && Number.isFinite(budget) && budget <= 1)
  )
    bad(
      'context.error_budget_remaining',
      `must be a number <= 1 (share of the budget left) or null, got ${JSON.stringify(
        budget,
      )}`,
    );
  if (ctx.change_freeze !== undefined && typeof ctx.change_freeze !== 'boolean')
    bad(
      'context.change_freeze',
      `must be true or false, got ${JSON.stringify(ctx.change_freeze)}`,
    );
  if (ctx.freeze_windows !== undefined) {
    const ok =
      Array.isArray(ctx.freeze_windows) &&
      ctx.freeze_windows.every(
        w =>
          w &&
          typeof w === 'object' &&
          !Number.isNaN(Date.parse((w as { from: string }).from)) &&
          !Number.isNaN(Date.parse((w as { to: string }).to)),
      );
    if (!ok)
      bad('context.freeze_windows', 'must be a list of {from, to} ISO times');
    if (ctx.now === undefined)
      bad('context.now', 'is required with freeze_windows');
  }
  if (
    ctx.now !== undefined &&
    (typeof ctx.now !== 'string' || Number.isNaN(Date.parse(ctx.now)))
  )
    bad('context.now', 'must be an ISO time');
  if (problems.length) return undefined;
  return {
    ...(c as unknown as CaseSpec),
    context: {
      ...(ctx as unknown as CaseContext),
      approved_by: (ctx.approved_by as string | null | undefined) ?? null,
    },
  };
}

export function loadCase(dir: string): LoadedCase {
  const name = dir.split('/').filter(Boolean).pop() ?? dir;
  const loaded: LoadedCase = {
    name,
    dir,
    artifacts: [],
    live: [],
    problems: [],
    notes: [],
  };
  const specPath = join(dir, 'case.json');
  if (!existsSync(specPath)) {
    loaded.problems.push({ file: 'case.json', message: 'missing' });
  } else {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(specPath, 'utf8'));
    } catch (e) {
      loaded.problems.push({
        file: 'case.json',
        message: `is not valid JSON: ${(e as Error).message}`,
      });
    }
    if (raw !== undefined)
      loaded.spec = validateSpec(raw, loaded.problems, loaded.notes);
  }
  const art = join(dir, 'artifacts');
  if (!existsSync(art) || !statSync(art).isDirectory())
    loaded.problems.push({
      file: 'artifacts/',
      message: "missing: the plan's files go in artifacts/",
    });
  else {
    loaded.artifacts = readTree(art);
    if (!loaded.artifacts.length)
      loaded.problems.push({ file: 'artifacts/', message: 'is empty' });
  }
  const live = join(dir, 'live');
  if (existsSync(live)) {
    loaded.live = readTree(live);
    for (const l of loaded.live)
      if (!/\.(ya?ml|json)$/.test(l.path))
        loaded.problems.push({
          file: `live/${l.path}`,
          message: 'live state must be Kubernetes YAML or JSON',
        });
  }
  if (
    loaded.spec &&
    loaded.spec.mode === 'sql' &&
    !loaded.artifacts.some(a => a.path.endsWith('.sql'))
  )
    loaded.notes.push({
      file: 'artifacts/',
      message: 'sql mode without any .sql file',
    });
  return loaded;
}

/** Every case folder under `root` (a folder with case.json), sorted by name; duplicate ids are problems. */
export function loadCases(root: string): LoadedCase[] {
  if (!existsSync(root)) throw new Error(`no such case folder: ${root}`);
  const dirs: string[] = [];
  const visit = (d: string) => {
    if (existsSync(join(d, 'case.json'))) {
      dirs.push(d);
      return;
    }
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) visit(p);
    }
  };
  visit(root);
  const cases = dirs.map(loadCase);
  const seen = new Map<string, string>();
  for (const c of cases) {
    if (!c.spec) continue;
    const prev = seen.get(c.spec.id);
    if (prev)
      c.problems.push({
        file: 'case.json',
        field: 'id',
        message: `duplicate id ${c.spec.id} (also in ${prev})`,
      });
    seen.set(c.spec.id, c.name);
  }
  return cases;
}

export function formatProblem(c: LoadedCase, p: CaseProblem): string {
  return `${c.name}/${p.file}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}
