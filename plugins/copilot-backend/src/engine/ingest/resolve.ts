// Attributes a signal to a catalog entity from its labels: an explicit entity ref, then the entities'
// `copilot.dev/selector` matchers, then `backstage.io/kubernetes-id`, then entity names.
import {
  COPILOT_ANNOTATIONS,
  matchesSelector,
  parseSelector,
  type LabelMatcher,
} from '@devops-copilot/backstage-plugin-copilot-common';

/** The parts of a catalog entity the resolver needs. */
export interface ResolvableEntity {
  ref: string;
  kind: string;
  name: string;
  annotations: Record<string, string>;
}

/** Labels that name a service, most specific first. */
export const SERVICE_LABELS = [
  'service',
  'service.name',
  'app',
  'app.kubernetes.io/name',
  'k8s.deployment.name',
  'deployment',
  'job',
  'component',
];

/** A lookup structure over the catalog, built once per catalog refresh. */
export interface EntityIndex {
  refs: Set<string>;
  byName: Map<string, string>;
  byKubernetesId: Map<string, string>;
  selectors: Array<{ ref: string; matchers: LabelMatcher[] }>;
}

const KIND_PREFERENCE = ['component', 'resource', 'system', 'api'];

export function buildEntityIndex(entities: ResolvableEntity[]): EntityIndex {
  const index: EntityIndex = {
    refs: new Set(),
    byName: new Map(),
    byKubernetesId: new Map(),
    selectors: [],
  };
  const sorted = [...entities].sort(
    (a, b) => rank(a.kind) - rank(b.kind) || a.ref.localeCompare(b.ref),
  );
  for (const e of sorted) {
    const ref = e.ref.toLocaleLowerCase('en-US');
    index.refs.add(ref);
    const name = e.name.toLocaleLowerCase('en-US');
    if (!index.byName.has(name)) index.byName.set(name, ref);
    const k8sId = e.annotations['backstage.io/kubernetes-id'];
    if (k8sId && !index.byKubernetesId.has(k8sId))
      index.byKubernetesId.set(k8sId, ref);
    const selector = e.annotations[COPILOT_ANNOTATIONS.selector];
    if (selector) {
      try {
        index.selectors.push({ ref, matchers: parseSelector(selector) });
      } catch {
        // An invalid selector is reported by the catalog processor; the entity still resolves by name.
      }
    }
  }
  return index;
}

function rank(kind: string): number {
  const i = KIND_PREFERENCE.indexOf(kind.toLocaleLowerCase('en-US'));
  return i === -1 ? KIND_PREFERENCE.length : i;
}

/** Lower-cased label values: a shipper sends the same few service names on every line. */
const LOWER = new Map<string, string>();
const LOWER_MAX = 10_000;
const LOWER_MAX_LENGTH = 256;

function lower(v: string): string {
  let l = LOWER.get(v);
  if (l === undefined) {
    l = v.toLocaleLowerCase('en-US');
    if (LOWER.size < LOWER_MAX && v.length <= LOWER_MAX_LENGTH) LOWER.set(v, l);
  }
  return l;
}

/** The entity ref the labels point at, or undefined when none matches. */
export function resolveEntity(
  labels: Record<string, string>,
  index: EntityIndex,
): string | undefined {
  const entity = labels.entity;
  const explicit =
    entity === undefined || entity === null ? undefined : lower(entity);
  if (explicit && index.refs.has(explicit)) return explicit;
  for (const s of index.selectors) {
    if (matchesSelector(s.matchers, labels)) return s.ref;
  }
  for (const key of SERVICE_LABELS) {
    const v = labels[key];
    if (!v) continue;
    const byK8s = index.byKubernetesId.get(v);
    if (byK8s) return byK8s;
    const byName = index.byName.get(lower(v));
    if (byName) return byName;
  }
  return undefined;
}
