// helm, terraform and ansible-playbook allow-lists: verbs and flags as their --help documents them, and facts.
// Commands that rewrite state outside a reviewed plan or run unreviewed code are refused.
import { isDns1123Label } from './escape';
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

const H_FORBIDDEN = new Set([
  '--post-renderer',
  '--username',
  '--password',
  '--insecure-skip-tls-verify',
  '--kubeconfig',
  '--kube-token',
  '--kube-as-user',
  '--kube-as-group',
  '--kube-apiserver',
]);
const H_INSTALL: FlagSpec = {
  '-i': 'b',
  '--install': 'b',
  '-f': 'v',
  '--values': 'v',
  '--set': 'v',
  '--set-string': 'v',
  '--set-json': 'v',
  '--set-file': 'v',
  '--version': 'v',
  '--reuse-values': 'b',
  '--reset-values': 'b',
  '--reset-then-reuse-values': 'b',
  '--atomic': 'b',
  '--rollback-on-failure': 'b',
  '--wait': 'b',
  '--wait-for-jobs': 'b',
  '--timeout': 'v',
  '--dry-run': 'b',
  '--description': 'v',
  '--history-max': 'v',
  '--cleanup-on-fail': 'b',
  '--create-namespace': 'b',
  '--force': 'b',
  '--repo': 'v',
  '--devel': 'b',
  '--skip-crds': 'b',
  '--disable-openapi-validation': 'b',
  '--no-hooks': 'b',
  '--take-ownership': 'b',
  '--labels': 'v',
  '--render-subchart-notes': 'b',
  '--skip-schema-validation': 'b',
  '--plain-http': 'b',
  '--verify': 'b',
  '--keyring': 'v',
  '--ca-file': 'v',
  '--cert-file': 'v',
  '--key-file': 'v',
};
const H_GLOBAL: FlagSpec = {
  '-n': 'v',
  '--namespace': 'v',
  '--kube-context': 'v',
  '--debug': 'b',
  '-o': 'v',
  '--output': 'v',
};
const H_VERBS: Record<string, VerbSpec> = {
  upgrade: { flags: H_INSTALL },
  install: {
    flags: {
      ...H_INSTALL,
      '--generate-name': 'b',
      '-g': 'b',
      '--name-template': 'v',
    },
  },
  rollback: {
    flags: {
      '--wait': 'b',
      '--wait-for-jobs': 'b',
      '--timeout': 'v',
      '--cleanup-on-fail': 'b',
      '--dry-run': 'b',
      '--force': 'b',
      '--no-hooks': 'b',
      '--recreate-pods': 'b',
      '--history-max': 'v',
    },
  },
  uninstall: {
    flags: {
      '--keep-history': 'b',
      '--wait': 'b',
      '--timeout': 'v',
      '--dry-run': 'b',
      '--no-hooks': 'b',
      '--cascade': 'v',
      '--description': 'v',
    },
  },
  status: { flags: {}, readOnly: true, anyFlag: true },
  history: { flags: {}, readOnly: true, anyFlag: true },
  get: { flags: {}, readOnly: true, anyFlag: true },
  list: { flags: {}, readOnly: true, anyFlag: true },
  ls: { flags: {}, readOnly: true, anyFlag: true },
  template: { flags: {}, readOnly: true, anyFlag: true },
  lint: { flags: {}, readOnly: true, anyFlag: true },
  show: { flags: {}, readOnly: true, anyFlag: true },
  diff: { flags: {}, readOnly: true, anyFlag: true },
  search: { flags: {}, readOnly: true, anyFlag: true },
  test: { flags: {}, readOnly: true, anyFlag: true },
  repo: {
    flags: {},
    readOnly: true,
    anyFlag: true,
    subs: ['update', 'list', 'add'],
  },
  dependency: {
    flags: {},
    readOnly: true,
    anyFlag: true,
    subs: ['build', 'update', 'list'],
  },
};

export function helm(
  artifact: string,
  cmd: ShellLine,
  out: Finding[],
): CommandFact | undefined {
  let verb = cmd.words[1];
  if (
    verb === 'delete' ||
    verb === 'del' ||
    verb === 'un' ||
    verb === 'uninstall'
  )
    verb = 'uninstall';
  const spec = verb ? H_VERBS[verb] : undefined;
  if (!spec) {
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_VERB_NOT_ALLOWED',
        'block',
        `helm ${verb ?? ''} is not in the allow-list`,
      ),
    );
    return undefined;
  }
  let rest = cmd.words.slice(2);
  let sub: string | undefined;
  if (spec.subs) {
    sub = rest[0];
    if (!sub || !spec.subs.includes(sub)) {
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_VERB_NOT_ALLOWED',
          'block',
          `helm ${verb} ${sub ?? ''} is not in the allow-list`,
        ),
      );
      return undefined;
    }
    rest = rest.slice(1);
  }
  const p = parseArgs(
    rest,
    { ...H_GLOBAL, ...spec.flags },
    H_FORBIDDEN,
    !!spec.anyFlag,
  );
  if (p.forbidden.length)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_CREDENTIAL_FLAG',
        'block',
        `helm ${verb}: ${p.forbidden.join(
          ', ',
        )} is not allowed (credentials or arbitrary post-rendering)`,
      ),
    );
  if (p.unknown.length)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_FLAG_NOT_ALLOWED',
        'block',
        `helm ${verb}: flag(s) ${p.unknown.join(', ')} not in the allow-list`,
      ),
    );
  const f = emptyFact(artifact, cmd.line, 'helm', verb);
  f.sub = sub;
  f.readOnly = !!spec.readOnly || truthy(flag(p, '--dry-run'));
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
  } else if (!f.readOnly)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_NO_NAMESPACE',
        'warn',
        `helm ${verb} without -n: it acts on the kubeconfig's current namespace`,
      ),
    );
  const release = p.positionals[0];
  if (release) {
    f.targets.push({ kind: 'helmrelease', name: release });
    if (!f.readOnly && !isDns1123Label(release))
      out.push(
        finding(
          artifact,
          cmd.line,
          'K8S_NAME_INVALID',
          'block',
          `release name ${JSON.stringify(release.slice(0, 60))} is not valid`,
        ),
      );
  }
  for (const [i, w] of rest.entries()) {
    if ((w === '-f' || w === '--values') && rest[i + 1])
      f.files.push(rest[i + 1]);
    else if (w.startsWith('--values=') || w.startsWith('-f='))
      f.files.push(w.slice(w.indexOf('=') + 1));
    if ((w === '--set' || w === '--set-string') && rest[i + 1])
      addSets(f, rest[i + 1]);
    else if (w.startsWith('--set=') || w.startsWith('--set-string='))
      addSets(f, w.slice(w.indexOf('=') + 1));
  }
  for (const file of f.files)
    if (/^https?:\/\//.test(file) || file === '-')
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_UNREVIEWED_INPUT',
          'block',
          `helm ${verb} reads values from ${file}: not part of the plan`,
        ),
      );
  if (verb === 'rollback') f.revert = true;
  if (verb === 'uninstall') {
    f.destructive = true;
    f.dataLoss = true;
  }
  if ((verb === 'upgrade' || verb === 'install') && truthy(flag(p, '--force')))
    f.destructive = true;
  if (flag(p, '--set-file') !== undefined)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_UNREVIEWED_INPUT',
        'warn',
        `helm ${verb} --set-file reads a file outside the plan`,
      ),
    );
  if (
    truthy(flag(p, '--disable-openapi-validation')) ||
    truthy(flag(p, '--skip-schema-validation')) ||
    truthy(flag(p, '--no-hooks'))
  )
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_VALIDATION_OFF',
        'warn',
        `helm ${verb} turns validation or hooks off`,
      ),
    );
  return f;
}

function addSets(f: CommandFact, spec: string): void {
  for (const part of spec.split(/,(?=[A-Za-z0-9_.[\]-]+=)/)) {
    const eq = part.indexOf('=');
    if (eq > 0) f.sets[part.slice(0, eq)] = part.slice(eq + 1);
  }
}

const TF_VERBS: Record<
  string,
  { readOnly?: boolean; destructive?: boolean; refused?: string }
> = {
  init: { readOnly: true },
  validate: { readOnly: true },
  fmt: { readOnly: true },
  plan: { readOnly: true },
  show: { readOnly: true },
  output: { readOnly: true },
  providers: { readOnly: true },
  version: { readOnly: true },
  workspace: { readOnly: true },
  apply: {},
  destroy: { destructive: true },
  state: {},
  import: { refused: 'rewrites state outside a reviewed plan' },
  taint: { refused: 'forces replacement outside a reviewed plan' },
  untaint: { refused: 'rewrites state outside a reviewed plan' },
  'force-unlock': { refused: "breaks another run's state lock" },
  console: { refused: 'is interactive' },
  login: { refused: 'handles credentials' },
};

export function terraform(
  artifact: string,
  cmd: ShellLine,
  out: Finding[],
): CommandFact | undefined {
  const words = cmd.words.slice(1).filter(w => !w.startsWith('-chdir'));
  const verb = words[0];
  const spec = verb ? TF_VERBS[verb] : undefined;
  if (!spec || spec.refused) {
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_VERB_NOT_ALLOWED',
        'block',
        `terraform ${verb ?? ''} is not allowed${
          spec?.refused ? `: it ${spec.refused}` : ''
        }`,
      ),
    );
    return undefined;
  }
  const f = emptyFact(artifact, cmd.line, 'terraform', verb);
  f.readOnly = !!spec.readOnly;
  const args = words.slice(1);
  if (verb === 'state') {
    f.sub = args[0];
    if (f.sub === 'list' || f.sub === 'show' || f.sub === 'pull')
      f.readOnly = true;
    else {
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_VERB_NOT_ALLOWED',
          'block',
          `terraform state ${
            f.sub ?? ''
          } rewrites state outside a reviewed plan`,
        ),
      );
      return undefined;
    }
  }
  if (spec.destructive || args.includes('-destroy')) {
    f.destructive = true;
    f.dataLoss = true;
    f.readOnly = false;
  }
  for (const a of args) {
    if (a.startsWith('-target')) f.wide = false;
    if (a.startsWith('-replace')) f.destructive = true;
    if (a.startsWith('-lock=false'))
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_FLAG_NOT_ALLOWED',
          'block',
          'terraform -lock=false runs without the state lock',
        ),
      );
  }
  if (
    verb === 'apply' &&
    args.includes('-auto-approve') &&
    !args.some(a => !a.startsWith('-'))
  )
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_UNREVIEWED_INPUT',
        'warn',
        'terraform apply -auto-approve without a saved plan file applies whatever the plan computes then',
      ),
    );
  return f;
}

const A_FLAGS: FlagSpec = {
  '-i': 'v',
  '--inventory': 'v',
  '-l': 'v',
  '--limit': 'v',
  '-C': 'b',
  '--check': 'b',
  '-D': 'b',
  '--diff': 'b',
  '-e': 'v',
  '--extra-vars': 'v',
  '-t': 'v',
  '--tags': 'v',
  '--skip-tags': 'v',
  '-b': 'b',
  '--become': 'b',
  '--become-user': 'v',
  '-f': 'v',
  '--forks': 'v',
  '--syntax-check': 'b',
  '--list-hosts': 'b',
  '--list-tasks': 'b',
  '-u': 'v',
  '--user': 'v',
  '-v': 'b',
  '-vv': 'b',
  '-vvv': 'b',
  '-vvvv': 'b',
  '--vault-id': 'v',
  '--vault-password-file': 'v',
  '--private-key': 'v',
  '--key-file': 'v',
  '--start-at-task': 'v',
  '--flush-cache': 'b',
  '--timeout': 'v',
  '-T': 'v',
};

export function ansiblePlaybook(
  artifact: string,
  cmd: ShellLine,
  out: Finding[],
): CommandFact | undefined {
  const p = parseArgs(
    cmd.words.slice(1),
    A_FLAGS,
    new Set([
      '-k',
      '--ask-pass',
      '--ssh-common-args',
      '--ssh-extra-args',
      '--scp-extra-args',
      '--sftp-extra-args',
    ]),
    false,
    true,
  );
  if (p.forbidden.length)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_CREDENTIAL_FLAG',
        'block',
        `ansible-playbook: ${p.forbidden.join(', ')} is not allowed`,
      ),
    );
  if (p.unknown.length)
    out.push(
      finding(
        artifact,
        cmd.line,
        'SH_FLAG_NOT_ALLOWED',
        'block',
        `ansible-playbook: flag(s) ${p.unknown.join(
          ', ',
        )} not in the allow-list`,
      ),
    );
  const f = emptyFact(artifact, cmd.line, 'ansible-playbook', 'run');
  f.files.push(...p.positionals);
  f.readOnly =
    truthy(flag(p, '-C', '--check')) ||
    truthy(flag(p, '--syntax-check')) ||
    truthy(flag(p, '--list-hosts'));
  const limit = flag(p, '-l', '--limit');
  if (typeof limit === 'string') f.limit = limit;
  return f;
}
