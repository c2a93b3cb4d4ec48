// Cluster access for preflight: a small Kubernetes API client (Node's http/https, no client library) that
// reads a kubeconfig, fetches the live objects a plan targets and asks the API server to dry-run the plan's
// changes the way `kubectl apply --server-side --dry-run=server` and `kubectl patch --dry-run=server` do.
// Every write request carries dryRun=All: the API server runs admission and validation and persists nothing.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { parse as parseYamlText, stringify } from 'yaml';
import {
  classifyArtifact,
  type Finding,
  type PlanArtifact,
  type PlanMode,
  type Verdict,
} from '../engine/remediate';
import {
  analyzeCommands,
  type CommandFact,
} from '../engine/remediate/commands';
import {
  isClusterScoped,
  kindByName,
  kindInfo,
} from '../engine/remediate/k8sKinds';
import { splitShell } from '../engine/remediate/shellWords';
import { parseYaml, type YamlDoc } from '../engine/remediate/yamlDocs';
import type { RemediationEnvironment } from './config';

/** The field manager of every dry-run request (shows in the server's managedFields of the dry-run answer). */
export const FIELD_MANAGER = 'devops-copilot';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------- config

/** `copilot.remediation.kubernetes` (see config.d.ts). */
export interface KubernetesRemediationConfig {
  /** Kubeconfig context for plans whose environment has no context of its own. */
  context?: string;
  /** Kubeconfig context by the plan's environment. */
  contexts: Partial<Record<RemediationEnvironment, string>>;
  /** Kubeconfig file; default `$KUBECONFIG` (a path list) or `~/.kube/config`. */
  kubeconfigPath?: string;
  /** Kubeconfig YAML inline, instead of a file. */
  kubeconfig?: string;
  /** Per request, in milliseconds. */
  timeoutMs: number;
}

const ENVIRONMENTS = ['production', 'staging', 'development'];

/**
 * Reads `copilot.remediation.kubernetes`; undefined when no context is configured (then preflight makes no
 * cluster calls). Throws InputError naming the bad key.
 */
export function readKubernetesConfig(
  c: Config | undefined,
): KubernetesRemediationConfig | undefined {
  if (!c) return undefined;
  const key = 'copilot.remediation.kubernetes';
  const context = c.getOptionalString('context') || undefined;
  const contexts: Partial<Record<RemediationEnvironment, string>> = {};
  const byEnv = c.getOptionalConfig('contexts');
  for (const env of byEnv?.keys() ?? []) {
    if (!ENVIRONMENTS.includes(env))
      throw new InputError(
        `${key}.contexts.${env}: not an environment (${ENVIRONMENTS.join(
          ', ',
        )})`,
      );
    const name = byEnv!.getString(env);
    if (name) contexts[env as RemediationEnvironment] = name;
  }
  if (!context && Object.keys(contexts).length === 0) return undefined;
  const kubeconfigPath = c.getOptionalString('kubeconfigPath') || undefined;
  const kubeconfig = c.getOptionalString('kubeconfig') || undefined;
  if (kubeconfigPath && kubeconfig)
    throw new InputError(
      `${key}: set either kubeconfigPath or kubeconfig (inline YAML), not both`,
    );
  const timeoutMs = c.getOptionalNumber('timeoutMs') ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 120_000)
    throw new InputError(
      `${key}.timeoutMs must be a number of milliseconds in (0, 120000], got ${timeoutMs}`,
    );
  return { context, contexts, kubeconfigPath, kubeconfig, timeoutMs };
}

// ---------------------------------------------------------------- kubeconfig

/** What one kubeconfig context resolves to: the API server, how to trust it and who to be. */
export interface KubeConnection {
  context: string;
  server: string;
  /** The context's namespace, when it sets one. */
  namespace?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  /** Re-read on every request (projected service-account tokens rotate). */
  tokenFile?: string;
  username?: string;
  password?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
}

interface Named {
  name: string;
  value: Obj;
  /** Directory relative paths in the entry resolve against (the file's, as kubectl does). */
  dir: string;
}

/** A kubeconfig (one file, inline YAML, or the merge of a `$KUBECONFIG` list: the first name wins). */
export class Kubeconfig {
  private constructor(
    private readonly clusters: Map<string, Named>,
    private readonly users: Map<string, Named>,
    private readonly contexts: Map<string, Named>,
    readonly currentContext: string | undefined,
    /** Where it came from, for messages. */
    readonly source: string,
  ) {}

  /** Loads the kubeconfig: inline YAML, else `path`, else `$KUBECONFIG`, else `~/.kube/config`. */
  static load(
    options: {
      path?: string;
      inline?: string;
      env?: Record<string, string | undefined>;
      home?: string;
    } = {},
  ): Kubeconfig {
    const env = options.env ?? process.env;
    const docs: Array<{ text: string; dir: string; source: string }> = [];
    if (options.inline !== undefined) {
      docs.push({
        text: options.inline,
        dir: process.cwd(),
        source: 'copilot.remediation.kubernetes.kubeconfig',
      });
    } else {
      const explicit = options.path !== undefined;
      let paths = [join(options.home ?? homedir(), '.kube', 'config')];
      if (explicit) paths = [options.path!];
      else if (env.KUBECONFIG)
        paths = env.KUBECONFIG.split(delimiter).filter(Boolean);
      for (const p of paths) {
        const file = resolve(p);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          // kubectl skips missing entries of a $KUBECONFIG list; a configured path must exist.
          if (explicit || paths.length === 1)
            throw new InputError(
              `copilot.remediation.kubernetes: cannot read the kubeconfig ${file}: ${
                (e as Error).message
              }`,
            );
          continue;
        }
        docs.push({ text, dir: dirname(file), source: file });
      }
      if (docs.length === 0)
        throw new InputError(
          `copilot.remediation.kubernetes: none of the kubeconfig files in $KUBECONFIG exists (${paths.join(
            delimiter,
          )})`,
        );
    }
    const clusters = new Map<string, Named>();
    const users = new Map<string, Named>();
    const contexts = new Map<string, Named>();
    let current: string | undefined;
    for (const d of docs) {
      let raw: unknown;
      try {
        raw = parseYamlText(d.text);
      } catch (e) {
        throw new InputError(
          `copilot.remediation.kubernetes: the kubeconfig ${
            d.source
          } is not YAML: ${(e as Error).message}`,
        );
      }
      if (!isObj(raw))
        throw new InputError(
          `copilot.remediation.kubernetes: the kubeconfig ${d.source} is not a kubeconfig (a mapping with clusters, users and contexts)`,
        );
      const add = (map: Map<string, Named>, list: unknown, field: string) => {
        if (!Array.isArray(list)) return;
        for (const e of list) {
          if (!isObj(e) || typeof e.name !== 'string' || map.has(e.name))
            continue;
          map.set(e.name, {
            name: e.name,
            value: isObj(e[field]) ? (e[field] as Obj) : {},
            dir: d.dir,
          });
        }
      };
      add(clusters, raw.clusters, 'cluster');
      add(users, raw.users, 'user');
      add(contexts, raw.contexts, 'context');
      if (!current && typeof raw['current-context'] === 'string')
        current = raw['current-context'] || undefined;
    }
    return new Kubeconfig(
      clusters,
      users,
      contexts,
      current,
      docs.map(d => d.source).join(delimiter),
    );
  }

  contextNames(): string[] {
    return [...this.contexts.keys()];
  }

  /** The connection of context `name`; InputError saying what is missing or unsupported. */
  connection(name: string): KubeConnection {
    const where = `copilot.remediation.kubernetes: context '${name}'`;
    const ctx = this.contexts.get(name);
    if (!ctx)
      throw new InputError(
        `${where} is not in the kubeconfig (${this.source}); it has: ${
          this.contextNames().join(', ') || 'no contexts'
        }`,
      );
    const clusterName = ctx.value.cluster;
    const cluster =
      typeof clusterName === 'string'
        ? this.clusters.get(clusterName)
        : undefined;
    if (!cluster)
      throw new InputError(
        `${where} names cluster '${String(
          clusterName ?? '',
        )}', which the kubeconfig does not define`,
      );
    const c = cluster.value;
    const server = typeof c.server === 'string' ? c.server : '';
    if (!/^https?:\/\/[^\s/]+/.test(server))
      throw new InputError(
        `${where}: cluster '${cluster.name}' has no http(s) server URL (got '${server}')`,
      );
    const file = (
      dir: string,
      v: unknown,
      what: string,
    ): Buffer | undefined => {
      if (typeof v !== 'string' || !v) return undefined;
      const p = isAbsolute(v) ? v : resolve(dir, v);
      try {
        return readFileSync(p);
      } catch (e) {
        throw new InputError(
          `${where}: cannot read the ${what} ${p}: ${(e as Error).message}`,
        );
      }
    };
    const data = (v: unknown): Buffer | undefined =>
      typeof v === 'string' && v ? Buffer.from(v, 'base64') : undefined;
    const out: KubeConnection = {
      context: name,
      server: server.replace(/\/+$/, ''),
      insecureSkipTlsVerify: c['insecure-skip-tls-verify'] === true,
    };
    if (typeof ctx.value.namespace === 'string' && ctx.value.namespace)
      out.namespace = ctx.value.namespace;
    out.ca =
      data(c['certificate-authority-data']) ??
      file(cluster.dir, c['certificate-authority'], 'certificate authority');
    if (typeof c['tls-server-name'] === 'string')
      out.tlsServerName = c['tls-server-name'];
    const userName = ctx.value.user;
    if (typeof userName === 'string' && userName) {
      const user = this.users.get(userName);
      if (!user)
        throw new InputError(
          `${where} names user '${userName}', which the kubeconfig does not define`,
        );
      const u = user.value;
      out.cert =
        data(u['client-certificate-data']) ??
        file(user.dir, u['client-certificate'], 'client certificate');
      out.key =
        data(u['client-key-data']) ??
        file(user.dir, u['client-key'], 'client key');
      if (!!out.cert !== !!out.key)
        throw new InputError(
          `${where}: user '${userName}' has a client certificate without its key (or a key without its certificate)`,
        );
      if (typeof u.token === 'string' && u.token) out.token = u.token;
      else if (typeof u.tokenFile === 'string' && u.tokenFile) {
        out.tokenFile = isAbsolute(u.tokenFile)
          ? u.tokenFile
          : resolve(user.dir, u.tokenFile);
        file(user.dir, out.tokenFile, 'token file');
      }
      if (typeof u.username === 'string' && typeof u.password === 'string') {
        out.username = u.username;
        out.password = u.password;
      }
      if (
        !out.cert &&
        !out.token &&
        !out.tokenFile &&
        !out.username &&
        (u.exec || u['auth-provider'])
      )
        throw new InputError(
          `${where}: user '${userName}' authenticates with an ${
            u.exec ? 'exec' : 'auth-provider'
          } plugin, which the copilot does not run; use a service-account token (token or tokenFile) or a client certificate`,
        );
    }
    return out;
  }
}

// ---------------------------------------------------------------- HTTP client

/** A Kubernetes `Status` (the body of every failed API request). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
  };
}

/** The API server answered with a failure status. */
export class KubernetesApiError extends Error {
  constructor(readonly status: number, readonly body: KubeStatus | undefined) {
    super(body?.message || `the API server answered ${status}`);
    this.name = 'KubernetesApiError';
  }
}

/** The API server could not be reached (connection, TLS or timeout). */
export class KubernetesUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubernetesUnreachableError';
  }
}

/** An object the API addresses. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Ignored for cluster-scoped kinds. */
  namespace?: string;
}

interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

export type PatchType = 'strategic' | 'merge' | 'json' | 'apply';

const CONTENT_TYPES: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

const MAX_BODY = 10 * 1024 * 1024;

/** The plural resource name of a built-in kind (`NetworkPolicy` -> `networkpolicies`). */
export function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  if (k === 'endpoints') return k;
  if (/(s|x|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** Kubernetes API requests with one kubeconfig context's credentials. */
export class KubernetesClient {
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  private readonly discovery = new Map<string, Promise<unknown>>();

  constructor(
    readonly connection: KubeConnection,
    private readonly timeoutMs = 5000,
  ) {
    this.secure = connection.server.startsWith('https:');
    this.agent = this.secure
      ? new https.Agent({
          ca: connection.ca,
          cert: connection.cert,
          key: connection.key,
          rejectUnauthorized: !connection.insecureSkipTlsVerify,
          ...(connection.tlsServerName
            ? { servername: connection.tlsServerName }
            : {}),
          keepAlive: false,
        })
      : new http.Agent({ keepAlive: false });
  }

  get context(): string {
    return this.connection.context;
  }

  private authorization(): string | undefined {
    const c = this.connection;
    let token = c.token;
    if (!token && c.tokenFile) {
      try {
        token = readFileSync(c.tokenFile, 'utf8').trim();
      } catch (e) {
        throw new KubernetesUnreachableError(
          `cannot read the token file ${c.tokenFile}: ${(e as Error).message}`,
        );
      }
    }
    if (token) return `Bearer ${token}`;
    if (c.username !== undefined && c.password !== undefined)
      return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString(
        'base64',
      )}`;
    return undefined;
  }

  /**
   * One request; answers the status and the parsed JSON body whatever the status. Throws
   * KubernetesUnreachableError when there is no answer (connection, TLS, timeout).
   */
  async request(
    method: 'GET' | 'PATCH',
    path: string,
    options: {
      query?: Record<string, string>;
      body?: string;
      contentType?: string;
    } = {},
  ): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.connection.server}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {}))
      url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': `${FIELD_MANAGER}/preflight`,
    };
    const auth = this.authorization();
    if (auth) headers.Authorization = auth;
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(options.body));
    }
    const lib = this.secure ? https : http;
    return new Promise((resolvePromise, reject) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(
          new KubernetesUnreachableError(
            `${this.connection.server}: ${e.message}`,
          ),
        );
      };
      const req = lib.request(
        url,
        { method, headers, agent: this.agent },
        res => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY) {
              req.destroy(new Error('answer larger than 10 MiB'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', fail);
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON (a proxy's error page): kept as text.
            }
            resolvePromise({ status: res.statusCode ?? 0, body });
          });
        },
      );
      timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      req.on('error', fail);
      req.end(options.body);
    });
  }

  /** Plural and scope of a kind: built-in kinds from the schema table, others from API discovery. */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = kindInfo(apiVersion, kind);
    if (info) return { plural: pluralOf(kind), namespaced: info.namespaced };
    const gv = apiVersion.includes('/')
      ? `/apis/${apiVersion}`
      : `/api/${apiVersion}`;
    let pending = this.discovery.get(gv);
    if (!pending) {
      pending = this.request('GET', gv).then(r => {
        if (r.status !== 200)
          throw new KubernetesApiError(
            r.status,
            isObj(r.body) && r.body.kind === 'Status'
              ? (r.body as KubeStatus)
              : {
                  message: `the API server does not serve ${apiVersion} (discovery answered ${r.status})`,
                  code: r.status,
                },
          );
        return r.body;
      });
      pending.catch(() => this.discovery.delete(gv));
      this.discovery.set(gv, pending);
    }
    const list = await pending;
    const resources =
      isObj(list) && Array.isArray(list.resources) ? list.resources : [];
    const r = resources.find(
      x =>
        isObj(x) &&
        x.kind === kind &&
        typeof x.name === 'string' &&
        !x.name.includes('/'),
    ) as Obj | undefined;
    if (!r)
      throw new KubernetesApiError(404, {
        kind: 'Status',
        reason: 'NotFound',
        code: 404,
        message: `the API server serves no ${kind} in ${apiVersion}`,
      });
    return { plural: String(r.name), namespaced: r.namespaced === true };
  }

  /** The URL path of an object (and a subresource). */
  async path(ref: ObjectRef, subresource?: string): Promise<string> {
    if (!ref.name || ref.name === '.' || ref.name === '..')
      throw new InputError(`bad object name '${ref.name}'`);
    const r = await this.resource(ref.apiVersion, ref.kind);
    const prefix = ref.apiVersion.includes('/')
      ? `/apis/${ref.apiVersion}`
      : `/api/${ref.apiVersion}`;
    const ns = r.namespaced
      ? `/namespaces/${encodeURIComponent(
          ref.namespace ?? this.connection.namespace ?? 'default',
        )}`
      : '';
    return `${prefix}${ns}/${r.plural}/${encodeURIComponent(ref.name)}${
      subresource ? `/${subresource}` : ''
    }`;
  }

  private static check(r: { status: number; body: unknown }): Obj {
    if (r.status >= 200 && r.status < 300 && isObj(r.body)) return r.body;
    const body =
      isObj(r.body) && r.body.kind === 'Status'
        ? (r.body as KubeStatus)
        : {
            message: `the API server answered ${r.status}${
              typeof r.body === 'string' && r.body
                ? `: ${r.body.slice(0, 200)}`
                : ''
            }`,
            code: r.status,
          };
    throw new KubernetesApiError(r.status, body);
  }

  /** The live object; undefined when it does not exist (404). */
  async get(ref: ObjectRef): Promise<Obj | undefined> {
    const r = await this.request('GET', await this.path(ref));
    if (r.status === 404) return undefined;
    return KubernetesClient.check(r);
  }

  /**
   * Server-side dry run: `apply` sends the declared object as a server-side apply (force, strict field
   * validation); the other types send the patch as `kubectl patch` does. Answers the object the server
   * would store; throws KubernetesApiError with the server's Status when it refuses.
   */
  async dryRun(
    ref: ObjectRef,
    type: PatchType,
    body: unknown,
    subresource?: string,
  ): Promise<Obj> {
    const query: Record<string, string> = {
      dryRun: 'All',
      fieldManager: FIELD_MANAGER,
      fieldValidation: 'Strict',
    };
    if (type === 'apply') query.force = 'true';
    const r = await this.request('PATCH', await this.path(ref, subresource), {
      query,
      body: JSON.stringify(body),
      contentType: CONTENT_TYPES[type],
    });
    return KubernetesClient.check(r);
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------- what a plan asks of the cluster

/** One server-side check of a plan: a dry-run request, or (for changes with no dry run) that the target exists. */
export interface ClusterOperation {
  artifact: string;
  line?: number;
  lineOf?: (path: ReadonlyArray<string | number>) => number;
  target: ObjectRef;
  /** `exists` only reads the object. */
  type: PatchType | 'exists';
  body?: unknown;
  subresource?: string;
  /** What the runner would do, for messages. */
  label: string;
}

export interface ClusterWork {
  /** Objects whose live state preflight merges into and checks for drift. */
  targets: ObjectRef[];
  operations: ClusterOperation[];
  /** Changes the server cannot judge (unknown kinds). */
  skipped: Finding[];
}

export const refKey = (r: ObjectRef, defaultNs: string) =>
  `${r.kind.toLowerCase()}/${
    isClusterScoped(r.kind) ? '' : r.namespace ?? defaultNs
  }/${r.name}`;

const PATCH_TYPES: Record<string, PatchType> = {
  strategic: 'strategic',
  merge: 'merge',
  json: 'json',
};

/**
 * The cluster objects a plan touches and the dry runs that judge its change: `kubectl patch` (file or
 * inline) with its patch type, `kubectl scale` on the scale subresource, `kubectl rollout
 * restart|pause|resume` as the patches kubectl sends, and every manifest as a server-side apply. Other
 * mutating kubectl commands only need their target to exist. Rollback artifacts are left out: they run
 * after the change, not against today's state.
 */
export function clusterWork(
  artifacts: PlanArtifact[],
  mode: PlanMode,
  options: { namespace: string; exclude?: string[]; now?: number },
): ClusterWork {
  const ns = options.namespace;
  const exclude = new Set(options.exclude ?? []);
  const targets = new Map<string, ObjectRef>();
  const operations: ClusterOperation[] = [];
  const skipped: Finding[] = [];
  const byPath = new Map(artifacts.map(a => [a.path, a]));
  const byBase = new Map(artifacts.map(a => [a.path.split('/').pop()!, a]));
  const find = (f: string) =>
    byPath.get(f.replace(/^\.\//, '')) ?? byBase.get(f.split('/').pop()!);
  const consumed = new Set<string>();
  const applyNamespace = new Map<string, string>();
  const addTarget = (r: ObjectRef) => targets.set(refKey(r, ns), r);
  const refOf = (
    kind: string,
    name: string,
    namespace: string | undefined,
    c: CommandFact,
  ): ObjectRef | undefined => {
    const info = kindByName(kind);
    if (!info) {
      skipped.push({
        code: 'K8S_SERVER_DRY_RUN_SKIPPED',
        severity: 'info',
        stage: 'schema',
        message: `kubectl ${c.verb} ${kind}/${name}: no API version known for ${kind}, not checked by the API server`,
        artifact: c.artifact,
        line: c.line,
      });
      return undefined;
    }
    return {
      apiVersion: info.apiVersion,
      kind: info.kind,
      name,
      ...(info.namespaced ? { namespace: namespace ?? ns } : {}),
    };
  };

  const classes = new Map(
    artifacts.map(a => [a.path, classifyArtifact(a, mode)]),
  );
  for (const a of artifacts) {
    if (classes.get(a.path) !== 'shell') continue;
    const split = splitShell(a.path, a.content);
    const facts = analyzeCommands(a.path, split.commands, []);
    for (const c of facts) {
      if (c.tool !== 'kubectl') continue;
      if (c.patch?.file) {
        const f = find(c.patch.file);
        if (f) consumed.add(f.path);
      }
      if (c.verb === 'apply')
        for (const f of c.files) {
          const file = find(f);
          if (file && c.namespace) applyNamespace.set(file.path, c.namespace);
        }
      if (exclude.has(a.path) || c.readOnly) continue;
      const label = (t: { kind: string; name: string }) =>
        `kubectl ${c.sub ? `${c.verb} ${c.sub}` : c.verb} ${t.kind}/${t.name}${
          c.namespace ? ` -n ${c.namespace}` : ''
        }`;
      for (const t of c.targets) {
        if (!t.name || c.verb === 'create') continue;
        const ref = refOf(t.kind, t.name, c.namespace, c);
        if (!ref) continue;
        addTarget(ref);
        const op = {
          artifact: a.path,
          line: c.line,
          target: ref,
          label: label(t),
        };
        if (c.verb === 'patch' && t === c.targets[0]) {
          const type = PATCH_TYPES[c.patch?.type ?? 'strategic'] ?? 'strategic';
          if (c.patch?.text !== undefined) {
            let body: unknown;
            try {
              body = parseYamlText(c.patch.text);
            } catch {
              continue; // preflight reports the patch that does not parse
            }
            operations.push({ ...op, type, body });
          } else if (c.patch?.file) {
            const f = find(c.patch.file);
            const doc = f ? parseYaml(f.path, f.content).docs[0] : undefined;
            if (f && doc && (isObj(doc.value) || Array.isArray(doc.value)))
              operations.push({
                ...op,
                artifact: f.path,
                line: doc.line,
                lineOf: doc.lineOf,
                type,
                body: doc.value,
                label: `${label(t)} --patch-file ${f.path}`,
              });
          }
        } else if (c.verb === 'scale' && c.replicas !== undefined) {
          operations.push({
            ...op,
            type: 'merge',
            subresource: 'scale',
            body: { spec: { replicas: c.replicas } },
          });
        } else if (c.verb === 'rollout' && c.sub === 'restart') {
          operations.push({
            ...op,
            type: 'strategic',
            body: {
              spec: {
                template: {
                  metadata: {
                    annotations: {
                      'kubectl.kubernetes.io/restartedAt': new Date(
                        options.now ?? Date.now(),
                      ).toISOString(),
                    },
                  },
                },
              },
            },
          });
        } else if (
          c.verb === 'rollout' &&
          (c.sub === 'pause' || c.sub === 'resume')
        ) {
          operations.push({
            ...op,
            type: 'strategic',
            body: { spec: { paused: c.sub === 'pause' } },
          });
        } else if (
          c.verb !== 'delete' &&
          c.verb !== 'apply' &&
          c.verb !== 'replace'
        ) {
          operations.push({ ...op, type: 'exists' });
        }
      }
    }
  }

  // Manifests: the declared objects, applied server-side.
  for (const a of artifacts) {
    if (
      classes.get(a.path) !== 'k8s' ||
      consumed.has(a.path) ||
      exclude.has(a.path)
    )
      continue;
    for (const d of parseYaml(a.path, a.content).docs) {
      const items: Array<{ obj: unknown; lineOf: YamlDoc['lineOf'] }> =
        isObj(d.value) &&
        d.value.kind === 'List' &&
        Array.isArray(d.value.items)
          ? d.value.items.map((obj, i) => ({
              obj,
              lineOf: (p: ReadonlyArray<string | number>) =>
                d.lineOf(['items', i, ...p]),
            }))
          : [{ obj: d.value, lineOf: d.lineOf }];
      for (const { obj, lineOf } of items) {
        if (!isObj(obj) || !isObj(obj.metadata)) continue;
        const { apiVersion, kind } = obj;
        const name = obj.metadata.name;
        if (
          typeof apiVersion !== 'string' ||
          typeof kind !== 'string' ||
          typeof name !== 'string' ||
          !name
        )
          continue; // a partial patch with no target: preflight warns
        const clusterScoped = isClusterScoped(kind);
        const namespace =
          (typeof obj.metadata.namespace === 'string'
            ? obj.metadata.namespace
            : undefined) ??
          applyNamespace.get(a.path) ??
          ns;
        const ref: ObjectRef = {
          apiVersion,
          kind,
          name,
          ...(clusterScoped ? {} : { namespace }),
        };
        addTarget(ref);
        operations.push({
          artifact: a.path,
          line: lineOf([]),
          lineOf,
          target: ref,
          type: 'apply',
          body: clusterScoped
            ? obj
            : { ...obj, metadata: { ...obj.metadata, namespace } },
          label: `server-side apply of ${kind} ${
            clusterScoped ? name : `${namespace}/${name}`
          }`,
        });
      }
    }
  }
  return { targets: [...targets.values()], operations, skipped };
}

// ---------------------------------------------------------------- findings

/** `a.b[0].c` (an API field path) as a YAML path. */
export function fieldPath(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (/^\d+$/.test(m[2])) out.push(Number(m[2]));
    else out.push(m[2]);
  }
  return out;
}

/** A refused dry run as a finding citing the artifact, with the server's message and causes. */
export function statusFinding(
  op: Pick<ClusterOperation, 'artifact' | 'line' | 'lineOf' | 'label'>,
  err: KubernetesApiError,
  context: string,
): Finding {
  const s = err.body ?? {};
  const status = err.status;
  const causes = (s.details?.causes ?? []).filter(c => c.message || c.field);
  const message = s.message || `the API server answered ${status}`;
  const extra = causes
    .map(c => (c.field ? `${c.field}: ${c.message ?? c.reason}` : c.message))
    .filter(t => t && !message.includes(t));
  const text = `${
    op.label
  }: the API server (context ${context}) refuses it in a dry run: ${message}${
    extra.length ? ` (${extra.join('; ')})` : ''
  }`;
  let field = causes.find(c => c.field)?.field;
  let code: string;
  let severity: Finding['severity'] = 'block';
  let stage: Finding['stage'] = 'schema';
  if (status === 422 || s.reason === 'Invalid')
    code = 'K8S_SERVER_DRY_RUN_INVALID';
  else if (
    status === 400 &&
    /unknown field|strict decoding error/i.test(message)
  ) {
    code = 'K8S_SERVER_DRY_RUN_UNKNOWN_FIELD';
    field ??= /unknown field "([^"]+)"/.exec(message)?.[1];
  } else if (/does not support dry run/i.test(message)) {
    // An admission webhook with side effects: the real request might pass, the dry run cannot tell.
    code = 'K8S_SERVER_DRY_RUN_UNSUPPORTED';
    severity = 'warn';
  } else if (status === 400) code = 'K8S_SERVER_DRY_RUN_BAD_REQUEST';
  else if (status === 401) {
    code = 'K8S_SERVER_DRY_RUN_UNAUTHORIZED';
    severity = 'warn';
  } else if (status === 403) {
    code = 'K8S_SERVER_DRY_RUN_FORBIDDEN';
    stage = 'policy';
  } else if (status === 404) {
    code = 'K8S_SERVER_DRY_RUN_NOT_FOUND';
    stage = 'drift';
  } else if (status === 409) {
    code = 'K8S_SERVER_DRY_RUN_CONFLICT';
    stage = 'drift';
  } else if (status === 429 || status >= 500) {
    code = 'K8S_SERVER_DRY_RUN_ERROR';
    severity = 'warn';
  } else code = 'K8S_SERVER_DRY_RUN_REJECTED';
  const path = field ? fieldPath(field) : undefined;
  const line = path && op.lineOf ? op.lineOf(path) : op.line;
  return {
    code,
    severity,
    stage,
    message:
      severity === 'warn'
        ? `${text}; the server-side check did not complete`
        : text,
    artifact: op.artifact,
    ...(line !== undefined ? { line } : {}),
    ...(field ? { path: field } : {}),
  };
}

function verdictOf(findings: Finding[]): Verdict {
  if (findings.some(f => f.severity === 'block')) return 'block';
  if (findings.some(f => f.severity === 'warn')) return 'warn';
  return 'pass';
}

/** Preflight's findings with the server's appended (duplicates dropped) and the verdict recomputed as preflight does. */
export function withServerFindings(
  result: { verdict: Verdict; findings: Finding[] },
  server: Finding[],
): { verdict: Verdict; findings: Finding[] } {
  const seen = new Set<string>();
  const findings = [...result.findings, ...server].filter(f => {
    const k = `${f.code}|${f.artifact ?? ''}|${f.line ?? ''}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { verdict: verdictOf(findings), findings };
}

// ---------------------------------------------------------------- the check of one plan

/** What the server-side part of a preflight did (stored on the preflight result and audited). */
export interface ServerDryRunSummary {
  context: string;
  /** Objects the API server judged in a dry run. */
  objects: number;
  /** Live objects read and given to preflight (merge and drift checks). */
  live: number;
  /** Every dry run was accepted and the server answered. */
  ok: boolean;
  /** The server answered. */
  reachable: boolean;
}

/** One plan against one cluster: read the live state first, dry-run the change after preflight. */
export class ClusterCheck {
  private unreachable?: string;
  private readonly missing = new Set<string>();
  private readonly findings: Finding[] = [];
  private liveCount = 0;

  constructor(
    private readonly client: KubernetesClient,
    private readonly work: ClusterWork,
    private readonly namespace: string,
  ) {
    this.findings.push(...work.skipped);
  }

  get context(): string {
    return this.client.context;
  }

  /** The live state of every target, as YAML files for `preflight({live})`. */
  async readLive(): Promise<PlanArtifact[]> {
    const live: PlanArtifact[] = [];
    for (const ref of this.work.targets) {
      const key = refKey(ref, this.namespace);
      // Secret values never enter preflight (its findings are shown to every reader of the plan).
      if (ref.kind === 'Secret') continue;
      try {
        const obj = await this.client.get(ref);
        if (!obj) {
          this.missing.add(key);
          continue;
        }
        if (isObj(obj.metadata)) {
          const { managedFields: _drop, ...metadata } = obj.metadata;
          obj.metadata = metadata;
        }
        live.push({ path: `live/${key}.yaml`, content: stringify(obj) });
      } catch (e) {
        if (e instanceof KubernetesUnreachableError) {
          this.unreachable = e.message;
          break;
        }
        this.findings.push({
          code: 'K8S_SERVER_LIVE_UNAVAILABLE',
          severity: 'warn',
          stage: 'drift',
          message: `cannot read ${key} from the API server (context ${
            this.context
          }): ${
            (e as Error).message
          }; merge and drift checks used the plan alone`,
        });
      }
    }
    this.liveCount = live.length;
    return live;
  }

  /** Dry-runs every operation; findings for refusals, and a warning when the server could not be asked. */
  async dryRun(): Promise<{
    findings: Finding[];
    summary: ServerDryRunSummary;
  }> {
    let judged = 0;
    let refused = false;
    const ops = this.work.operations;
    for (let i = 0; i < ops.length && !this.unreachable; i++) {
      const op = ops[i];
      const key = refKey(op.target, this.namespace);
      if (op.type === 'exists') {
        if (this.missing.has(key)) {
          refused = true;
          this.findings.push({
            code: 'K8S_SERVER_DRY_RUN_NOT_FOUND',
            severity: 'block',
            stage: 'drift',
            message: `${op.label}: ${key} does not exist in the cluster (context ${this.context})`,
            artifact: op.artifact,
            ...(op.line !== undefined ? { line: op.line } : {}),
          });
        }
        continue;
      }
      try {
        await this.client.dryRun(op.target, op.type, op.body, op.subresource);
        judged++;
      } catch (e) {
        if (e instanceof KubernetesUnreachableError) {
          this.unreachable = e.message;
          break;
        }
        if (!(e instanceof KubernetesApiError)) {
          this.findings.push({
            code: 'K8S_SERVER_DRY_RUN_ERROR',
            severity: 'warn',
            stage: 'schema',
            message: `${op.label}: not checked by the API server (context ${
              this.context
            }): ${(e as Error).message}`,
            artifact: op.artifact,
            ...(op.line !== undefined ? { line: op.line } : {}),
          });
          continue;
        }
        judged++;
        const f = statusFinding(op, e, this.context);
        if (f.severity === 'block') refused = true;
        this.findings.push(f);
      }
    }
    const warned = this.findings.some(f => f.severity === 'warn');
    if (this.unreachable)
      this.findings.push({
        code: 'K8S_SERVER_DRY_RUN_UNREACHABLE',
        severity: 'warn',
        stage: 'schema',
        message: `the API server of context ${
          this.context
        } could not be reached (${
          this.unreachable
        }): the server-side dry run did not run${
          ops.length
            ? ` for ${ops.length - judged} of ${ops.length} change(s)`
            : ''
        }`,
      });
    else if (!refused && !warned && judged > 0)
      this.findings.push({
        code: 'K8S_SERVER_DRY_RUN_PASSED',
        severity: 'info',
        stage: 'schema',
        message: `the API server (context ${this.context}) accepted ${judged} change(s) in a dry run`,
      });
    this.client.close();
    return {
      findings: this.findings,
      summary: {
        context: this.context,
        objects: judged,
        live: this.liveCount,
        ok: !this.unreachable && !refused && !warned,
        reachable: !this.unreachable,
      },
    };
  }
}

/** The configured clusters: a kubeconfig and the context of each environment. */
export class KubernetesClusters {
  private constructor(
    private readonly config: KubernetesRemediationConfig,
    private readonly connections: Map<string, KubeConnection>,
  ) {}

  /** Loads the kubeconfig and checks every configured context; InputError naming what is wrong. */
  static fromConfig(
    config: KubernetesRemediationConfig,
    options: { env?: Record<string, string | undefined>; home?: string } = {},
  ): KubernetesClusters {
    const kc = Kubeconfig.load({
      path: config.kubeconfigPath,
      inline: config.kubeconfig,
      ...options,
    });
    const connections = new Map<string, KubeConnection>();
    for (const name of [config.context, ...Object.values(config.contexts)])
      if (name && !connections.has(name))
        connections.set(name, kc.connection(name));
    return new KubernetesClusters(config, connections);
  }

  /** The context plans of `environment` are checked against, if any. */
  contextFor(environment: string): string | undefined {
    return (
      this.config.contexts[environment as RemediationEnvironment] ??
      this.config.context
    );
  }

  client(environment: string): KubernetesClient | undefined {
    const name = this.contextFor(environment);
    const conn = name ? this.connections.get(name) : undefined;
    return conn ? new KubernetesClient(conn, this.config.timeoutMs) : undefined;
  }

  /** The server-side check of a plan; undefined when its environment has no context or it touches no object. */
  check(input: {
    environment: string;
    mode: PlanMode;
    artifacts: PlanArtifact[];
    namespace?: string;
    rollbackArtifacts?: string[];
    now?: number;
  }): ClusterCheck | undefined {
    const name = this.contextFor(input.environment);
    const conn = name ? this.connections.get(name) : undefined;
    if (!conn) return undefined;
    const namespace = input.namespace ?? conn.namespace ?? 'default';
    const work = clusterWork(input.artifacts, input.mode, {
      namespace,
      exclude: input.rollbackArtifacts,
      now: input.now,
    });
    if (work.targets.length === 0 && work.operations.length === 0)
      return undefined;
    return new ClusterCheck(
      new KubernetesClient(conn, this.config.timeoutMs),
      work,
      namespace,
    );
  }

  /** The live object, or undefined when it is missing or the cluster does not answer (the plan gets no drift base). */
  async liveObject(
    environment: string,
    ref: ObjectRef,
  ): Promise<Obj | undefined> {
    const client = this.client(environment);
    if (!client) return undefined;
    try {
      return await client.get(ref);
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }
}
