// The Kubernetes kinds preflight knows, with their models' generated validators (kubernetes-models).
// Scope (namespaced or cluster) follows the Kubernetes API reference.
import * as models from 'kubernetes-models';

type ModelCtor = (new (data: unknown) => { validate(): void }) & {
  apiVersion?: string;
  kind?: string;
};

export interface KindInfo {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  model: ModelCtor;
}

/** Cluster-scoped built-in kinds (Kubernetes API reference); everything else built in is namespaced. */
const CLUSTER_KINDS = new Set(
  [
    'Namespace',
    'Node',
    'PersistentVolume',
    'ClusterRole',
    'ClusterRoleBinding',
    'StorageClass',
    'CSIDriver',
    'CSINode',
    'VolumeAttachment',
    'VolumeAttributesClass',
    'CustomResourceDefinition',
    'APIService',
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
    'PriorityClass',
    'RuntimeClass',
    'IngressClass',
    'CertificateSigningRequest',
    'ClusterTrustBundle',
    'FlowSchema',
    'PriorityLevelConfiguration',
    'ComponentStatus',
    'TokenReview',
    'SubjectAccessReview',
    'SelfSubjectAccessReview',
    'SelfSubjectRulesReview',
    'SelfSubjectReview',
    'IPAddress',
    'ServiceCIDR',
    'DeviceClass',
    'StorageVersionMigration',
  ].map(k => k.toLowerCase()),
);

const BY_KEY = new Map<string, KindInfo>();
/** GA (vN) model by lower-case kind, else the newest seen. */
const BY_KIND = new Map<string, KindInfo>();
const isGa = (v: string) => /(^|\/)v\d+$/.test(v);
function register(name: string, c: ModelCtor): void {
  if (c.kind !== name || !c.apiVersion || name.endsWith('List')) return;
  const info: KindInfo = {
    apiVersion: c.apiVersion,
    kind: name,
    namespaced: !CLUSTER_KINDS.has(name.toLowerCase()),
    model: c,
  };
  BY_KEY.set(`${c.apiVersion}/${name}`, info);
  const prev = BY_KIND.get(name.toLowerCase());
  if (
    !prev ||
    (isGa(c.apiVersion) && !isGa(prev.apiVersion)) ||
    (isGa(c.apiVersion) === isGa(prev.apiVersion) &&
      c.apiVersion > prev.apiVersion)
  )
    BY_KIND.set(name.toLowerCase(), info);
}
// The package index nests group -> version -> model, except the core group (`v1` -> model).
const visit = (mod: Record<string, unknown>, depth: number) => {
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v === 'function') register(name, v as ModelCtor);
    else if (v && typeof v === 'object' && depth < 2)
      visit(v as Record<string, unknown>, depth + 1);
  }
};
visit(models as unknown as Record<string, unknown>, 0);

/** Whether `apiVersion` is a beta/alpha version of a kind that has a GA version (removed or deprecated). */
export function isSupersededApi(apiVersion: string, kind: string): boolean {
  const ga = BY_KIND.get(kind.toLowerCase());
  return !!ga && isGa(ga.apiVersion) && !isGa(apiVersion);
}

export function kindInfo(
  apiVersion: string,
  kind: string,
): KindInfo | undefined {
  return BY_KEY.get(`${apiVersion}/${kind}`);
}

/** `kindInfo` by kind alone (kubectl resource arguments carry no apiVersion). */
export function kindByName(kind: string): KindInfo | undefined {
  return BY_KIND.get(kind.toLowerCase());
}

/** The API versions preflight knows for `kind`, for an "unknown apiVersion" message. */
export function knownApiVersion(kind: string): string | undefined {
  return BY_KIND.get(kind.toLowerCase())?.apiVersion;
}

export function isClusterScoped(kind: string): boolean {
  const k = kind.toLowerCase();
  return CLUSTER_KINDS.has(k);
}

const ALIASES: Record<string, string> = {
  deploy: 'deployment',
  deployments: 'deployment',
  sts: 'statefulset',
  statefulsets: 'statefulset',
  ds: 'daemonset',
  daemonsets: 'daemonset',
  rs: 'replicaset',
  replicasets: 'replicaset',
  po: 'pod',
  pods: 'pod',
  svc: 'service',
  services: 'service',
  cm: 'configmap',
  configmaps: 'configmap',
  secrets: 'secret',
  sa: 'serviceaccount',
  serviceaccounts: 'serviceaccount',
  quota: 'resourcequota',
  resourcequotas: 'resourcequota',
  limits: 'limitrange',
  limitranges: 'limitrange',
  pvc: 'persistentvolumeclaim',
  persistentvolumeclaims: 'persistentvolumeclaim',
  pv: 'persistentvolume',
  persistentvolumes: 'persistentvolume',
  ns: 'namespace',
  namespaces: 'namespace',
  no: 'node',
  nodes: 'node',
  jobs: 'job',
  cj: 'cronjob',
  cronjobs: 'cronjob',
  hpa: 'horizontalpodautoscaler',
  horizontalpodautoscalers: 'horizontalpodautoscaler',
  pdb: 'poddisruptionbudget',
  poddisruptionbudgets: 'poddisruptionbudget',
  ing: 'ingress',
  ingresses: 'ingress',
  netpol: 'networkpolicy',
  networkpolicies: 'networkpolicy',
  roles: 'role',
  rolebindings: 'rolebinding',
  clusterroles: 'clusterrole',
  clusterrolebindings: 'clusterrolebinding',
  sc: 'storageclass',
  storageclasses: 'storageclass',
  crd: 'customresourcedefinition',
  crds: 'customresourcedefinition',
  customresourcedefinitions: 'customresourcedefinition',
  events: 'event',
  ev: 'event',
  ep: 'endpoints',
};

/** Normalizes a kubectl resource type (`deploy`, `deployments.apps`, `Deployment`) to a lower-case kind. */
export function normalizeResourceType(t: string): string {
  const base = t.toLowerCase().split('.')[0];
  return ALIASES[base] ?? base;
}
