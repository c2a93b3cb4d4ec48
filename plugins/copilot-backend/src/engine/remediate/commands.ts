// Allow-list of the command lines a plan's scripts may hold: kubectl, helm, terraform, ansible-playbook.
// Dispatches each command to its tool's allow-list; checks label, image and env values on the way.
import { finding, type CommandFact } from './commandArgs';
import { kubectl } from './kubectl';
import type { ShellLine } from './shellWords';
import { ansiblePlaybook, helm, terraform } from './toolCommands';
import type { Finding } from './types';

export type { CommandFact };

/** Benign shell builtins a human-written script may carry. */
function builtin(artifact: string, cmd: ShellLine, out: Finding[]): boolean {
  const [w0, ...args] = cmd.words;
  if (w0 === 'set') {
    const ok = args.every(
      a =>
        /^[-+][euxo]+$/.test(a) ||
        a === 'pipefail' ||
        a === 'errexit' ||
        a === 'nounset' ||
        a === 'xtrace',
    );
    if (!ok)
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_TOOL_NOT_ALLOWED',
          'block',
          `set ${args.join(' ')}: only -e/-u/-x/-o pipefail are allowed`,
        ),
      );
    return true;
  }
  if (w0 === 'echo' || w0 === 'true' || w0 === ':') return true;
  if (w0 === 'sleep') {
    if (!(args.length === 1 && /^\d+(\.\d+)?[smh]?$/.test(args[0])))
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_BAD_VALUE',
          'block',
          'sleep takes one duration',
        ),
      );
    return true;
  }
  return false;
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;
/** Shell syntax inside a (quoted) argument: a value from a log line or label made it into the script. */
const SHELL_IN_ARG = /\$\(|`|;\s*\w|\|\||&&|\|\s*[a-z]|>\s*[/&]|<\(/;

/** Label/annotation keys and values of `kubectl label|annotate`, and images of `set image`. */
function checkAssignments(
  artifact: string,
  cmd: ShellLine,
  out: Finding[],
): void {
  const [tool, verb, sub] = cmd.words;
  if (tool !== 'kubectl') return;
  const args = cmd.words
    .slice(2)
    .filter(w => !w.startsWith('-') && w.includes('='));
  for (const a of args) {
    const eq = a.indexOf('=');
    const key = a.slice(0, eq);
    const value = a.slice(eq + 1);
    if (verb === 'label' || verb === 'annotate') {
      if (!LABEL_KEY.test(key) || key.length > 316)
        out.push(
          finding(
            artifact,
            cmd.line,
            'K8S_LABEL_INVALID',
            'block',
            `${verb} key ${JSON.stringify(
              key.slice(0, 60),
            )} is not a valid qualified name`,
          ),
        );
      if (verb === 'label' && !LABEL_VALUE.test(value))
        out.push(
          finding(
            artifact,
            cmd.line,
            'K8S_LABEL_INVALID',
            'block',
            `label value ${JSON.stringify(
              value.slice(0, 60),
            )} is not a valid label value`,
          ),
        );
    } else if (
      verb === 'set' &&
      sub === 'env' &&
      /(password|passwd|secret|token|api_?key|access_?key|private_?key)$/i.test(
        key,
      ) &&
      value.length >= 6
    ) {
      out.push({
        code: 'GR_PLAINTEXT_SECRET',
        severity: 'block',
        stage: 'guardrail',
        message: `${key} is set to a literal credential: use --from=secret/<name>`,
        artifact,
        line: cmd.line,
      });
    } else if (verb === 'set' && sub === 'image' && !IMAGE.test(value)) {
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_BAD_VALUE',
          'block',
          `image ${JSON.stringify(
            value.slice(0, 60),
          )} is not an image reference`,
        ),
      );
    }
  }
}

/** Checks every command of a script; returns the facts of the allowed ones. */
export function analyzeCommands(
  artifact: string,
  commands: ShellLine[],
  out: Finding[],
): CommandFact[] {
  const facts: CommandFact[] = [];
  for (const cmd of commands) {
    if (builtin(artifact, cmd, out)) continue;
    let tool = cmd.words[0];
    let words = cmd.words;
    if (
      tool === 'sudo' ||
      tool === 'env' ||
      tool === 'exec' ||
      tool === 'eval' ||
      tool === 'command'
    ) {
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_TOOL_NOT_ALLOWED',
          'block',
          `${tool} is not allowed: commands run as the runner's identity, unwrapped`,
        ),
      );
      continue;
    }
    if (tool.includes('/')) {
      // `/usr/local/bin/kubectl` names the same tool, but from an arbitrary path.
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_TOOL_NOT_ALLOWED',
          'block',
          `${tool}: tools are called by name, not by path`,
        ),
      );
      continue;
    }
    if (tool === 'k') {
      tool = 'kubectl';
      words = ['kubectl', ...words.slice(1)];
    }
    const line = { ...cmd, words };
    const suspicious = words.slice(1).find(w => SHELL_IN_ARG.test(w));
    if (suspicious)
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_SUSPICIOUS_ARG',
          'block',
          `argument ${JSON.stringify(
            suspicious.slice(0, 60),
          )} carries shell syntax: values must not come from logs or labels unvalidated`,
        ),
      );
    checkAssignments(artifact, line, out);
    let fact: CommandFact | undefined;
    if (tool === 'kubectl') fact = kubectl(artifact, line, out);
    else if (tool === 'helm') fact = helm(artifact, line, out);
    else if (tool === 'terraform' || tool === 'tofu')
      fact = terraform(artifact, line, out);
    else if (tool === 'ansible-playbook')
      fact = ansiblePlaybook(artifact, line, out);
    else {
      out.push(
        finding(
          artifact,
          cmd.line,
          'SH_TOOL_NOT_ALLOWED',
          'block',
          `${tool.slice(
            0,
            40,
          )} is not an allowed tool (kubectl, helm, terraform, ansible-playbook)`,
        ),
      );
      continue;
    }
    if (fact) facts.push(fact);
  }
  return facts;
}
