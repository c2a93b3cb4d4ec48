// The RCA incident-case format (DESIGN.md section 8): types, loaders and a strict validator.
// One folder per case: case.json, catalog.yaml (multi-document Backstage entities), signals.ndjson.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { LineCounter, parseAllDocuments, isMap } from 'yaml';
import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  domainEntityV1alpha1Validator,
  EntityPolicies,
  FieldFormatEntityPolicy,
  groupEntityV1alpha1Validator,
  NoForeignRootFieldsEntityPolicy,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
  type Entity,
} from '@backstage/catalog-model';
import {
  ROOT_CAUSE_KINDS,
  signalInputSchema,
  type SignalInput,
} from '@devops-copilot/backstage-plugin-copilot-common';

export const TRUTH_KINDS = ROOT_CAUSE_KINDS;
export type TruthKind = (typeof TRUTH_KINDS)[number];

export const SIGNAL_KINDS = ['log', 'metric', 'event', 'deploy'] as const;

/** Entity kinds a case catalog may hold. */
export const CATALOG_KINDS = [
  'Component',
  'API',
  'Resource',
  'System',
  'Domain',
  'Group',
  'User',
] as const;

/** `case.json`. */
export interface CaseSpec {
  id: string;
  description: string;
  /** The alert that opens the incident: a full entity ref, an ISO time and a title. */
  alert: { entity: string; at: string; title: string };
  /** The analysis window (ISO times); contains alert.at. */
  window: { from: string; to: string };
  /** The labeled root cause; entity is null (or absent) when kind is `none`. */
  truth: { entity?: string | null; kind: TruthKind };
}

export type CaseFile = 'case.json' | 'catalog.yaml' | 'signals.ndjson' | '.';

/** One validation finding, located as precisely as the file allows. */
export interface CaseProblem {
  file: CaseFile;
  /** 1-based line, when known. */
  line?: number;
  /** Dotted field path, e.g. `alert.entity`, `metadata.name`, `labels.service`. */
  field?: string;
  message: string;
}

export interface LoadedCase {
  /** Folder name (the case id when valid). */
  name: string;
  dir: string;
  spec: CaseSpec;
  catalog: Entity[];
  signals: SignalInput[];
  problems: CaseProblem[];
}

export function formatProblem(p: CaseProblem): string {
  const where = `${p.file}${p.line !== undefined ? `:${p.line}` : ''}`;
  return `${where}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}

// ---- helpers --------------------------------------------------------------------------------------

/** Backstage's entity name rule (KubernetesValidatorFunctions.isValidObjectName). */
export function isValidEntityName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length >= 1 &&
    name.length <= 63 &&
    /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name)
  );
}

/** Backstage's namespace rule (a DNS label). */
export function isValidNamespace(ns: unknown): ns is string {
  return (
    typeof ns === 'string' &&
    ns.length >= 1 &&
    ns.length <= 63 &&
    /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(ns)
  );
}

const ISO =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function isoMs(v: unknown): number | undefined {
  if (typeof v !== 'string' || !ISO.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `kind:namespace/name` with lower-case kind and namespace, or undefined when not a full ref. */
export function normalizeRef(ref: unknown): string | undefined {
  if (typeof ref !== 'string') return undefined;
  const m = /^([A-Za-z][\w-]*):([^/:]+)\/([^/:]+)$/.exec(ref);
  if (!m) return undefined;
  return `${m[1]}:${m[2]}/${m[3]}`.toLocaleLowerCase('en-US');
}

/** A relation target as Backstage resolves it (kind optional where the field has a default kind). */
function targetRef(
  target: string,
  defaultKind: string | undefined,
  defaultNamespace: string,
): string | undefined {
  const m = /^(?:([A-Za-z][\w-]*):)?(?:([^/:]+)\/)?([^/:]+)$/.exec(target);
  if (!m) return undefined;
  const kind = m[1] ?? defaultKind;
  if (!kind) return undefined;
  return `${kind}:${m[2] ?? defaultNamespace}/${m[3]}`.toLocaleLowerCase(
    'en-US',
  );
}

function entityRefOf(e: {
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}): string {
  return `${String(e.kind)}:${String(e.metadata?.namespace ?? 'default')}/${
    e.metadata?.name
  }`.toLocaleLowerCase('en-US');
}

/** The 1-based line of a key path in a JSON text (first match along the path), or undefined. */
function jsonLine(text: string, path: string[]): number | undefined {
  let pos = 0;
  for (const key of path) {
    const i = text.indexOf(`"${key}"`, pos);
    if (i < 0) return undefined;
    pos = i + key.length + 2;
  }
  return text.slice(0, pos).split('\n').length;
}

function jsonErrorLine(text: string, error: unknown): number | undefined {
  const msg = String((error as Error)?.message ?? error);
  const lc = /line (\d+)/.exec(msg);
  if (lc) return Number(lc[1]);
  const pos = /position (\d+)/.exec(msg);
  if (pos) return text.slice(0, Number(pos[1])).split('\n').length;
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- case.json -------------------------------------------------------------------------------------

const CASE_KEYS: Record<string, string[]> = {
  '': ['id', 'description', 'alert', 'window', 'truth'],
  alert: ['entity', 'at', 'title'],
  window: ['from', 'to'],
  truth: ['entity', 'kind'],
};

function checkCaseJson(
  text: string,
  folder: string,
  problems: CaseProblem[],
): CaseSpec | undefined {
  const add = (field: string | undefined, message: string, path?: string[]) =>
    problems.push({
      file: 'case.json',
      line: path ? jsonLine(text, path) : undefined,
      field,
      message,
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    problems.push({
      file: 'case.json',
      line: jsonErrorLine(text, e),
      message: `not valid JSON: ${(e as Error).message}`,
    });
    return undefined;
  }
  if (!isObject(raw)) {
    add(undefined, 'must be a JSON object');
    return undefined;
  }
  for (const [section, keys] of Object.entries(CASE_KEYS)) {
    const obj = section ? raw[section] : raw;
    if (section && !isObject(obj)) {
      add(section, 'must be an object', [section]);
      continue;
    }
    for (const k of Object.keys(obj as object)) {
      if (!keys.includes(k)) {
        const field = section ? `${section}.${k}` : k;
        add(
          field,
          `unknown field (allowed: ${keys.join(', ')})`,
          section ? [section, k] : [k],
        );
      }
    }
  }
  const str = (path: string[]) => {
    let v: unknown = raw;
    for (const p of path) v = isObject(v) ? v[p] : undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      add(
        path.join('.'),
        v === undefined ? 'is required' : 'must be a non-empty string',
        path,
      );
      return undefined;
    }
    return v;
  };
  const id = str(['id']);
  if (id !== undefined && id !== folder)
    add('id', `must equal the folder name '${folder}' (found '${id}')`, ['id']);
  if (id !== undefined && !/^[A-Za-z0-9][\w.-]*$/.test(id))
    add('id', 'must be letters, digits, ".", "_" or "-"', ['id']);
  str(['description']);
  const alertEntity = str(['alert', 'entity']);
  if (alertEntity !== undefined && !normalizeRef(alertEntity))
    add(
      'alert.entity',
      `'${alertEntity}' is not a full entity ref (kind:namespace/name)`,
      ['alert', 'entity'],
    );
  const at = str(['alert', 'at']);
  str(['alert', 'title']);
  const from = str(['window', 'from']);
  const to = str(['window', 'to']);
  const times: Record<string, number | undefined> = {};
  for (const [name, v, path] of [
    ['alert.at', at, ['alert', 'at']],
    ['window.from', from, ['window', 'from']],
    ['window.to', to, ['window', 'to']],
  ] as const) {
    if (v === undefined) continue;
    times[name] = isoMs(v);
    if (times[name] === undefined)
      add(
        name,
        `'${v}' is not an ISO-8601 UTC timestamp such as 2026-03-01T12:00:00Z`,
        [...path],
      );
  }
  const [a, f, t] = [
    times['alert.at'],
    times['window.from'],
    times['window.to'],
  ];
  if (f !== undefined && t !== undefined && f >= t)
    add('window', 'window.from must be before window.to', ['window']);
  if (a !== undefined && f !== undefined && t !== undefined && (a < f || a > t))
    add('alert.at', `${at} is outside the window ${from} .. ${to}`, [
      'alert',
      'at',
    ]);
  const truth = isObject(raw.truth) ? raw.truth : undefined;
  const kind = truth?.kind;
  if (!TRUTH_KINDS.includes(kind as TruthKind))
    add(
      'truth.kind',
      kind === undefined
        ? 'is required'
        : `unknown kind ${JSON.stringify(kind)} (one of ${TRUTH_KINDS.join(
            ', ',
          )})`,
      ['truth', 'kind'],
    );
  const te = truth?.entity;
  if (kind !== 'none') {
    if (typeof te !== 'string' || te === '')
      add('truth.entity', 'is required unless truth.kind is none', [
        'truth',
        'entity',
      ]);
    else if (!normalizeRef(te))
      add(
        'truth.entity',
        `'${te}' is not a full entity ref (kind:namespace/name)`,
        ['truth', 'entity'],
      );
  } else if (te !== undefined && te !== null && typeof te !== 'string') {
    add('truth.entity', 'must be a string, null or absent', [
      'truth',
      'entity',
    ]);
  }
  return raw as unknown as CaseSpec;
}

// ---- catalog.yaml ----------------------------------------------------------------------------------

const VALIDATORS = [
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
];
const POLICY = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/** Relation fields: spec field, default kind of its targets (undefined = the kind is required). */
const RELATIONS: Array<[string, string | undefined]> = [
  ['owner', 'group'],
  ['system', 'system'],
  ['domain', 'domain'],
  ['subcomponentOf', 'component'],
  ['dependsOn', undefined],
  ['dependencyOf', undefined],
  ['providesApis', 'api'],
  ['consumesApis', 'api'],
  ['parent', 'group'],
  ['children', 'group'],
  ['memberOf', 'group'],
];

async function checkCatalog(
  text: string,
  problems: CaseProblem[],
): Promise<Entity[]> {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const add = (line: number | undefined, field: string, message: string) =>
    problems.push({ file: 'catalog.yaml', line, field, message });
  if (!Array.isArray(docs)) {
    add(undefined, '', 'could not be parsed');
    return [];
  }
  const entities: Array<{ e: Entity; line: number | undefined; doc: any }> = [];
  for (const doc of docs) {
    const docLine = lineAt(doc.range?.[0]);
    if (doc.errors.length > 0) {
      for (const err of doc.errors)
        problems.push({
          file: 'catalog.yaml',
          line: lineAt(err.pos?.[0]) ?? docLine,
          message: `not valid YAML: ${err.message.split('\n')[0]}`,
        });
      continue;
    }
    if (doc.contents === null) continue; // empty document (e.g. a trailing ---)
    if (!isMap(doc.contents)) {
      add(docLine, '', 'a document must be a mapping (one entity)');
      continue;
    }
    const fieldLine = (path: string[]) => {
      const node = doc.getIn(path, true) as { range?: number[] } | undefined;
      return lineAt(node?.range?.[0]) ?? docLine;
    };
    const e = doc.toJS() as Entity;
    const before = problems.length;
    if (
      !['backstage.io/v1alpha1', 'backstage.io/v1beta1'].includes(e.apiVersion)
    )
      add(
        fieldLine(['apiVersion']),
        'apiVersion',
        `must be backstage.io/v1alpha1 (found ${JSON.stringify(e.apiVersion)})`,
      );
    if (!CATALOG_KINDS.includes(e.kind as (typeof CATALOG_KINDS)[number]))
      add(
        fieldLine(['kind']),
        'kind',
        `unsupported kind ${JSON.stringify(
          e.kind,
        )} (one of ${CATALOG_KINDS.join(', ')})`,
      );
    if (!isValidEntityName(e.metadata?.name))
      add(
        fieldLine(['metadata', 'name']),
        'metadata.name',
        `${JSON.stringify(
          e.metadata?.name,
        )} is not a valid entity name (1-63 chars [A-Za-z0-9] separated by [-_.])`,
      );
    if (
      e.metadata?.namespace !== undefined &&
      !isValidNamespace(e.metadata.namespace)
    )
      add(
        fieldLine(['metadata', 'namespace']),
        'metadata.namespace',
        `${JSON.stringify(e.metadata.namespace)} is not a valid namespace`,
      );
    if (problems.length === before) {
      // Backstage's own policies and kind schemas (required spec fields, types, formats).
      try {
        const checked = await POLICY.enforce(structuredClone(e));
        const ok = checked
          ? (await Promise.all(VALIDATORS.map(v => v.check(checked)))).some(
              Boolean,
            )
          : false;
        if (!ok)
          add(docLine, 'spec', `no Backstage schema accepts this ${e.kind}`);
      } catch (err) {
        const msg = (err as Error).message;
        const raw = /^"?([\w.[\]/]+)"? /.exec(msg)?.[1] ?? '';
        let path = raw.replace(/^\//, '').split(/[./]/).filter(Boolean);
        // Field-format messages name metadata fields without their "metadata." prefix.
        if (
          path.length > 0 &&
          !doc.hasIn(path) &&
          doc.hasIn(['metadata', ...path])
        )
          path = ['metadata', ...path];
        add(
          path.length && doc.hasIn(path) ? fieldLine(path) : docLine,
          doc.hasIn(path) ? path.join('.') : '',
          msg.replace(/\. To learn more about catalog file format.*$/s, ''),
        );
      }
    }
    if (problems.length === before) entities.push({ e, line: docLine, doc });
  }
  // Uniqueness (Backstage compares refs case-insensitively) and relation targets.
  const known = new Map<string, number | undefined>();
  for (const { e, line } of entities) {
    const ref = entityRefOf(e);
    if (known.has(ref))
      add(
        line,
        'metadata.name',
        `duplicate entity ${ref} (first at line ${known.get(ref)})`,
      );
    else known.set(ref, line);
  }
  for (const { e, doc } of entities) {
    const spec = (e.spec ?? {}) as Record<string, unknown>;
    const ns = e.metadata.namespace ?? 'default';
    for (const [field, defaultKind] of RELATIONS) {
      const v = spec[field];
      if (v === undefined) continue;
      const targets = Array.isArray(v) ? v : [v];
      targets.forEach((t, i) => {
        const node = doc.getIn(
          Array.isArray(v) ? ['spec', field, i] : ['spec', field],
          true,
        ) as { range?: number[] } | undefined;
        const line = lineAt(node?.range?.[0]);
        const ref =
          typeof t === 'string' ? targetRef(t, defaultKind, ns) : undefined;
        if (!ref) {
          add(
            line,
            `spec.${field}`,
            `${JSON.stringify(t)} is not an entity ref${
              defaultKind ? '' : ' with a kind (e.g. component:payments)'
            }`,
          );
        } else if (
          !known.has(ref) &&
          !(field === 'owner' && known.has(ref.replace(/^group:/, 'user:')))
        ) {
          add(
            line,
            `spec.${field}`,
            `${t} points at ${ref}, which is not in catalog.yaml`,
          );
        }
      });
    }
  }
  return entities.map(x => x.e);
}

// ---- signals.ndjson --------------------------------------------------------------------------------

const SIGNAL_KEYS = new Set([
  'source',
  'kind',
  'ts',
  'key',
  'value',
  'text',
  'labels',
]);

function checkSignals(
  text: string,
  entityRefs: Set<string>,
  entityNames: Set<string>,
  problems: CaseProblem[],
): SignalInput[] {
  const out: SignalInput[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0)
    problems.push({ file: 'signals.ndjson', message: 'holds no signals' });
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const add = (field: string | undefined, message: string) =>
      problems.push({ file: 'signals.ndjson', line: n, field, message });
    const line = lines[i];
    if (line.trim() === '') {
      add(undefined, 'empty line');
      continue;
    }
    let s: unknown;
    try {
      s = JSON.parse(line);
    } catch (e) {
      add(undefined, `not valid JSON: ${(e as Error).message}`);
      continue;
    }
    if (!isObject(s)) {
      add(undefined, 'must be a JSON object');
      continue;
    }
    const before = problems.length;
    for (const k of Object.keys(s))
      if (!SIGNAL_KEYS.has(k))
        add(k, `unknown field (allowed: ${[...SIGNAL_KEYS].join(', ')})`);
    if (typeof s.source !== 'string' || s.source === '')
      add('source', 'is required (a non-empty string)');
    if (!SIGNAL_KINDS.includes(s.kind as any))
      add(
        'kind',
        `${JSON.stringify(s.kind)} is not one of ${SIGNAL_KINDS.join(', ')}`,
      );
    if (
      !(typeof s.ts === 'number' && Number.isFinite(s.ts) && s.ts >= 0) &&
      isoMs(s.ts) === undefined
    )
      add('ts', `${JSON.stringify(s.ts)} is not an ISO-8601 UTC timestamp`);
    if (s.key !== undefined && (typeof s.key !== 'string' || s.key === ''))
      add('key', 'must be a non-empty string');
    if (
      s.value !== undefined &&
      (typeof s.value !== 'number' || !Number.isFinite(s.value))
    )
      add('value', 'must be a finite number');
    if (s.text !== undefined && typeof s.text !== 'string')
      add('text', 'must be a string');
    if (s.kind === 'metric') {
      if (s.key === undefined) add('key', 'a metric needs key (its name)');
      if (s.value === undefined) add('value', 'a metric needs a value');
    } else if (s.kind === 'log') {
      if (s.text === undefined || s.text === '')
        add('text', 'a log needs text (the line)');
    } else if (s.kind === 'deploy' || s.kind === 'event') {
      if (s.key === undefined)
        add('key', `a ${s.kind} needs key (deploy, config_change, ...)`);
      if (s.kind === 'deploy' && s.key !== undefined && s.key !== 'deploy')
        add(
          'key',
          `a deploy has key "deploy" (found ${JSON.stringify(s.key)})`,
        );
    }
    if (!isObject(s.labels)) {
      add('labels', 'is required: labels.service or labels.entity');
    } else {
      for (const [k, v] of Object.entries(s.labels))
        if (typeof v !== 'string') add(`labels.${k}`, 'must be a string');
      const service = s.labels.service;
      const entity = s.labels.entity;
      if (entity !== undefined) {
        const ref = normalizeRef(entity);
        if (!ref || !entityRefs.has(ref))
          add('labels.entity', `${String(entity)} is not in catalog.yaml`);
      } else if (typeof service !== 'string' || service === '') {
        add('labels.service', 'is required (or labels.entity)');
      } else if (!entityNames.has(service.toLocaleLowerCase('en-US'))) {
        add(
          'labels.service',
          `'${service}' names no Component or Resource of catalog.yaml`,
        );
      }
    }
    if (problems.length > before) continue;
    // The ingest API's own schema is the final word on the format.
    const parsed = signalInputSchema.safeParse(s);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        add(issue.path.join('.') || undefined, issue.message);
      continue;
    }
    out.push(s as unknown as SignalInput);
  }
  return out;
}

// ---- loading ---------------------------------------------------------------------------------------

/** Loads one case folder and validates it; problems are in `problems` (never thrown). */
export async function loadCase(dir: string): Promise<LoadedCase> {
  const problems: CaseProblem[] = [];
  const name = basename(dir);
  const read = (file: CaseFile) => {
    const path = join(dir, file);
    if (!existsSync(path)) {
      problems.push({ file, message: 'is missing' });
      return undefined;
    }
    return readFileSync(path, 'utf8');
  };
  const caseText = read('case.json');
  const catalogText = read('catalog.yaml');
  const signalsText = read('signals.ndjson');
  const spec =
    caseText !== undefined
      ? checkCaseJson(caseText, name, problems)
      : undefined;
  const catalog =
    catalogText !== undefined ? await checkCatalog(catalogText, problems) : [];
  const refs = new Set(catalog.map(entityRefOf));
  const names = new Set(
    catalog
      .filter(e => e.kind === 'Component' || e.kind === 'Resource')
      .map(e => e.metadata.name.toLocaleLowerCase('en-US')),
  );
  if (catalogText !== undefined && caseText !== undefined && spec) {
    const ref = (v: unknown) => normalizeRef(v);
    const alertRef = ref(spec.alert?.entity);
    if (alertRef && !refs.has(alertRef))
      problems.push({
        file: 'case.json',
        line: jsonLine(caseText, ['alert', 'entity']),
        field: 'alert.entity',
        message: `${spec.alert.entity} is not in catalog.yaml`,
      });
    const truthRef = ref(spec.truth?.entity);
    if (spec.truth?.kind !== 'none' && truthRef && !refs.has(truthRef))
      problems.push({
        file: 'case.json',
        line: jsonLine(caseText, ['truth', 'entity']),
        field: 'truth.entity',
        message: `${spec.truth.entity} is not in catalog.yaml`,
      });
  }
  const signals =
    signalsText !== undefined
      ? checkSignals(signalsText, refs, names, problems)
      : [];
  return {
    name,
    dir,
    spec: spec ?? ({} as CaseSpec),
    catalog,
    signals,
    problems,
  };
}

/** Every case folder (a folder holding case.json) under root, root included, sorted by path. */
export function caseDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (existsSync(join(dir, 'case.json'))) {
      out.push(dir);
      return;
    }
    for (const entry of readdirSync(dir).sort()) {
      const p = join(dir, entry);
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort((a, b) =>
    relative(root, a).localeCompare(relative(root, b), 'en'),
  );
}

/** Loads (and validates) every case under root, sorted by path. */
export async function loadCases(root: string): Promise<LoadedCase[]> {
  const out: LoadedCase[] = [];
  for (const dir of caseDirs(root)) out.push(await loadCase(dir));
  return out;
}
