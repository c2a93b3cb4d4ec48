// kubectl allow-list: verbs, sub-commands and flags (as `kubectl <verb> --help` documents them), and facts.
// Identity-changing flags and verbs that run arbitrary code in the cluster are refused outright.
import { isDns1123Label, isDns1123Subdomain } from './escape';
import { isClusterScoped, normalizeResourceType } from './k8sKinds';
import type { ShellLine } from './shellWords';
import type { Finding } from './types';
import {
  emptyFact,
  finding,
  flag,
  parseArgs,
  truthy,
  type CommandFact,
  type FlagSpec,
  type VerbSpec,
} from './commandArgs';

const K_COMMON: FlagSpec = {
  '-f': 'v',
  '--filename': 'v',
  '-k': 'v',
  '--kustomize': 'v',
  '-R': 'b',
  '--recursive': 'b',
  '-l': 'v',
  '--selector': 'v',
  '-o': 'v',
  '--output': 'v',
  '--dry-run': 'b',
  '--field-manager': 'v',
  '--record': 'b',
  '--all': 'b',
  '--timeout': 'v',
  '--wait': 'b',
  '--local': 'b',
  '--allow-missing-template-keys': 'b',
  '--show-managed-fields': 'b',
  '--template': 'v',
  '--validate': 'b',
};

const K_GLOBAL: FlagSpec = {
  '-n': 'v',
  '--namespace': 'v',
  '--context': 'v',
  '--cluster': 'v',
  '--request-timeout': 'v',
  '-v': 'v',
  '--v': 'v',
};

/** Flags that change who the command runs as or which API server it trusts. */
const K_FORBIDDEN = new Set([
  '--as',
  '--as-group',
  '--as-uid',
  '--token',
  '--username',
  '--password',
  '--user',
  '--kubeconfig',
  '-s',
  '--server',
  '--insecure-skip-tls-verify',
  '--certificate-authority',
  '--client-certificate',
  '--client-key',
  '--tls-server-name',
]);

const K_VERBS: Record<string, VerbSpec> = {
  rollout: {
    subs: ['restart', 'status', 'history', 'undo', 'pause', 'resume'],
    flags: {
      '--to-revision': 'v',
      '--revision': 'v',
      '-w': 'b',
      '--watch': 'b',
    },
  },
  scale: {
    flags: {
      '--replicas': 'v',
      '--current-replicas': 'v',
      '--resource-version': 'v',
    },
  },
  set: {
    subs: ['image', 'resources', 'env'],
    flags: {
      '-c': 'v',
      '--containers': 'v',
      '--limits': 'v',
      '--requests': 'v',
      '-e': 'v',
      '--env': 'v',
      '--from': 'v',
      '--keys': 'v',
      '--prefix': 'v',
      '--overwrite': 'b',
      '--list': 'b',
      '--resolve': 'b',
      '--resource-version': 'v',
    },
  },
  patch: {
    flags: {
      '-p': 'v',
      '--patch': 'v',
      '--patch-file': 'v',
      '--type': 'v',
      '--subresource': 'v',
    },
  },
  apply: {
    flags: {
      '--server-side': 'b',
      '--force-conflicts': 'b',
      '--prune': 'b',
      '--prune-allowlist': 'v',
      '--overwrite': 'b',
      '--force': 'b',
      '--grace-period': 'v',
      '--cascade': 'v',
      '--openapi-patch': 'b',
    },
  },
  replace: {
    flags: {
      '--force': 'b',
      '--grace-period': 'v',
      '--cascade': 'v',
      '--save-config': 'b',
    },
  },
  annotate: {
    flags: { '--overwrite': 'b', '--resource-version': 'v', '--list': 'b' },
  },
  label: {
    flags: { '--overwrite': 'b', '--resource-version': 'v', '--list': 'b' },
  },
  delete: {
    flags: {
      '--grace-period': 'v',
      '--force': 'b',
      '--now': 'b',
      '--cascade': 'v',
      '--ignore-not-found': 'b',
      '--field-selector': 'v',
      '-i': 'b',
      '--interactive': 'b',
    },
  },
  autoscale: {
    flags: { '--min': 'v', '--max': 'v', '--cpu-percent': 'v', '--name': 'v' },
  },
  create: {
    subs: [
      'job',
      'configmap',
      'cm',
      'secret',
      'rolebinding',
      'clusterrolebinding',
      'role',
      'clusterrole',
      'deployment',
      'namespace',
      'serviceaccount',
      'quota',
      'poddisruptionbudget',
      'pdb',
      'priorityclass',
    ],
    flags: {
      '--from': 'v',
      '--image': 'v',
      '--replicas': 'v',
      '--port': 'v',
      '--from-literal': 'v',
      '--from-file': 'v',
      '--from-env-file': 'v',
      '--type': 'v',
      '--role': 'v',
      '--clusterrole': 'v',
      '--serviceaccount': 'v',
      '--group': 'v',
      '--hard': 'v',
      '--min-available': 'v',
      '--max-unavailable': 'v',
      '--verb': 'v',
      '--resource': 'v',
      '--save-config': 'b',
    },
  },
  cordon: { flags: {} },
  uncordon: { flags: {} },
  drain: {
    flags: {
      '--ignore-daemonsets': 'b',
      '--delete-emptydir-data': 'b',
      '--force': 'b',
      '--grace-period': 'v',
      '--pod-selector': 'v',
      '--disable-eviction': 'b',
      '--skip-wait-for-delete-timeout': 'v',
    },
  },
  get: { flags: {}, readOnly: true, anyFlag: true },
  describe: { flags: {}, readOnly: true, anyFlag: true },
  logs: { flags: {}, readOnly: true, anyFlag: true },
  top: { flags: {}, readOnly: true, anyFlag: true },
  events: { flags: {}, readOnly: true, anyFlag: true },
  explain: { flags: {}, readOnly: true, anyFlag: true },
  diff: { flags: {}, readOnly: true, anyFlag: true },
  wait: { flags: {}, readOnly: true, anyFlag: true },
  'api-resources': { flags: {}, readOnly: true, anyFlag: true },
  version: { flags: {}, readOnly: true, anyFlag: true },
  auth: { flags: {}, readOnly: true, anyFlag: true, subs: ['can-i', 'whoami'] },
};

const CREATE_ALIASES: Record<string, string> = {
  cm: 'configmap',
  pdb: 'poddisruptionbudget',
};

/** Verbs refused outright, and why. */
const K_REFUSED: Record<string, string> = {
  exec: 'runs arbitrary commands inside a container',
  cp: 'copies files in or out of a container',
  attach: 'attaches to a running container',
  run: 'starts an arbitrary pod',
  debug: 'starts a debug container with arbitrary commands',
  'port-forward': 'opens a tunnel into the cluster',
  proxy: 'opens a proxy to the API server',
  edit: 'is interactive and unreviewable',
  plugin: 'runs arbitrary kubectl plugins',
  certificate: 'approves certificate signing requests (credential issuance)',
  taint: 'changes node scheduling cluster-wide',
  config: 'changes the kubeconfig (credentials, contexts)',
  kustomize: 'renders manifests outside preflight',
};

/** Kinds whose deletion loses data or cluster-wide configuration. */
const DATA_KINDS = new Set([
  'namespace',
  'persistentvolumeclaim',
  'persistentvolume',
  'customresourcedefinition',
  'statefulset',
  'secret',
  'node',
]);

export function kubectl(
  artifact: string,
  cmd: ShellLine,
  out: Finding[],
): CommandFact | undefined {
  const words = cmd.words.slice(1);
  // Global flags may come before the verb.
  let vi = 0;
  const pre: string[] = [];
  while (vi < words.length && words[vi].startsWith('-')) {
    pre.push(words[vi]);
    const name = words[vi].split('=')[0];
    if (
      !words[vi].includes('=') &&
      (K_GLOBAL[name] === 'v' || K_FORBIDDEN.has(name))
    ) {
      pre.push(words[++vi]);
    }
    vi++;
  }
  const verb = words[vi];
  if (!verb) {
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_VERB_NOT_ALLOWED',
        'block',
        'kubectl without a verb',
      ),
    );
    return undefined;
  }
  if (K_REFUSED[verb]) {
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_VERB_NOT_ALLOWED',
        'block',
        `kubectl ${verb} is not allowed: it ${K_REFUSED[verb]}`,
      ),
    );
    return undefined;
  }
  const spec = K_VERBS[verb];
  if (!spec) {
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_VERB_NOT_ALLOWED',
        'block',
        `kubectl ${verb} is not in the allow-list`,
      ),
    );
    return undefined;
  }
  let rest = [...pre, ...words.slice(vi + 1)];
  let sub: string | undefined;
  if (spec.subs) {
    const all = { ...K_GLOBAL, ...K_COMMON, ...spec.flags };
    let si = -1;
    for (let j = 0; j < rest.length; j++) {
      const w = rest[j];
      if (!w.startsWith('-')) {
        si = j;
        break;
      }
      if (!w.includes('=') && (all[w] === 'v' || K_FORBIDDEN.has(w))) j++;
    }
    sub = si >= 0 ? rest[si] : undefined;
    if (!sub || !spec.subs.includes(sub)) {
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_VERB_NOT_ALLOWED',
          'block',
          `kubectl ${verb} ${
            sub ?? ''
          }: sub-command not in the allow-list (${spec.subs.join(', ')})`,
        ),
      );
      return undefined;
    }
    rest = [...rest.slice(0, si), ...rest.slice(si + 1)];
  }
  const p = parseArgs(
    rest,
    {
      ...K_GLOBAL,
      ...K_COMMON,
      ...spec.flags,
      ...(verb === 'get' ? { '-A': 'b' } : {}),
    },
    K_FORBIDDEN,
    !!spec.anyFlag,
  );
  if (p.forbidden.length)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_CREDENTIAL_FLAG',
        'block',
        `kubectl ${verb}: ${p.forbidden.join(
          ', ',
        )} changes the identity or API server the command uses`,
      ),
    );
  const allNs = p.flags.has('-A') || p.flags.has('--all-namespaces');
  if (p.unknown.length)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_FLAG_NOT_ALLOWED',
        'block',
        `kubectl ${verb}: flag(s) ${p.unknown.join(
          ', ',
        )} not in the allow-list`,
      ),
    );
  const f = emptyFact(artifact, cmd.line, 'kubectl', verb);
  f.sub = sub;
  const dryRun = flag(p, '--dry-run');
  f.readOnly =
    !!spec.readOnly ||
    (verb === 'rollout' && (sub === 'status' || sub === 'history')) ||
    (dryRun !== undefined && dryRun !== 'none' && dryRun !== 'false');
  const ns = flag(p, '-n', '--namespace');
  if (typeof ns === 'string') {
    f.namespace = ns;
    if (!isDns1123Label(ns))
      out.push(
        finding(
          artifact,
          cmd.line,
          'K8S_NAME_INVALID',
          'block',
          `namespace ${JSON.stringify(ns)} is not a DNS-1123 label`,
        ),
      );
  }
  if (allNs && !f.readOnly)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_ALL_NAMESPACES',
        'block',
        `kubectl ${verb} across all namespaces`,
      ),
    );
  for (const fl of ['-f', '--filename', '--patch-file', '-k', '--kustomize']) {
    const v = p.flags.get(fl);
    if (typeof v === 'string') {
      if (v === '-' || /^https?:\/\//.test(v))
        out.push(
          finding(
            artifact,
            cmd.line,
            'SH_UNREVIEWED_INPUT',
            'block',
            `kubectl ${verb} reads ${
              v === '-' ? 'stdin' : 'a URL'
            }: the applied content is not part of the plan`,
          ),
        );
      else f.files.push(v);
    }
  }
  // Resource arguments: `kind/name ...` or `kind name ...`; `key=value` pairs belong to set/label/annotate.
  const pos = p.positionals.filter(
    w =>
      !(verb === 'set' || verb === 'label' || verb === 'annotate') ||
      !/[=]|-$/.test(w),
  );
  const assignments = p.positionals.filter(w => /=/.test(w));
  const resourceVerbs = ![
    'cordon',
    'uncordon',
    'drain',
    'wait',
    'auth',
    'version',
    'api-resources',
    'explain',
    'events',
    'top',
    'logs',
    'diff',
  ].includes(verb);
  if (resourceVerbs && pos.length && verb !== 'create') {
    if (pos[0].includes('/')) {
      for (const r of pos) {
        const [k, name] = r.split('/', 2);
        f.targets.push({ kind: normalizeResourceType(k), name: name ?? '' });
      }
    } else {
      const kinds = pos[0].split(',').map(normalizeResourceType);
      const names = pos.slice(1);
      for (const k of kinds) {
        if (names.length)
          for (const name of names) f.targets.push({ kind: k, name });
        else f.targets.push({ kind: k, name: '' });
      }
    }
  } else if (verb === 'create' && sub) {
    const kind = normalizeResourceType(CREATE_ALIASES[sub] ?? sub);
    f.targets.push({ kind, name: pos[0] ?? '' });
  } else if (verb === 'cordon' || verb === 'uncordon' || verb === 'drain') {
    for (const name of pos) f.targets.push({ kind: 'node', name });
  }
  for (const t of f.targets) {
    if (
      t.name &&
      !isDns1123Subdomain(t.name) &&
      !(t.kind === 'node' && /^[a-z0-9.-]+$/.test(t.name))
    )
      out.push(
        finding(
          artifact,
          cmd.line,
          'K8S_NAME_INVALID',
          'block',
          `${t.kind} name ${JSON.stringify(
            t.name.slice(0, 60),
          )} is not a valid Kubernetes name`,
        ),
      );
    if (isClusterScoped(t.kind)) f.clusterScoped = true;
  }
  if (
    p.flags.has('--all') ||
    (flag(p, '-l', '--selector') !== undefined &&
      !f.readOnly &&
      !f.targets.some(t => t.name))
  )
    f.wide = true;
  if (
    !f.readOnly &&
    !f.namespace &&
    !f.clusterScoped &&
    !allNs &&
    f.files.length === 0
  )
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_NO_NAMESPACE',
        'warn',
        `kubectl ${verb} without -n: it acts on the kubeconfig's current namespace`,
      ),
    );
  switch (verb) {
    case 'rollout':
      f.revert = sub === 'undo';
      break;
    case 'scale': {
      const r = flag(p, '--replicas');
      if (typeof r === 'string') {
        if (!/^\d+$/.test(r))
          out.push(
            finding(
              artifact,
              cmd.line,
              'SH_BAD_VALUE',
              'block',
              `--replicas=${r} is not a whole number`,
            ),
          );
        else f.replicas = Number(r);
      }
      break;
    }
    case 'set':
      if (sub === 'image')
        for (const a of assignments) f.images.push(a.slice(a.indexOf('=') + 1));
      break;
    case 'patch': {
      const type = flag(p, '--type');
      const text = flag(p, '-p', '--patch');
      const file = flag(p, '--patch-file');
      f.patch = {
        type: typeof type === 'string' ? type : 'strategic',
        text: typeof text === 'string' ? text : undefined,
        file: typeof file === 'string' ? file : undefined,
      };
      if (
        typeof type === 'string' &&
        !['json', 'merge', 'strategic'].includes(type)
      )
        out.push(
          finding(
            artifact,
            cmd.line,
            'SH_BAD_VALUE',
            'block',
            `--type=${type}: must be json, merge or strategic`,
          ),
        );
      break;
    }
    case 'apply':
    case 'replace':
      if (truthy(flag(p, '--prune'))) {
        f.destructive = true;
        f.wide = true;
      }
      if (truthy(flag(p, '--force'))) f.destructive = true;
      break;
    case 'delete': {
      f.destructive =
        f.targets.some(t => t.kind !== 'pod' && t.kind !== 'job') ||
        f.files.length > 0 ||
        f.wide;
      f.dataLoss = f.targets.some(t => DATA_KINDS.has(t.kind));
      const force = truthy(flag(p, '--force'));
      const grace = flag(p, '--grace-period');
      if (force || grace === '0') {
        f.destructive = true;
        out.push(
          finding(
            artifact,
            cmd.line,
            'SH_FORCE_DELETE',
            'block',
            'delete with --force / --grace-period=0 skips graceful termination',
          ),
        );
      }
      break;
    }
    case 'drain':
      f.destructive = true;
      f.clusterScoped = true;
      if (
        truthy(flag(p, '--disable-eviction')) ||
        truthy(flag(p, '--delete-emptydir-data'))
      )
        f.dataLoss = true;
      break;
    case 'cordon':
    case 'uncordon':
      f.clusterScoped = true;
      break;
    case 'create': {
      const cr = flag(p, '--clusterrole', '--role');
      if (typeof cr === 'string') f.clusterRole = cr;
      const img = flag(p, '--image');
      if (typeof img === 'string') f.images.push(img);
      if (sub === 'clusterrole' || sub === 'role') {
        const verbs = String(flag(p, '--verb') ?? '');
        const res = String(flag(p, '--resource') ?? '');
        if (verbs.split(',').includes('*') || res.split(',').includes('*'))
          out.push({
            code: 'GR_RBAC_WILDCARD',
            severity: 'block',
            stage: 'guardrail',
            message: `kubectl create ${sub} with a wildcard verb or resource`,
            artifact,
            line: cmd.line,
          });
      }
      break;
    }
    default:
      break;
  }
  return f;
}
