// Command-line argument parsing shared by the tool allow-lists: flags with or without values, positionals.
// Follows the GNU/pflag conventions the tools use (`--flag=value`, `--flag value`, `-n value`, `-nvalue`).
import type { Finding } from './types';

/** What one command does, for policy facts and guardrails. */
export interface CommandFact {
  artifact: string;
  line: number;
  tool: 'kubectl' | 'helm' | 'terraform' | 'ansible-playbook';
  verb: string;
  sub?: string;
  /** Lower-case kinds and names of the objects it targets. */
  targets: Array<{ kind: string; name: string }>;
  namespace?: string;
  readOnly: boolean;
  destructive: boolean;
  /** Irrecoverable data loss (namespaces, volumes, `--force` deletes ...). */
  dataLoss: boolean;
  clusterScoped: boolean;
  /** Reverts to a known state (rollout undo, helm rollback). */
  revert: boolean;
  /** Acts on every object matched by a selector or `--all`. */
  wide: boolean;
  replicas?: number;
  images: string[];
  /** Inline or file patch for `kubectl patch`. */
  patch?: { type: string; text?: string; file?: string };
  /** Files the command reads (`-f`, `--values`, `--patch-file`, playbooks). */
  files: string[];
  /** `helm --set` style values. */
  sets: Record<string, string>;
  /** `ansible-playbook --limit`. */
  limit?: string;
  /** `kubectl create rolebinding --clusterrole=...`. */
  clusterRole?: string;
}

export type FlagSpec = Record<string, 'v' | 'b'>;

export interface VerbSpec {
  flags: FlagSpec;
  subs?: string[];
  readOnly?: boolean;
  /** Any flag is accepted (read-only verbs). */
  anyFlag?: boolean;
}

export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
  unknown: string[];
  forbidden: string[];
}

export function parseArgs(
  args: string[],
  spec: FlagSpec,
  forbidden: Set<string>,
  anyFlag: boolean,
  singleDashLong = false,
): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const unknown: string[] = [];
  const bad: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    let name = eq > 0 ? a.slice(0, eq) : a;
    let value: string | undefined = eq > 0 ? a.slice(eq + 1) : undefined;
    // `-nshop` style short flag with glued value.
    if (
      !singleDashLong &&
      !name.startsWith('--') &&
      name.length > 2 &&
      value === undefined
    ) {
      value = name.slice(2);
      name = name.slice(0, 2);
    }
    if (forbidden.has(name)) {
      bad.push(name);
      if (value === undefined && spec[name] !== 'b') i++;
      continue;
    }
    const kind = spec[name];
    if (!kind) {
      if (!anyFlag) unknown.push(name);
      if (
        value === undefined &&
        anyFlag &&
        args[i + 1] &&
        !args[i + 1].startsWith('-')
      ) {
        // Read-only verbs: assume `--flag value` for flags we do not list.
        flags.set(name, args[++i]);
      } else flags.set(name, value ?? true);
      continue;
    }
    if (kind === 'b') flags.set(name, value ?? true);
    else if (value !== undefined) flags.set(name, value);
    else if (i + 1 < args.length) flags.set(name, args[++i]);
    else unknown.push(`${name} (missing value)`);
  }
  return { flags, positionals, unknown, forbidden: bad };
}

export function flag(
  p: ParsedArgs,
  ...names: string[]
): string | true | undefined {
  for (const n of names) {
    const v = p.flags.get(n);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function truthy(v: string | true | undefined): boolean {
  return v === true || (typeof v === 'string' && v !== 'false');
}

export function finding(
  artifact: string,
  line: number,
  code: string,
  severity: Finding['severity'],
  message: string,
): Finding {
  return { code, severity, stage: 'syntax', message, artifact, line };
}

export function emptyFact(
  artifact: string,
  line: number,
  tool: CommandFact['tool'],
  verb: string,
): CommandFact {
  return {
    artifact,
    line,
    tool,
    verb,
    targets: [],
    readOnly: false,
    destructive: false,
    dataLoss: false,
    clusterScoped: false,
    revert: false,
    wide: false,
    images: [],
    files: [],
    sets: {},
  };
}
