// Validation and quoting of every value that reaches a generated script.
// Kubernetes name rules (DNS-1123 label/subdomain, RFC 1123), POSIX single quoting, SQL and HCL quoting.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A namespace, Service or label-style name: at most 63 characters of [a-z0-9-]. */
export function isDns1123Label(s: string): boolean {
  return s.length > 0 && s.length <= 63 && DNS1123_LABEL.test(s);
}

/** Most object names (Deployment, ConfigMap, ...): at most 253 characters, dot-separated labels. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

export class UnsafeValueError extends Error {
  constructor(what: string, value: string) {
    super(`unsafe ${what}: ${JSON.stringify(value.slice(0, 80))}`);
    this.name = 'UnsafeValueError';
  }
}

export function k8sName(s: string, what = 'Kubernetes name'): string {
  if (!isDns1123Subdomain(s)) throw new UnsafeValueError(what, s);
  return s;
}

export function k8sNamespace(s: string): string {
  if (!isDns1123Label(s)) throw new UnsafeValueError('namespace', s);
  return s;
}

/** Environment variable names as Kubernetes accepts them (C identifiers plus `.` and `-`). */
export function envName(s: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/.test(s))
    throw new UnsafeValueError('environment variable name', s);
  return s;
}

/** Kubernetes quantities (`512Mi`, `1.5`, `250m`). */
export function quantity(s: string): string {
  if (!/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.test(s))
    throw new UnsafeValueError('quantity', s);
  return s;
}

/** Container image references: registry/path:tag or @sha256 digest, nothing else. */
export function imageRef(s: string): string {
  if (
    !/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(
      s,
    )
  )
    throw new UnsafeValueError('image reference', s);
  return s;
}

/** Semver-ish versions and Helm chart versions. */
export function version(s: string): string {
  if (!/^v?[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/.test(s))
    throw new UnsafeValueError('version', s);
  return s;
}

/** One POSIX shell word: single-quoted unless it is made only of safe characters. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** SQL identifier: only plain identifiers are accepted, then double-quoted (ANSI) or backquoted. */
export function sqlIdent(s: string, engine: 'postgresql' | 'mysql'): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(s))
    throw new UnsafeValueError('SQL identifier', s);
  return engine === 'mysql' ? `\`${s}\`` : `"${s}"`;
}

/** An HCL string literal: escapes quotes, backslashes and the `${`/`%{` template openers. */
export function hclString(s: string): string {
  return `"${s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    // Function replacers: in a replacement string `$$` would mean one `$`.
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{')}"`;
}

/** HCL identifiers (resource, module and attribute names). */
export function hclIdent(s: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(s))
    throw new UnsafeValueError('HCL identifier', s);
  return s;
}

/** Ansible host patterns and systemd unit names. */
export function hostPattern(s: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/.test(s))
    throw new UnsafeValueError('host pattern', s);
  return s;
}

export function unitName(s: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}$/.test(s))
    throw new UnsafeValueError('unit name', s);
  return s;
}

/** Absolute file paths without traversal or shell/template characters. */
export function filePath(s: string): string {
  if (!/^\/[A-Za-z0-9_./-]{1,255}$/.test(s) || s.includes('..'))
    throw new UnsafeValueError('file path', s);
  return s;
}

/** Helm release and chart names (`repo/chart` or an oci:// reference). */
export function helmChart(s: string): string {
  if (
    !/^(oci:\/\/)?[a-z0-9]([a-z0-9._/-]*[a-z0-9])?$/.test(s) ||
    s.includes('..')
  )
    throw new UnsafeValueError('chart', s);
  return s;
}

/** Plain config keys (`feature.checkout_v2`, `db.pool.max`). */
export function configKey(s: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(s))
    throw new UnsafeValueError('config key', s);
  return s;
}

/** Config values: printable, single-line, no template or shell expansion markers. */
export function configValue(s: string): string {
  if (!/^[\x20-\x7e]{0,512}$/.test(s) || /\$\{|\$\(|`|\{\{|\{%/.test(s))
    throw new UnsafeValueError('config value', s);
  return s;
}
