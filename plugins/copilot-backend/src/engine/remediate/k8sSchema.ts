// Schema validation of Kubernetes objects that rejects unknown fields (kubectl --validate=strict).
// The models' generated validators do not reject extra properties, so each object's keys are probed:
// a key the schema knows reports a type error for a value no type accepts, an unknown key reports nothing.
import type { KindInfo } from './k8sKinds';

export interface SchemaIssue {
  /** JSON pointer segments of the offending field. */
  path: Array<string | number>;
  kind: 'unknown_field' | 'invalid';
  message: string;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

const PROBE = Symbol('probe');

function pointer(path: ReadonlyArray<string | number>): string {
  return path
    .map(p => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(err: AjvError): string {
  switch (err.keyword) {
    case 'required':
      return `missing required field ${String(err.params?.missingProperty)}`;
    case 'enum':
      return `must be one of ${JSON.stringify(err.params?.allowedValues)}`;
    case 'format':
      return `must match format ${String(err.params?.format)}`;
    case 'type':
      return `must be ${String(err.params?.type)}`;
    default:
      return err.message ?? err.keyword;
  }
}

function runValidator(info: KindInfo, obj: unknown): AjvError[] {
  try {
    // The model's constructor deep-copies its input; the validator only reads `this`, so a shallow
    // instance over the (path-copied) probe object is enough and keeps each probe cheap.
    const instance = Object.assign(
      Object.create(info.model.prototype) as { validate(): void },
      obj,
    );
    instance.validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: AjvError[] }).errors;
    if (!errors) throw e;
    return errors;
  }
}

function setAt(
  root: unknown,
  path: ReadonlyArray<string | number>,
  value: unknown,
): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = root.slice();
    copy[head as number] = setAt(copy[head as number], rest, value);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  copy[head as string] = setAt(copy[head as string], rest, value);
  return copy;
}

/** Subtrees not worth probing: server-written, or free-form by design. */
function skip(path: ReadonlyArray<string | number>): boolean {
  const last = path[path.length - 1];
  if (path.length === 1 && last === 'status') return true;
  if (path.length === 2 && path[0] === 'metadata' && last === 'managedFields')
    return true;
  return false;
}

/** Maps whose keys are data, not fields: probing their keys is pointless. */
function isFreeMap(path: ReadonlyArray<string | number>): boolean {
  const last = path[path.length - 1];
  return (
    last === 'labels' ||
    last === 'annotations' ||
    last === 'matchLabels' ||
    last === 'nodeSelector' ||
    (path.length === 1 &&
      (last === 'data' || last === 'stringData' || last === 'binaryData')) ||
    last === 'limits' ||
    last === 'requests' ||
    last === 'hard' ||
    last === 'capacity'
  );
}

/**
 * Validates `obj` against its kind's schema. With `partial` (a patch without its target), errors
 * about required fields and at paths the object does not set are ignored.
 */
export function validateObject(
  info: KindInfo,
  obj: Record<string, unknown>,
  partial = false,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const base = runValidator(info, obj);
  for (const err of base) {
    if (partial && err.keyword === 'required') continue;
    const path = err.instancePath
      .split('/')
      .slice(1)
      .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (
      skip(path.slice(0, 1)) ||
      (path[0] === 'metadata' && path[1] === 'managedFields')
    )
      continue;
    const what = describe(err);
    issues.push({
      path,
      kind: 'invalid',
      message: `${err.instancePath || '/'}: ${what}`,
    });
  }
  // Probe each object node's keys: one validation per node.
  const stack: Array<Array<string | number>> = [[]];
  while (stack.length) {
    const path = stack.pop()!;
    let node: unknown = obj;
    for (const p of path) node = (node as Record<string | number, unknown>)[p];
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++)
        if (isPlainObject(node[i]) || Array.isArray(node[i]))
          stack.push([...path, i]);
      continue;
    }
    if (!isPlainObject(node) || skip(path) || isFreeMap(path)) continue;
    const keys = Object.keys(node).filter(
      k => !(path.length === 0 && (k === 'apiVersion' || k === 'kind')),
    );
    if (!keys.length) continue;
    const probed: Record<string, unknown> = { ...node };
    for (const k of keys) probed[k] = PROBE;
    const errs = runValidator(info, setAt(obj, path, probed));
    const prefix = pointer(path);
    const known = new Set<string>();
    for (const e of errs) {
      if (!e.instancePath.startsWith(`${prefix}/`)) continue;
      const seg = e.instancePath.slice(prefix.length + 1).split('/')[0];
      known.add(seg.replace(/~1/g, '/').replace(/~0/g, '~'));
    }
    for (const k of keys) {
      if (!known.has(k)) {
        issues.push({
          path: [...path, k],
          kind: 'unknown_field',
          message: `unknown field "${k}" at ${prefix || '/'} (${info.kind} ${
            info.apiVersion
          })`,
        });
      } else if (isPlainObject(node[k]) || Array.isArray(node[k])) {
        stack.push([...path, k]);
      }
    }
  }
  return issues;
}
