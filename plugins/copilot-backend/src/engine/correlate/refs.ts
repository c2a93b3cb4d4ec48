// Entity reference parsing, as the catalog does it: `[kind:][namespace/]name`, case-insensitive.

/**
 * Turns a (possibly short) entity ref into its full lower-case form `kind:namespace/name`.
 * Returns undefined when the ref has no kind and no default kind is given, or is empty.
 */
export function normalizeEntityRef(
  ref: string,
  defaults: { kind?: string; namespace?: string } = {},
): string | undefined {
  const trimmed = ref.trim();
  if (!trimmed) return undefined;
  let kind = defaults.kind;
  let rest = trimmed;
  const colon = trimmed.indexOf(':');
  if (colon > 0) {
    kind = trimmed.slice(0, colon);
    rest = trimmed.slice(colon + 1);
  }
  if (!kind || !rest) return undefined;
  let namespace = defaults.namespace ?? 'default';
  let name = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    namespace = rest.slice(0, slash) || namespace;
    name = rest.slice(slash + 1);
  }
  if (!name) return undefined;
  return `${kind}:${namespace}/${name}`.toLocaleLowerCase('en-US');
}

/** The `name` part of a full entity ref (`component:default/checkout` -> `checkout`). */
export function entityName(ref: string): string {
  const slash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':');
  return ref.slice(Math.max(slash, colon) + 1);
}
