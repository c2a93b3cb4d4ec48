// Ansible playbook structure and safety: plays, tasks, one module per task, dangerous modules and commands.
// Keywords are those of the Ansible playbook keyword reference (play, block, task levels).
import type { YamlDoc } from './yamlDocs';
import type { Finding } from './types';
import { scanSecurity } from './security';

const PLAY_KEYS = new Set([
  'name',
  'hosts',
  'become',
  'become_user',
  'become_method',
  'become_flags',
  'gather_facts',
  'gather_subset',
  'gather_timeout',
  'fact_path',
  'vars',
  'vars_files',
  'vars_prompt',
  'tasks',
  'handlers',
  'pre_tasks',
  'post_tasks',
  'roles',
  'serial',
  'max_fail_percentage',
  'any_errors_fatal',
  'environment',
  'tags',
  'connection',
  'remote_user',
  'strategy',
  'order',
  'ignore_errors',
  'ignore_unreachable',
  'check_mode',
  'diff',
  'collections',
  'module_defaults',
  'run_once',
  'throttle',
  'force_handlers',
  'port',
  'no_log',
  'timeout',
  'debugger',
  'when',
  'import_playbook',
  'ansible.builtin.import_playbook',
]);

const TASK_KEYS = new Set([
  'name',
  'when',
  'register',
  'loop',
  'loop_control',
  'with_items',
  'with_dict',
  'with_list',
  'with_fileglob',
  'with_together',
  'with_sequence',
  'with_nested',
  'with_subelements',
  'become',
  'become_user',
  'become_method',
  'become_flags',
  'notify',
  'listen',
  'tags',
  'ignore_errors',
  'ignore_unreachable',
  'changed_when',
  'failed_when',
  'until',
  'retries',
  'delay',
  'vars',
  'environment',
  'no_log',
  'delegate_to',
  'delegate_facts',
  'run_once',
  'check_mode',
  'diff',
  'args',
  'throttle',
  'timeout',
  'any_errors_fatal',
  'async',
  'poll',
  'connection',
  'remote_user',
  'module_defaults',
  'collections',
  'debugger',
  'action',
  'local_action',
  'port',
]);

const BLOCK_KEYS = new Set(['block', 'rescue', 'always']);

/** ansible.builtin and the common ansible.posix / community / kubernetes.core short names. */
const MODULES = new Set([
  'add_host',
  'apt',
  'apt_key',
  'apt_repository',
  'assemble',
  'assert',
  'async_status',
  'blockinfile',
  'command',
  'copy',
  'cron',
  'debconf',
  'debug',
  'dnf',
  'dnf5',
  'dpkg_selections',
  'expect',
  'fail',
  'fetch',
  'file',
  'find',
  'gather_facts',
  'get_url',
  'getent',
  'git',
  'group',
  'group_by',
  'hostname',
  'import_role',
  'import_tasks',
  'include_role',
  'include_tasks',
  'include_vars',
  'include',
  'iptables',
  'known_hosts',
  'lineinfile',
  'meta',
  'mount_facts',
  'package',
  'package_facts',
  'pause',
  'ping',
  'pip',
  'raw',
  'reboot',
  'replace',
  'rpm_key',
  'script',
  'service',
  'service_facts',
  'set_fact',
  'set_stats',
  'setup',
  'shell',
  'slurp',
  'stat',
  'subversion',
  'systemd',
  'systemd_service',
  'sysvinit',
  'tempfile',
  'template',
  'unarchive',
  'uri',
  'user',
  'validate_argument_spec',
  'wait_for',
  'wait_for_connection',
  'yum',
  'yum_repository',
  'deb822_repository',
  'sysctl',
  'mount',
  'synchronize',
  'authorized_key',
  'acl',
  'seboolean',
  'selinux',
  'firewalld',
  'ufw',
  'timezone',
  'docker_container',
  'docker_image',
  'docker_compose_v2',
  'k8s',
  'k8s_info',
  'k8s_scale',
  'k8s_drain',
  'helm',
  'postgresql_query',
  'postgresql_db',
  'postgresql_user',
  'postgresql_set',
  'mysql_query',
  'mysql_db',
  'mysql_user',
  'mysql_variables',
  'haproxy',
  'nginx_status_info',
  'redis',
  'ini_file',
  'xml',
  'json_patch',
  'pam_limits',
  'modprobe',
  'java_cert',
  'supervisorctl',
  'npm',
  'gem',
  'snap',
  'flatpak',
  'archive',
  'filesystem',
  'lvol',
  'parted',
  'make',
  'alternatives',
  'cloud_init_data_facts',
  'locale_gen',
]);

const FREE_FORM = new Set(['shell', 'command', 'raw', 'script', 'expect']);

const DANGEROUS_COMMAND = [
  /\brm\s+-[a-z]*r[a-z]*f?\b|\brm\s+-[a-z]*f[a-z]*r\b/i,
  /\b(curl|wget)\b[^|]*\|\s*(ba|z|da)?sh\b/i,
  /\bmkfs(\.\w+)?\b/,
  /\bdd\s+if=/,
  /\bchmod\s+(-R\s+)?0?777\b/,
  /\b(drop|truncate)\s+(table|database|schema)\b/i,
  /\bkubectl\s+delete\b/,
  /:\(\)\s*\{/,
  /\biptables\s+-F\b/,
  /\bshutdown\b|\bhalt\b|\bpoweroff\b/,
  /\buserdel\b|\bpasswd\b/,
  />\s*\/dev\/sd[a-z]/,
];

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j] + 1,
        cur[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length];
}

/** The known keyword or module `key` is one or two edits away from, if any (a typo). */
function nearMiss(key: string): string | undefined {
  const k = key.replace(/^ansible\.(builtin|legacy)\./, '');
  if (k.length < 4) return undefined;
  for (const known of [...TASK_KEYS, ...MODULES])
    if (known !== k && distance(k, known) <= (k.length > 6 ? 2 : 1))
      return known;
  return undefined;
}

export interface AnsibleFacts {
  hosts: string[];
  wide: boolean;
  modules: string[];
  destructive: boolean;
  dataLoss: boolean;
  namespaces: string[];
  restarts: boolean;
  serial: boolean;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Module arguments: the module's mapping, else the task's `args`. */
function argsOf(args: unknown, taskArgs: unknown): Record<string, unknown> {
  if (isObj(args)) return args;
  return isObj(taskArgs) ? taskArgs : {};
}

/** The command line of a free-form module (`shell: ...`, `cmd:`, `argv:`). */
function commandText(args: unknown): string {
  if (typeof args === 'string') return args;
  if (!isObj(args)) return '';
  if (Array.isArray(args.argv)) return args.argv.join(' ');
  return String(args.cmd ?? args._raw_params ?? '');
}

function shortName(m: string): string {
  const parts = m.split('.');
  return parts[parts.length - 1];
}

export function checkAnsible(
  artifact: string,
  doc: YamlDoc,
  production: boolean,
  out: Finding[],
): AnsibleFacts {
  const facts: AnsibleFacts = {
    hosts: [],
    wide: false,
    modules: [],
    destructive: false,
    dataLoss: false,
    namespaces: [],
    restarts: false,
    serial: true,
  };
  const at = (path: Array<string | number>) => doc.lineOf(path);
  const push = (
    code: string,
    severity: Finding['severity'],
    message: string,
    path: Array<string | number>,
    stage: Finding['stage'] = 'guardrail',
  ) =>
    out.push({
      code,
      severity,
      stage,
      message,
      artifact,
      line: at(path),
      path: path.join('.'),
    });
  const plays = doc.value;
  if (!Array.isArray(plays) || plays.length === 0) {
    push(
      'ANSIBLE_STRUCTURE',
      'block',
      'a playbook is a non-empty list of plays',
      [],
      'schema',
    );
    return facts;
  }
  plays.forEach((play, pi) => {
    const pp: Array<string | number> = [pi];
    if (!isObj(play)) {
      push(
        'ANSIBLE_STRUCTURE',
        'block',
        `play ${pi + 1} is not a mapping`,
        pp,
        'schema',
      );
      return;
    }
    if (play.import_playbook || play['ansible.builtin.import_playbook']) return;
    for (const k of Object.keys(play))
      if (!PLAY_KEYS.has(k))
        push(
          'ANSIBLE_UNKNOWN_KEY',
          'block',
          `unknown play keyword "${k}"`,
          [...pp, k],
          'schema',
        );
    if (typeof play.hosts !== 'string' && !Array.isArray(play.hosts)) {
      push(
        'ANSIBLE_STRUCTURE',
        'block',
        `play ${pi + 1} has no hosts`,
        pp,
        'schema',
      );
    } else {
      const hosts = (
        Array.isArray(play.hosts)
          ? play.hosts
          : String(play.hosts).split(/[,:]/)
      )
        .map(h => String(h).trim())
        .filter(Boolean);
      facts.hosts.push(...hosts);
      if (hosts.some(h => h === 'all' || h === '*' || h === 'localhost:all'))
        facts.wide = true;
    }
    const hasSerial = play.serial !== undefined;
    let playRestarts = false;
    if (
      !['tasks', 'roles', 'pre_tasks', 'post_tasks', 'handlers'].some(
        k => play[k] !== undefined,
      )
    )
      push(
        'ANSIBLE_STRUCTURE',
        'block',
        `play ${pi + 1} has no tasks or roles`,
        pp,
        'schema',
      );
    const walkTasks = (tasks: unknown, path: Array<string | number>) => {
      if (tasks === undefined || tasks === null) return;
      if (!Array.isArray(tasks)) {
        push(
          'ANSIBLE_STRUCTURE',
          'block',
          `${path[path.length - 1]} must be a list of tasks`,
          path,
          'schema',
        );
        return;
      }
      tasks.forEach((task, ti) => {
        const tp = [...path, ti];
        if (!isObj(task)) {
          push(
            'ANSIBLE_STRUCTURE',
            'block',
            'a task must be a mapping',
            tp,
            'schema',
          );
          return;
        }
        if (Object.keys(task).some(k => BLOCK_KEYS.has(k))) {
          for (const k of ['block', 'rescue', 'always'])
            walkTasks(task[k], [...tp, k]);
          return;
        }
        const moduleKeys = Object.keys(task).filter(
          k => !TASK_KEYS.has(k) && !k.startsWith('with_'),
        );
        if (moduleKeys.length === 0) {
          if (task.action || task.local_action) return;
          push(
            'ANSIBLE_NO_MODULE',
            'block',
            `task "${String(task.name ?? ti)}" names no module`,
            tp,
            'schema',
          );
          return;
        }
        const isModule = (k: string) =>
          /^ansible\.(builtin|legacy)\./.test(k)
            ? MODULES.has(shortName(k))
            : MODULES.has(k) || /^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$/.test(k);
        const known = moduleKeys.filter(isModule);
        const unknown = moduleKeys.filter(k => !known.includes(k));
        for (const k of unknown) {
          const near = nearMiss(k);
          // Ansible runs any unknown key as a module: a near miss of a known name is a typo that fails;
          // anything else may be a collection module preflight does not know.
          if (
            near ||
            /^ansible\.(builtin|legacy)\./.test(k) ||
            known.length > 0
          )
            push(
              'ANSIBLE_UNKNOWN_KEY',
              'block',
              `unknown task keyword or module "${k}"${
                near ? ` (did you mean ${near}?)` : ''
              }`,
              [...tp, k],
              'schema',
            );
          else
            push(
              'ANSIBLE_UNKNOWN_MODULE',
              'warn',
              `module "${k}" is not one preflight knows: arguments not checked`,
              [...tp, k],
              'schema',
            );
        }
        if (
          !known.length &&
          unknown.length === 1 &&
          !nearMiss(unknown[0]) &&
          !/^ansible\.(builtin|legacy)\./.test(unknown[0])
        )
          known.push(unknown[0]);
        if (known.length > 1)
          push(
            'ANSIBLE_MULTIPLE_MODULES',
            'block',
            `task names several modules: ${known.join(', ')}`,
            tp,
            'schema',
          );
        const mod = known[0];
        if (!mod) return;
        const short = shortName(mod);
        facts.modules.push(short);
        const args = task[mod];
        const argObj = argsOf(args, task.args);
        const argText = commandText(args);
        if (FREE_FORM.has(short)) {
          const bad = DANGEROUS_COMMAND.find(re => re.test(argText));
          if (bad) {
            facts.destructive = true;
            push(
              'ANSIBLE_DANGEROUS_COMMAND',
              'block',
              `${short}: ${argText.slice(0, 80)}`,
              [...tp, mod],
            );
          } else if (
            /\{\{(?![^}]*\|\s*quote)[^}]*\}\}/.test(argText) &&
            short !== 'command'
          ) {
            push(
              'ANSIBLE_TEMPLATE_IN_SHELL',
              'warn',
              `${short} interpolates a variable without | quote (shell injection)`,
              [...tp, mod],
            );
          } else if (
            short === 'shell' ||
            short === 'raw' ||
            short === 'script'
          ) {
            push(
              'ANSIBLE_FREE_SHELL',
              'warn',
              `${short} runs free-form shell: prefer a module`,
              [...tp, mod],
            );
          }
          if (
            /\bsystemctl\s+restart\b|\bservice\s+\S+\s+restart\b/.test(argText)
          )
            playRestarts = true;
        }
        if (
          (short === 'service' ||
            short === 'systemd' ||
            short === 'systemd_service') &&
          /restarted|reloaded|stopped/.test(String(argObj.state))
        ) {
          playRestarts = true;
          if (argObj.state === 'stopped') facts.destructive = true;
        }
        if (short === 'reboot') playRestarts = true;
        if (
          (short === 'file' ||
            short === 'user' ||
            short === 'group' ||
            short === 'mount' ||
            short === 'postgresql_db' ||
            short === 'mysql_db' ||
            short === 'k8s') &&
          argObj.state === 'absent'
        ) {
          facts.destructive = true;
          const p = String(argObj.path ?? argObj.dest ?? argObj.name ?? '');
          if (
            short === 'postgresql_db' ||
            short === 'mysql_db' ||
            short === 'k8s' ||
            /^\/(var\/lib|data|srv|home|etc|opt)\b|^\/$/.test(p)
          )
            facts.dataLoss = true;
          push(
            'ANSIBLE_DELETES',
            production || facts.dataLoss ? 'block' : 'warn',
            `${short} state=absent removes ${p || 'an object'}`,
            [...tp, mod],
          );
        }
        if (
          (short === 'apt' ||
            short === 'yum' ||
            short === 'dnf' ||
            short === 'package' ||
            short === 'pip') &&
          argObj.state === 'latest'
        )
          push(
            'ANSIBLE_UNPINNED',
            'warn',
            `${short} state=latest installs whatever version is newest`,
            [...tp, mod],
          );
        if (
          typeof argObj.mode === 'string' &&
          /^0?[0-7]?7[0-7]7$/.test(argObj.mode)
        )
          push(
            'ANSIBLE_WORLD_WRITABLE',
            'block',
            `mode ${argObj.mode} is world-writable`,
            [...tp, mod],
          );
        if (task.ignore_errors === true)
          push(
            'ANSIBLE_IGNORE_ERRORS',
            'warn',
            'ignore_errors hides a failed step',
            [...tp, 'ignore_errors'],
          );
        if (
          (short === 'uri' || short === 'get_url') &&
          argObj.validate_certs === false
        )
          push('ANSIBLE_TLS_OFF', 'block', 'validate_certs: false', [
            ...tp,
            mod,
          ]);
        const argJson = JSON.stringify(args ?? '');
        if (/NOPASSWD|\/etc\/sudoers/.test(argJson))
          push('GR_SUDOERS', 'block', `${short} changes sudo rights`, [
            ...tp,
            mod,
          ]);
        const securityOff =
          (short === 'iptables' &&
            (argObj.flush === true || argObj.policy === 'ACCEPT')) ||
          ((short === 'ufw' || short === 'firewalld') &&
            /disabled|reset/.test(String(argObj.state))) ||
          (short === 'selinux' &&
            /disabled|permissive/.test(String(argObj.state))) ||
          (/^(service|systemd|systemd_service)$/.test(short) &&
            /^(firewalld|ufw|iptables|auditd|apparmor|falco)$/.test(
              String(argObj.name),
            ) &&
            /stopped|disabled/.test(
              String(argObj.state) + String(argObj.enabled),
            ));
        if (securityOff)
          push(
            'GR_SECURITY_OFF',
            'block',
            `${short} turns a host security control off`,
            [...tp, mod],
          );
        if (short === 'k8s' || short === 'k8s_scale') {
          if (typeof argObj.namespace === 'string')
            facts.namespaces.push(argObj.namespace);
          const def = argObj.definition;
          if (isObj(def)) {
            const ns = isObj(def.metadata) ? def.metadata.namespace : undefined;
            if (typeof ns === 'string') facts.namespaces.push(ns);
            scanSecurity(
              def,
              {
                artifact,
                production,
                lineOf: p => at([...tp, mod, 'definition', ...p]),
              },
              out,
            );
          }
        }
        scanSecurity(
          argObj,
          { artifact, production, lineOf: p => at([...tp, mod, ...p]) },
          out,
        );
      });
    };
    for (const k of ['pre_tasks', 'tasks', 'post_tasks', 'handlers'])
      walkTasks(play[k], [...pp, k]);
    if (playRestarts) {
      facts.restarts = true;
      if (!hasSerial) facts.serial = false;
    }
  });
  return facts;
}
