// Patch application: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and Kubernetes strategic merge.
// Strategic merge follows the patchMergeKey / patchStrategy markers of the Kubernetes API types.

type Json = unknown;
type Obj = Record<string, Json>;

function isObj(v: Json): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function jsonMergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

/** Lists merged by key (patchStrategy=merge) in the core API, by field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ports: 'containerPort',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  conditions: 'type',
  ownerReferences: 'uid',
};

function mergeList(
  field: string,
  target: Json[],
  patch: Json[],
  path: string[],
): Json[] {
  const key = MERGE_KEYS[field];
  // Service ports merge by port, not containerPort.
  const mergeKey =
    field === 'ports' &&
    patch.some(p => isObj(p) && 'port' in p && !('containerPort' in p))
      ? 'port'
      : key;
  if (!mergeKey || !patch.every(isObj)) return patch;
  const out = target.slice();
  for (const item of patch as Obj[]) {
    if (item.$patch === 'delete') {
      const i = out.findIndex(t => isObj(t) && t[mergeKey] === item[mergeKey]);
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    const i = out.findIndex(t => isObj(t) && t[mergeKey] === item[mergeKey]);
    if (i >= 0) out[i] = strategicMerge(out[i], item, [...path, field]);
    else out.push(strategicMerge({}, item, [...path, field]));
  }
  return out;
}

/** Strategic merge patch: maps merge, keyed lists merge by key, other lists replace; null deletes. */
export function strategicMerge(
  target: Json,
  patch: Json,
  path: string[] = [],
): Json {
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (v === null) delete out[k];
    else if (Array.isArray(v))
      out[k] = mergeList(
        k,
        Array.isArray(out[k]) ? (out[k] as Json[]) : [],
        v,
        path,
      );
    else if (isObj(v)) {
      const merged = strategicMerge(out[k], v, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  return out;
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: Json;
  from?: string;
}

export class JsonPatchError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly testFailed = false,
  ) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new Error(`bad JSON pointer ${p}`);
  return p
    .slice(1)
    .split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

function getAt(doc: Json, segs: string[]): Json {
  let cur = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) cur = cur[Number(s)];
    else if (isObj(cur)) cur = cur[s];
    else return undefined;
  }
  return cur;
}

/** RFC 6902; throws JsonPatchError (with testFailed for a failed `test`). */
export function applyJsonPatch(doc: Json, ops: JsonPatchOp[]): Json {
  let root = clone(doc);
  ops.forEach((op, index) => {
    const segs = parsePointer(op.path);
    const fail = (m: string) => {
      throw new JsonPatchError(
        `op ${index} (${op.op} ${op.path}): ${m}`,
        index,
      );
    };
    if (op.op === 'test') {
      if (JSON.stringify(getAt(root, segs)) !== JSON.stringify(op.value))
        throw new JsonPatchError(
          `test failed at ${op.path}: expected ${JSON.stringify(
            op.value,
          )}, found ${JSON.stringify(getAt(root, segs))}`,
          index,
          true,
        );
      return;
    }
    let value: Json;
    if (op.op === 'move' || op.op === 'copy') {
      if (op.from === undefined) fail('missing from');
      value = clone(getAt(root, parsePointer(op.from!)));
      if (value === undefined) fail(`nothing at ${op.from}`);
      if (op.op === 'move') root = removeAt(root, parsePointer(op.from!), fail);
    } else value = op.value;
    if (op.op === 'remove') {
      root = removeAt(root, segs, fail);
      return;
    }
    if (segs.length === 0) {
      root = clone(value);
      return;
    }
    const parent = getAt(root, segs.slice(0, -1));
    const last = segs[segs.length - 1];
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length)
        fail('index out of range');
      if (op.op === 'replace') {
        if (i >= parent.length) fail('index out of range');
        parent[i] = clone(value);
      } else parent.splice(i, 0, clone(value));
    } else if (isObj(parent)) {
      if (op.op === 'replace' && !(last in parent)) fail('no value to replace');
      parent[last] = clone(value);
    } else fail('parent does not exist');
  });
  return root;
}

function removeAt(
  root: Json,
  segs: string[],
  fail: (m: string) => never,
): Json {
  const parent = getAt(root, segs.slice(0, -1));
  const last = segs[segs.length - 1];
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!(i >= 0 && i < parent.length)) fail('index out of range');
    parent.splice(i, 1);
  } else if (isObj(parent) && last in parent) delete parent[last];
  else fail('nothing to remove');
  return root;
}
