// Helm values checks (files and `--set` overrides) and SQL dialect detection for preflight.
// Values are scanned like manifests, with Helm's conventions (an empty image tag means the chart's appVersion).
import { scanSecurity } from './security';
import type { Finding } from './types';
import type { YamlDoc } from './yamlDocs';

/** `--set` values as Helm reads them: booleans and integers typed, the rest strings. */
export function setValue(v: string): unknown {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** MySQL when the file says so (a `-- mysql` header) or uses MySQL-only syntax; PostgreSQL otherwise. */
export function sqlDialectOf(text: string): 'postgresql' | 'mysql' {
  return /\b(mysql|mariadb)\b/i.test(text.slice(0, 200)) ||
    /`|\bALGORITHM\s*=|\bENGINE\s*=/i.test(text)
    ? 'mysql'
    : 'postgresql';
}

export function helmValueChecks(
  artifact: string,
  doc: YamlDoc,
  production: boolean,
  out: Finding[],
  replicas: number[],
  namespaces: Set<string>,
): void {
  const top = doc.value as Record<string, unknown> | null;
  for (const k of ['namespace', 'namespaceOverride'])
    if (top && typeof top === 'object' && typeof top[k] === 'string' && top[k])
      namespaces.add(top[k] as string);
  scanSecurity(
    doc.value,
    { artifact, production, lineOf: doc.lineOf, helmValues: true },
    out,
  );
  const walk = (v: unknown, path: Array<string | number>) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (
          (k === 'replicaCount' || k === 'replicas' || k === 'minReplicas') &&
          typeof x === 'number'
        )
          replicas.push(x);
        walk(x, [...path, k]);
      }
  };
  walk(doc.value, []);
}
