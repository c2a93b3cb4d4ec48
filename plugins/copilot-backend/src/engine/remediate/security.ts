// Privilege and escalation guardrails over any object tree (Kubernetes YAML, Helm values, HCL as JSON).
// Follows the Pod Security Standards "restricted" profile and the RBAC good practices of the Kubernetes docs.
import type { Finding } from './types';

export interface ScanContext {
  artifact: string;
  production: boolean;
  /** Line of the node at a path (YAML) or undefined. */
  lineOf?: (path: ReadonlyArray<string | number>) => number | undefined;
  /** Skip the literal-credential check (a Secret's own data; Terraform, which has its own). */
  skipSecrets?: boolean;
  /** Helm values: `image.tag` empty means the chart's appVersion, which is pinned. */
  helmValues?: boolean;
}

const DANGEROUS_CAPS = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'SYS_RAWIO',
  'DAC_READ_SEARCH',
  'SYS_BOOT',
  'BPF',
  'PERFMON',
]);
const ESCALATING_VERBS = new Set(['escalate', 'bind', 'impersonate']);
const ADMIN_ROLES = new Set(['cluster-admin', 'admin', 'system:masters']);
const BROAD_SUBJECTS = new Set([
  'system:anonymous',
  'system:unauthenticated',
  'system:authenticated',
  'system:serviceaccounts',
]);

/** snake_case (Terraform) and camelCase (Kubernetes) keys compare equal. */
function norm(k: string): string {
  return k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Terraform blocks come as one-element arrays from hcl2json; look through them. */
function one(v: unknown): unknown {
  return Array.isArray(v) && v.length === 1 && isObj(v[0]) ? v[0] : v;
}

function asList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return v === undefined || v === null ? [] : [v];
}

/** The tag of an image reference, '' when none, undefined when pinned by digest. */
export function imageTag(ref: string): string | undefined {
  if (ref.includes('@sha256:')) return undefined;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(colon + 1) : '';
}

function mutableTag(ref: string): boolean {
  if (/\$\{|\{\{/.test(ref)) return false;
  const tag = imageTag(ref);
  return (
    tag !== undefined &&
    (tag === '' ||
      tag === 'latest' ||
      tag === 'stable' ||
      tag === 'main' ||
      tag === 'master')
  );
}

/** Names of settings that hold credentials (`DB_PASSWORD`, `clientSecret`, `api-key`, ...). */
function isSecretName(name: string): boolean {
  const k = name.toLowerCase().replace(/[-_.]/g, '');
  return (
    !/^existing/.test(k) &&
    /(password|passwd|secret|secretkey|token|apikey|accesskey|privatekey)$/.test(
      k,
    )
  );
}

/** A literal credential, as opposed to a reference, a template or an empty placeholder. */
function isLiteralSecret(v: unknown): boolean {
  return (
    typeof v === 'string' &&
    v.length >= 6 &&
    !/\{\{|\$\{|\$\(|^(vault|ref\+|arn:aws:secretsmanager|projects\/[^/]+\/secrets)/.test(
      v,
    ) &&
    !/^(true|false|changeme|<[^>]*>)$/i.test(v)
  );
}

/** Scans one object tree, appending guardrail findings. */
export function scanSecurity(
  root: unknown,
  ctx: ScanContext,
  out: Finding[],
): void {
  const push = (
    code: string,
    severity: Finding['severity'],
    message: string,
    path: Array<string | number>,
  ) =>
    out.push({
      code,
      severity,
      stage: 'guardrail',
      message,
      artifact: ctx.artifact,
      line: ctx.lineOf?.(path),
      path: path.join('.'),
    });

  const walk = (node: unknown, path: Array<string | number>) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, [...path, i]));
      return;
    }
    if (!isObj(node)) return;
    if (
      !ctx.skipSecrets &&
      typeof node.name === 'string' &&
      isSecretName(node.name) &&
      isLiteralSecret(node.value)
    )
      push(
        'GR_PLAINTEXT_SECRET',
        'block',
        `${node.name} is set to a literal credential: use a secretKeyRef`,
        [...path, 'value'],
      );
    for (const [rawKey, rawVal] of Object.entries(node)) {
      if (
        !ctx.skipSecrets &&
        rawKey !== 'value' &&
        isSecretName(rawKey) &&
        isLiteralSecret(rawVal)
      )
        push(
          'GR_PLAINTEXT_SECRET',
          'block',
          `${rawKey} holds a literal credential`,
          [...path, rawKey],
        );
      const key = norm(rawKey);
      const val = one(rawVal);
      const p = [...path, rawKey];
      switch (key) {
        case 'privileged':
          if (val === true || val === 'true')
            push('GR_PRIVILEGED', 'block', 'privileged container', p);
          break;
        case 'allowPrivilegeEscalation':
          if (val === true || val === 'true')
            push(
              'GR_PRIV_ESCALATION',
              'block',
              'allowPrivilegeEscalation: true',
              p,
            );
          break;
        case 'hostPath':
          if (isObj(val) || typeof val === 'string')
            push(
              'GR_HOST_PATH',
              'block',
              "hostPath volume mounts the node's filesystem",
              p,
            );
          break;
        case 'hostNetwork':
        case 'hostPID':
        case 'hostPid':
        case 'hostIPC':
        case 'hostIpc':
          if (val === true || val === 'true')
            push(
              'GR_HOST_NAMESPACE',
              'block',
              `${rawKey}: true shares the node's namespaces`,
              p,
            );
          break;
        case 'runAsUser':
          if (val === 0 || val === '0')
            push('GR_RUN_AS_ROOT', 'block', 'runAsUser: 0 runs as root', p);
          break;
        case 'runAsNonRoot':
          if (val === false || val === 'false')
            push('GR_RUN_AS_ROOT', 'warn', 'runAsNonRoot: false', p);
          break;
        // Pod Security Standards "baseline": no host ports, no unconfined seccomp/AppArmor, no unmasked /proc.
        case 'hostPort':
          if (typeof val === 'number' && val > 0)
            push(
              'GR_HOST_PORT',
              'block',
              `hostPort ${val} binds a port on the node`,
              p,
            );
          break;
        case 'seccompProfile':
        case 'appArmorProfile':
          if (isObj(val) && String(val.type).toLowerCase() === 'unconfined')
            push(
              'GR_UNCONFINED',
              'block',
              `${rawKey} Unconfined turns the kernel sandbox off`,
              p,
            );
          break;
        case 'procMount':
          if (val === 'Unmasked')
            push(
              'GR_UNCONFINED',
              'block',
              'procMount Unmasked exposes the host /proc',
              p,
            );
          break;
        case 'capabilities': {
          const add = isObj(val) ? asList(one(val.add)) : [];
          const bad = add.filter(
            c =>
              typeof c === 'string' &&
              DANGEROUS_CAPS.has(c.toUpperCase().replace(/^CAP_/, '')),
          );
          if (bad.length)
            push(
              'GR_CAPABILITIES',
              'block',
              `adds capabilities ${bad.join(', ')}`,
              p,
            );
          break;
        }
        case 'image':
          if (typeof val === 'string') {
            if (mutableTag(val))
              push(
                'GR_MUTABLE_IMAGE_TAG',
                ctx.production ? 'block' : 'warn',
                `image ${val} has a mutable tag (${
                  imageTag(val) || 'none'
                }): pin a version or digest`,
                p,
              );
          } else if (
            isObj(val) &&
            (typeof val.repository === 'string' || val.tag !== undefined)
          ) {
            const tag =
              val.tag === undefined || val.tag === null ? '' : String(val.tag);
            const digest = typeof val.digest === 'string' && val.digest !== '';
            const mutable =
              !digest &&
              (['latest', 'stable', 'main', 'master'].includes(tag) ||
                (tag === '' && !ctx.helmValues));
            if (mutable)
              push(
                'GR_MUTABLE_IMAGE_TAG',
                ctx.production ? 'block' : 'warn',
                `image ${String(val.repository ?? '(chart default)')}:${
                  tag || '(none)'
                } has a mutable tag: pin a version or digest`,
                [...p, 'tag'],
              );
          }
          break;
        case 'rules':
          for (const [i, r0] of asList(rawVal).entries()) {
            const r = one(r0);
            if (!isObj(r)) continue;
            const verbs = asList(r.verbs).map(String);
            const resources = asList(r.resources).map(String);
            const groups = asList(r.apiGroups).map(String);
            if (
              verbs.includes('*') ||
              resources.includes('*') ||
              (groups.includes('*') && resources.length === 0)
            )
              push(
                'GR_RBAC_WILDCARD',
                'block',
                `RBAC rule with a wildcard (verbs ${JSON.stringify(
                  verbs,
                )}, resources ${JSON.stringify(resources)})`,
                [...p, i],
              );
            const esc = verbs.filter(v => ESCALATING_VERBS.has(v));
            if (esc.length)
              push(
                'GR_RBAC_ESCALATION',
                'block',
                `RBAC rule grants ${esc.join(', ')}`,
                [...p, i],
              );
            if (
              resources.includes('secrets') &&
              verbs.some(v => v === 'get' || v === 'list' || v === 'watch')
            )
              push('GR_RBAC_SECRETS', 'warn', 'RBAC rule reads secrets', [
                ...p,
                i,
              ]);
          }
          break;
        case 'roleRef':
          if (
            isObj(val) &&
            typeof val.name === 'string' &&
            ADMIN_ROLES.has(val.name)
          )
            push(
              'GR_CLUSTER_ADMIN_BINDING',
              'block',
              `binding to the ${val.name} role`,
              p,
            );
          break;
        case 'subjects':
        case 'subject':
          for (const s0 of asList(rawVal)) {
            const s = one(s0);
            if (
              isObj(s) &&
              typeof s.name === 'string' &&
              BROAD_SUBJECTS.has(s.name)
            )
              push('GR_RBAC_BROAD_SUBJECT', 'block', `binding to ${s.name}`, p);
          }
          break;
        default:
          break;
      }
      walk(rawVal, p);
    }
  };
  walk(root, []);
}
