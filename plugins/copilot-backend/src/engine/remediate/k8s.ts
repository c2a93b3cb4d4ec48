// Kubernetes artifacts: manifests and patches merged into the live object, validated strictly, checked for drift.
// Drift follows the API server's optimistic concurrency (resourceVersion) plus a content hash of the plan's base.
import { objectHash } from './canonical';
import type { CommandFact } from './commands';
import { isDns1123Label, isDns1123Subdomain } from './escape';
import {
  isClusterScoped,
  isSupersededApi,
  kindByName,
  kindInfo,
  knownApiVersion,
  type KindInfo,
} from './k8sKinds';
import { validateObject } from './k8sSchema';
import {
  applyJsonPatch,
  JsonPatchError,
  jsonMergePatch,
  strategicMerge,
  type JsonPatchOp,
} from './merge';
import { parseQuantity } from './quantity';
import { scanSecurity } from './security';
import type { Finding, PreflightContext } from './types';
import type { YamlDoc } from './yamlDocs';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface LiveObject {
  obj: Obj;
  artifact: string;
}

export interface K8sFacts {
  targets: string[];
  namespaces: string[];
  clusterScoped: boolean;
  destructive: boolean;
  replicas: number[];
  /** Objects whose patch merged into a live object. */
  merged: number;
  /** Where each namespace was set, for citing policy findings. */
  namespaceSources: Array<{
    namespace: string;
    artifact: string;
    line?: number;
  }>;
}

export class LiveIndex {
  private readonly byKey = new Map<string, LiveObject>();
  readonly all: LiveObject[] = [];

  constructor(
    docs: Array<{ artifact: string; value: unknown }>,
    private readonly defaultNs: string,
  ) {
    for (const d of docs) {
      const items =
        isObj(d.value) && Array.isArray(d.value.items)
          ? d.value.items
          : [d.value];
      for (const obj of items) {
        if (!isObj(obj) || typeof obj.kind !== 'string' || !isObj(obj.metadata))
          continue;
        const lo = { obj, artifact: d.artifact };
        this.all.push(lo);
        this.byKey.set(
          this.key(
            obj.kind,
            String(obj.metadata.name),
            obj.metadata.namespace as string | undefined,
          ),
          lo,
        );
      }
    }
  }

  key(kind: string, name: string, ns?: string): string {
    const k = kind.toLowerCase();
    return `${k}/${isClusterScoped(k) ? '' : ns ?? this.defaultNs}/${name}`;
  }

  find(kind: string, name: string, ns?: string): LiveObject | undefined {
    return this.byKey.get(this.key(kind, name, ns));
  }

  /** The single live object, when there is exactly one. */
  only(): LiveObject | undefined {
    return this.all.length === 1 ? this.all[0] : undefined;
  }

  hasKind(kind: string): boolean {
    return this.all.some(
      l => String(l.obj.kind).toLowerCase() === kind.toLowerCase(),
    );
  }
}

interface CheckEnv {
  ctx: PreflightContext;
  production: boolean;
  live: LiveIndex;
  facts: K8sFacts;
  out: Finding[];
  /** `kind/ns/name` -> recorded base hash (plan.base or context.baseHash). */
  baseHashes: Map<string, string>;
  singleBaseHash?: string;
}

/** The pod spec inside a workload and its path (Pods, CronJobs and template-bearing controllers). */
function podSpecOf(kind: string, spec: Obj): { pod?: Obj; base: string[] } {
  if (kind === 'Pod') return { pod: spec, base: ['spec'] };
  if (kind === 'CronJob') {
    const job =
      isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec)
        ? spec.jobTemplate.spec
        : undefined;
    const tpl = job && isObj(job.template) ? job.template : undefined;
    return {
      pod: tpl && isObj(tpl.spec) ? tpl.spec : undefined,
      base: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
    };
  }
  const tpl = isObj(spec.template) ? spec.template : undefined;
  return {
    pod: tpl && isObj(tpl.spec) ? tpl.spec : undefined,
    base: ['spec', 'template', 'spec'],
  };
}

function stageOf(code: string): Finding['stage'] {
  if (code.startsWith('GR_')) return 'guardrail';
  if (code.startsWith('DRIFT')) return 'drift';
  return 'schema';
}

function workloadChecks(
  obj: Obj,
  info: KindInfo,
  cite: (
    code: string,
    sev: Finding['severity'],
    msg: string,
    path: Array<string | number>,
  ) => void,
  env: CheckEnv,
) {
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  if (!spec) return;
  if (typeof spec.replicas === 'number') {
    env.facts.replicas.push(spec.replicas);
  }
  if (
    info.kind === 'Deployment' &&
    isObj(spec.strategy) &&
    spec.strategy.type === 'Recreate' &&
    env.production
  )
    cite(
      'K8S_RECREATE_STRATEGY',
      'warn',
      'strategy Recreate stops every pod before starting new ones (downtime)',
      ['spec', 'strategy', 'type'],
    );
  const { pod, base } = podSpecOf(info.kind, spec);
  if (!pod) return;
  for (const field of ['containers', 'initContainers']) {
    const cs = pod[field];
    if (!Array.isArray(cs)) continue;
    cs.forEach((c, i) => {
      if (!isObj(c) || !isObj(c.resources)) return;
      const lim = isObj(c.resources.limits) ? c.resources.limits : {};
      const req = isObj(c.resources.requests) ? c.resources.requests : {};
      for (const r of ['cpu', 'memory']) {
        const l = parseQuantity(lim[r]);
        const q = parseQuantity(req[r]);
        const p = [...base, field, i, 'resources'];
        if (
          (lim[r] !== undefined && l === undefined) ||
          (req[r] !== undefined && q === undefined)
        )
          cite(
            'K8S_SCHEMA',
            'block',
            `${field}[${i}].resources ${r}: not a valid quantity`,
            p,
          );
        else if (l !== undefined && q !== undefined && q > l)
          cite(
            'K8S_REQUESTS_EXCEED_LIMITS',
            'block',
            `${field}[${i}] requests more ${r} (${String(
              req[r],
            )}) than its limit (${String(lim[r])})`,
            p,
          );
        if (r === 'memory' && l !== undefined && l > 64 * 2 ** 30)
          cite(
            'GR_RESOURCE_LIMIT',
            'warn',
            `memory limit ${String(lim[r])} is above 64Gi`,
            p,
          );
        if (r === 'cpu' && l !== undefined && l > 32)
          cite(
            'GR_RESOURCE_LIMIT',
            'warn',
            `cpu limit ${String(lim[r])} is above 32 cores`,
            p,
          );
      }
    });
  }
}

function checkDrift(
  artifactObj: Obj,
  live: LiveObject,
  key: string,
  cite: (
    code: string,
    sev: Finding['severity'],
    msg: string,
    path: Array<string | number>,
  ) => void,
  env: CheckEnv,
) {
  const meta = isObj(artifactObj.metadata) ? artifactObj.metadata : {};
  const liveMeta = isObj(live.obj.metadata) ? live.obj.metadata : {};
  if (
    meta.resourceVersion !== undefined &&
    liveMeta.resourceVersion !== undefined &&
    String(meta.resourceVersion) !== String(liveMeta.resourceVersion)
  )
    cite(
      'DRIFT_RESOURCE_VERSION',
      'block',
      `${key}: planned against resourceVersion ${String(
        meta.resourceVersion,
      )}, live is ${String(liveMeta.resourceVersion)}`,
      ['metadata', 'resourceVersion'],
    );
  if (
    typeof meta.generation === 'number' &&
    typeof liveMeta.generation === 'number' &&
    meta.generation !== liveMeta.generation
  )
    cite(
      'DRIFT_GENERATION',
      'block',
      `${key}: planned against generation ${meta.generation}, live is ${liveMeta.generation}`,
      ['metadata', 'generation'],
    );
  const ann = isObj(meta.annotations) ? meta.annotations : {};
  const liveHash = objectHash(live.obj);
  for (const [k, v] of Object.entries(ann)) {
    if (
      /(base|observed)[-_.]?(hash|sha256|digest)$/i.test(k) &&
      typeof v === 'string' &&
      v !== liveHash &&
      v.replace(/^sha256:/, '') !== liveHash.replace(/^sha256:/, '')
    )
      cite(
        'DRIFT_BASE_HASH',
        'block',
        `${key}: the live object changed since the plan was built (base ${v.slice(
          0,
          19,
        )}…, live ${liveHash.slice(0, 19)}…)`,
        ['metadata', 'annotations', k],
      );
    if (
      /base-(generation|observed-generation)$/.test(k) &&
      liveMeta.generation !== undefined &&
      String(v) !== String(liveMeta.generation)
    )
      cite(
        'DRIFT_GENERATION',
        'block',
        `${key}: planned against generation ${String(v)}, live is ${String(
          liveMeta.generation,
        )}`,
        ['metadata', 'annotations', k],
      );
  }
  const recorded = env.baseHashes.get(key) ?? env.singleBaseHash;
  if (
    recorded &&
    recorded.replace(/^sha256:/, '') !== liveHash.replace(/^sha256:/, '')
  )
    cite(
      'DRIFT_BASE_HASH',
      'block',
      `${key}: the live object's hash differs from the plan's base`,
      ['metadata'],
    );
}

/** Validates one object (already merged when it had a live target) and records its facts. */
function checkObject(
  artifact: string,
  doc: Obj,
  merged: Obj | undefined,
  partial: boolean,
  lineOf: (p: ReadonlyArray<string | number>) => number,
  env: CheckEnv,
  live?: LiveObject,
) {
  const cite = (
    code: string,
    severity: Finding['severity'],
    message: string,
    path: Array<string | number>,
    stage: Finding['stage'] = stageOf(code),
  ) =>
    env.out.push({
      code,
      severity,
      stage,
      message,
      artifact,
      line: lineOf(path),
      path: path.join('.'),
    });
  const target = merged ?? doc;
  const apiVersion = String(target.apiVersion ?? '');
  const kind = String(target.kind ?? '');
  const info = kindInfo(apiVersion, kind);
  const meta = isObj(target.metadata) ? target.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const ns = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  if (info && isSupersededApi(apiVersion, kind)) {
    cite(
      'K8S_API_VERSION',
      'block',
      `${apiVersion} ${kind} is a pre-GA API removed from current Kubernetes: use ${knownApiVersion(
        kind,
      )}`,
      ['apiVersion'],
    );
  } else if (!info) {
    const known = knownApiVersion(kind);
    if (known)
      cite(
        'K8S_API_VERSION',
        'block',
        `${kind} is served as ${known}, not ${apiVersion || '(no apiVersion)'}`,
        ['apiVersion'],
      );
    else
      cite(
        'K8S_UNKNOWN_KIND',
        'warn',
        `no schema for ${apiVersion} ${kind}: fields not validated`,
        ['kind'],
      );
  }
  if (!name && (info || knownApiVersion(kind)))
    cite('K8S_SCHEMA', 'block', `${kind || 'object'} without metadata.name`, [
      'metadata',
    ]);
  else if (
    !isDns1123Subdomain(name) &&
    !(
      kind === 'ClusterRole' ||
      kind === 'ClusterRoleBinding' ||
      kind === 'Role' ||
      kind === 'RoleBinding'
    )
  )
    cite(
      'K8S_NAME_INVALID',
      'block',
      `name ${JSON.stringify(name.slice(0, 60))} is not a DNS-1123 subdomain`,
      ['metadata', 'name'],
    );
  if (ns !== undefined && !isDns1123Label(ns))
    cite(
      'K8S_NAME_INVALID',
      'block',
      `namespace ${JSON.stringify(ns.slice(0, 60))} is not a DNS-1123 label`,
      ['metadata', 'namespace'],
    );
  const clusterScoped = isClusterScoped(kind);
  if (clusterScoped) env.facts.clusterScoped = true;
  else {
    env.facts.namespaces.push(ns ?? env.ctx.namespace ?? 'default');
    if (ns)
      env.facts.namespaceSources.push({
        namespace: ns,
        artifact,
        line: lineOf(['metadata', 'namespace']),
      });
  }
  if (kind === 'Namespace' && name) env.facts.namespaces.push(name);
  const key = `${kind.toLowerCase()}/${
    clusterScoped ? '' : ns ?? env.ctx.namespace ?? 'default'
  }/${name}`;
  env.facts.targets.push(key);
  if (info) {
    for (const issue of validateObject(info, target, partial)) {
      if (issue.kind === 'unknown_field')
        cite('K8S_UNKNOWN_FIELD', 'block', issue.message, issue.path);
      else cite('K8S_SCHEMA', 'block', issue.message, issue.path);
    }
    workloadChecks(target, info, cite, env);
  }
  if (kind === 'Secret' && (isObj(doc.data) || isObj(doc.stringData)))
    cite(
      'GR_SECRET_IN_PLAN',
      'warn',
      'the plan carries Secret data in clear: use a sealed/external secret',
      ['data'],
    );
  if (live) checkDrift(doc, live, key, cite, env);
  scanSecurity(
    doc,
    {
      artifact,
      production: env.production,
      skipSecrets: kind === 'Secret',
      lineOf: p => lineOf(p),
    },
    env.out,
  );
}

function looksLikePatchFile(path: string): boolean {
  return /patch/i.test(path.split('/').pop() ?? '');
}

/** Manifests and patch files (YAML documents of non-values artifacts). */
export function checkManifests(
  artifact: string,
  docs: YamlDoc[],
  env: CheckEnv,
  patchTargets: Map<string, CommandFact>,
): void {
  const cmd = patchTargets.get(artifact);
  for (const d of docs) {
    const v = d.value;
    if (Array.isArray(v)) {
      // A JSON patch file (RFC 6902): needs its target.
      const target = cmd?.targets[0];
      const live = target
        ? env.live.find(target.kind, target.name, cmd?.namespace)
        : env.live.only();
      applyPatchOps(
        artifact,
        v as JsonPatchOp[],
        d.lineOf,
        live,
        target?.kind,
        env,
      );
      continue;
    }
    if (!isObj(v)) {
      env.out.push({
        code: 'K8S_SCHEMA',
        severity: 'block',
        stage: 'schema',
        message: 'a Kubernetes document must be a mapping',
        artifact,
        line: d.line,
      });
      continue;
    }
    if (isObj(v) && v.kind === 'List' && Array.isArray(v.items)) {
      v.items.forEach((item, i) => {
        if (isObj(item))
          checkOne(artifact, item, p => d.lineOf(['items', i, ...p]), env, cmd);
      });
      continue;
    }
    checkOne(artifact, v, d.lineOf, env, cmd);
  }
}

function checkOne(
  artifact: string,
  v: Obj,
  lineOf: (p: ReadonlyArray<string | number>) => number,
  env: CheckEnv,
  cmd?: CommandFact,
) {
  const meta = isObj(v.metadata) ? v.metadata : {};
  let kind = typeof v.kind === 'string' ? v.kind : undefined;
  let name = typeof meta.name === 'string' ? meta.name : undefined;
  let ns = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  if (cmd?.targets[0]) {
    const info = kindByName(cmd.targets[0].kind);
    kind ??= info?.kind;
    name ??= cmd.targets[0].name;
    ns ??= cmd.namespace;
  }
  let live = kind && name ? env.live.find(kind, name, ns) : undefined;
  if (!live && !kind && env.live.all.length === 1) live = env.live.all[0];
  if (live) {
    const type = cmd?.patch?.type ?? 'strategic';
    const merged = (
      type === 'merge'
        ? jsonMergePatch(live.obj, v)
        : strategicMerge(live.obj, v)
    ) as Obj;
    env.facts.merged++;
    checkObject(artifact, v, merged, false, lineOf, env, live);
    return;
  }
  const isPatch =
    !!cmd || looksLikePatchFile(artifact) || !v.apiVersion || !v.kind;
  if (isPatch && (!v.apiVersion || !v.kind)) {
    const info = kind ? kindByName(kind) : undefined;
    if (!info) {
      env.out.push({
        code: 'K8S_PATCH_NO_TARGET',
        severity: 'warn',
        stage: 'schema',
        message:
          'patch without apiVersion/kind and no live target: fields not validated',
        artifact,
        line: lineOf([]),
      });
      scanSecurity(
        v,
        { artifact, production: env.production, lineOf },
        env.out,
      );
      return;
    }
    checkObject(
      artifact,
      v,
      {
        apiVersion: info.apiVersion,
        kind: info.kind,
        ...v,
        metadata: { name, namespace: ns, ...meta },
      },
      true,
      lineOf,
      env,
    );
    return;
  }
  checkObject(artifact, v, undefined, isPatch, lineOf, env);
}

function applyPatchOps(
  artifact: string,
  ops: JsonPatchOp[],
  lineOf: (p: ReadonlyArray<string | number>) => number,
  live: LiveObject | undefined,
  kind: string | undefined,
  env: CheckEnv,
) {
  const bad = ops.findIndex(
    o =>
      !isObj(o) ||
      typeof o.op !== 'string' ||
      typeof o.path !== 'string' ||
      !['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(o.op),
  );
  if (bad >= 0) {
    env.out.push({
      code: 'K8S_SCHEMA',
      severity: 'block',
      stage: 'schema',
      message: `JSON patch operation ${bad} is malformed`,
      artifact,
      line: lineOf([bad]),
    });
    return;
  }
  for (const o of ops)
    scanSecurity(
      o.value,
      {
        artifact,
        production: env.production,
        lineOf: () => lineOf([ops.indexOf(o)]),
      },
      env.out,
    );
  if (!live) {
    if (ops.some(o => o.op === 'test'))
      env.out.push({
        code: 'DRIFT_UNVERIFIED',
        severity: 'warn',
        stage: 'drift',
        message:
          'JSON patch has test operations but no live object to check them against',
        artifact,
        line: lineOf([]),
      });
    return;
  }
  let merged: Obj;
  try {
    merged = applyJsonPatch(live.obj, ops) as Obj;
  } catch (e) {
    const err = e as JsonPatchError;
    env.out.push({
      code: err.testFailed ? 'DRIFT_TEST_FAILED' : 'K8S_PATCH_FAILS',
      severity: 'block',
      stage: err.testFailed ? 'drift' : 'schema',
      message: err.message,
      artifact,
      line: lineOf([err.index ?? 0]),
    });
    return;
  }
  env.facts.merged++;
  checkObject(artifact, {}, merged, false, () => lineOf([]), env, live);
  void kind;
}

/** `kubectl patch -p '<json>'`: parsed and applied like a patch file. */
export function checkInlinePatch(
  cmd: CommandFact,
  text: string,
  env: CheckEnv,
  parse: (t: string) => unknown,
): void {
  let patch: unknown;
  try {
    patch = parse(text);
  } catch (e) {
    env.out.push({
      code: 'K8S_PATCH_PARSE',
      severity: 'block',
      stage: 'syntax',
      message: `patch does not parse: ${(e as Error).message.slice(0, 120)}`,
      artifact: cmd.artifact,
      line: cmd.line,
    });
    return;
  }
  const target = cmd.targets[0];
  const live = target
    ? env.live.find(target.kind, target.name, cmd.namespace)
    : undefined;
  const lineOf = () => cmd.line;
  if (Array.isArray(patch)) {
    applyPatchOps(
      cmd.artifact,
      patch as JsonPatchOp[],
      lineOf,
      live,
      target?.kind,
      env,
    );
    return;
  }
  if (!isObj(patch)) {
    env.out.push({
      code: 'K8S_PATCH_PARSE',
      severity: 'block',
      stage: 'syntax',
      message: 'patch is not an object',
      artifact: cmd.artifact,
      line: cmd.line,
    });
    return;
  }
  checkOne(cmd.artifact, patch, lineOf, env, cmd);
}

export type { CheckEnv };
