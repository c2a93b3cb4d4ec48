// Canonical JSON and content hashes of objects (the drift base and the audit chain hash over them).
// JSON Canonicalization Scheme (RFC 8785) for the value types JSON carries: sorted keys, no whitespace.
import { createHash } from 'node:crypto';

/** RFC 8785 canonical form: object keys sorted by UTF-16 code units, ES number formatting. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError('non-finite number in canonical JSON');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value
          .map(v => canonicalJson(v === undefined ? null : v))
          .join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter(k => obj[k] !== undefined)
        .sort();
      return `{${keys
        .map(k => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
        .join(',')}}`;
    }
    default:
      throw new TypeError(`cannot canonicalize a ${typeof value}`);
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Fields the API server changes on its own: not part of the state a plan is built on. */
const VOLATILE_METADATA = [
  'resourceVersion',
  'generation',
  'managedFields',
  'uid',
  'creationTimestamp',
  'selfLink',
];

/**
 * `sha256:<hex>` of a Kubernetes object's desired state: status and server-managed metadata left
 * out, and the `kubectl.kubernetes.io/last-applied-configuration` annotation too.
 */
export function objectHash(obj: Record<string, unknown>): string {
  const copy: Record<string, unknown> = { ...obj };
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown> | undefined;
  if (meta && typeof meta === 'object') {
    const m: Record<string, unknown> = { ...meta };
    for (const k of VOLATILE_METADATA) delete m[k];
    const ann = m.annotations as Record<string, unknown> | undefined;
    if (ann && typeof ann === 'object') {
      const a = { ...ann };
      delete a['kubectl.kubernetes.io/last-applied-configuration'];
      delete a['deployment.kubernetes.io/revision'];
      for (const k of Object.keys(a))
        if (/(base|observed)[-_.]?(hash|sha256|digest)$/i.test(k)) delete a[k];
      m.annotations = a;
    }
    copy.metadata = m;
  }
  return `sha256:${sha256Hex(canonicalJson(copy))}`;
}
