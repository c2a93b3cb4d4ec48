// The catalog as a dependency graph: buildTopology from catalog entities, and an index that answers
// "who does X call" and "who calls X" (transitively), deriving calls from consumesApi/providesApi.
import { normalizeEntityRef } from './refs';
import type {
  Topology,
  TopologyEdge,
  TopologyEdgeType,
  TopologyNode,
  TopologyNodeKind,
} from './types';

/**
 * The shape of a catalog entity this module reads: Backstage's `Entity` (as the catalog API returns
 * it, with `relations`) or a raw descriptor (as in catalog-info.yaml, with `spec` fields only).
 */
export interface CatalogEntityLike {
  kind: string;
  metadata: { name: string; namespace?: string; title?: string };
  spec?: { [key: string]: unknown };
  relations?: ReadonlyArray<{ type: string; targetRef: string }>;
}

const EMPTY: ReadonlySet<string> = new Set<string>();

const NODE_KINDS: Record<string, TopologyNodeKind> = {
  component: 'Component',
  api: 'API',
  resource: 'Resource',
  system: 'System',
  group: 'Group',
};

/** Relation types as the catalog emits them, mapped onto our edges (reverse ones flip direction). */
const RELATIONS: Record<string, { type: TopologyEdgeType; reverse: boolean }> =
  {
    dependsOn: { type: 'dependsOn', reverse: false },
    dependencyOf: { type: 'dependsOn', reverse: true },
    providesApi: { type: 'providesApi', reverse: false },
    apiProvidedBy: { type: 'providesApi', reverse: true },
    consumesApi: { type: 'consumesApi', reverse: false },
    apiConsumedBy: { type: 'consumesApi', reverse: true },
    partOf: { type: 'partOf', reverse: false },
    hasPart: { type: 'partOf', reverse: true },
    ownedBy: { type: 'ownedBy', reverse: false },
    ownerOf: { type: 'ownedBy', reverse: true },
  };

/** Spec fields holding refs, with the kind a short ref defaults to. */
const SPEC_FIELDS: Array<{
  field: string;
  type: TopologyEdgeType;
  defaultKind?: string;
  reverse?: boolean;
}> = [
  { field: 'dependsOn', type: 'dependsOn' },
  { field: 'dependencyOf', type: 'dependsOn', reverse: true },
  { field: 'providesApis', type: 'providesApi', defaultKind: 'api' },
  { field: 'consumesApis', type: 'consumesApi', defaultKind: 'api' },
  { field: 'system', type: 'partOf', defaultKind: 'system' },
  { field: 'domain', type: 'partOf', defaultKind: 'domain' },
  { field: 'owner', type: 'ownedBy', defaultKind: 'group' },
];

function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value))
    return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * Builds the topology from catalog entities. Reads `relations` when present (what the catalog
 * returns) and the `spec` fields (`dependsOn`, `providesApis`, `consumesApis`, `system`, `owner`,
 * ...) otherwise-or-also; short refs are completed as the catalog does (default kind per field,
 * the entity's namespace). Entities of other kinds (User, Domain, Location) are not nodes, but
 * edges to them are kept when they are owners.
 */
export function buildTopology(
  entities: ReadonlyArray<CatalogEntityLike>,
): Topology {
  const nodes = new Map<string, TopologyNode>();
  const edges = new Map<string, TopologyEdge>();
  const addEdge = (from: string, to: string, type: TopologyEdgeType) => {
    if (from === to) return;
    const key = `${from}|${type}|${to}`;
    if (!edges.has(key)) edges.set(key, { from, to, type });
  };
  for (const e of entities) {
    const kind = NODE_KINDS[e.kind.toLocaleLowerCase('en-US')];
    const namespace = e.metadata.namespace ?? 'default';
    const ref = normalizeEntityRef(`${e.kind}:${namespace}/${e.metadata.name}`);
    if (!ref) continue;
    const spec = e.spec ?? {};
    const owner = asStrings(spec.owner)[0];
    const system = asStrings(spec.system)[0];
    if (kind) {
      nodes.set(ref, {
        entityRef: ref,
        kind,
        type: typeof spec.type === 'string' ? spec.type : undefined,
        owner: owner
          ? normalizeEntityRef(owner, { kind: 'group', namespace })
          : undefined,
        system: system
          ? normalizeEntityRef(system, { kind: 'system', namespace })
          : undefined,
        title: e.metadata.title ?? e.metadata.name,
      });
    }
    if (!kind) continue;
    for (const f of SPEC_FIELDS) {
      for (const raw of asStrings(spec[f.field])) {
        const target = normalizeEntityRef(raw, {
          kind: f.defaultKind,
          namespace,
        });
        if (!target) continue;
        if (f.reverse) addEdge(target, ref, f.type);
        else addEdge(ref, target, f.type);
      }
    }
    for (const r of e.relations ?? []) {
      const rel = RELATIONS[r.type];
      const target = normalizeEntityRef(r.targetRef);
      if (!rel || !target) continue;
      if (rel.reverse) addEdge(target, ref, rel.type);
      else addEdge(ref, target, rel.type);
    }
  }
  // Owners fill in from ownedBy relations when the spec had none.
  for (const edge of edges.values()) {
    const node = nodes.get(edge.from);
    if (!node) continue;
    if (edge.type === 'ownedBy' && !node.owner) node.owner = edge.to;
    if (edge.type === 'partOf' && !node.system && edge.to.startsWith('system:'))
      node.system = edge.to;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/**
 * An index over a topology for graph walks. "X calls Y" holds when X dependsOn Y, or X consumesApi
 * A and Y providesApi A. Refs are compared lower-case.
 */
export class TopologyGraph {
  private readonly nodes = new Map<string, TopologyNode>();
  private readonly callees = new Map<string, Set<string>>();
  private readonly callers = new Map<string, Set<string>>();
  private readonly volumes = new Map<string, number>();
  private readonly calleeClosure = new Map<string, Map<string, number>>();
  private readonly callerClosure = new Map<string, Map<string, number>>();

  constructor(topology: Topology) {
    for (const n of topology.nodes)
      this.nodes.set(n.entityRef.toLocaleLowerCase('en-US'), n);
    const providers = new Map<string, string[]>();
    const consumers = new Map<string, string[]>();
    const push = (m: Map<string, string[]>, k: string, v: string) => {
      const list = m.get(k);
      if (list) list.push(v);
      else m.set(k, [v]);
    };
    for (const e of topology.edges) {
      const from = e.from.toLocaleLowerCase('en-US');
      const to = e.to.toLocaleLowerCase('en-US');
      if (e.type === 'dependsOn') this.addCall(from, to, e.callVolume);
      else if (e.type === 'providesApi') push(providers, to, from);
      else if (e.type === 'consumesApi') push(consumers, to, from);
    }
    for (const [api, list] of consumers) {
      for (const consumer of list)
        for (const provider of providers.get(api) ?? [])
          this.addCall(consumer, provider);
    }
  }

  private addCall(from: string, to: string, volume?: number) {
    if (from === to) return;
    let out = this.callees.get(from);
    if (!out) this.callees.set(from, (out = new Set()));
    out.add(to);
    let inc = this.callers.get(to);
    if (!inc) this.callers.set(to, (inc = new Set()));
    inc.add(from);
    if (volume !== undefined) this.volumes.set(`${from}|${to}`, volume);
  }

  /** The node of a ref, if the topology has it. */
  node(ref: string): TopologyNode | undefined {
    return this.nodes.get(ref);
  }

  /** All nodes. */
  allNodes(): TopologyNode[] {
    return [...this.nodes.values()];
  }

  /** Entities `ref` calls directly (its dependencies). */
  dependenciesOf(ref: string): ReadonlySet<string> {
    return this.callees.get(ref) ?? EMPTY;
  }

  /** Entities calling `ref` directly (its dependents). */
  dependentsOf(ref: string): ReadonlySet<string> {
    return this.callers.get(ref) ?? EMPTY;
  }

  /** Observed call volume along `from -> to`, if given. */
  callVolume(from: string, to: string): number | undefined {
    return this.volumes.get(`${from}|${to}`);
  }

  /** Every entity `ref` depends on transitively, with its shortest distance (>= 1). */
  transitiveDependencies(ref: string): ReadonlyMap<string, number> {
    return this.closure(ref, this.callees, this.calleeClosure);
  }

  /** Every entity depending on `ref` transitively, with its shortest distance (>= 1). */
  transitiveDependents(ref: string): ReadonlyMap<string, number> {
    return this.closure(ref, this.callers, this.callerClosure);
  }

  /** Whether `a` and `b` are the same entity or one depends on the other, transitively. */
  related(a: string, b: string): boolean {
    return (
      a === b ||
      this.transitiveDependencies(a).has(b) ||
      this.transitiveDependencies(b).has(a)
    );
  }

  /**
   * The entities whose series an analysis of an alert on `ref` needs: the entity, everything it
   * depends on and everything depending on it, transitively (failures travel up call chains, load
   * down them), and the other direct dependents of each of its dependencies (their symptoms are what
   * tells a failing dependency from a failing caller). Undefined when the topology does not know
   * `ref` or it has no calls at all: then nothing can be ruled out.
   */
  analysisScope(ref: string): Set<string> | undefined {
    const key = ref.toLocaleLowerCase('en-US');
    if (!this.callees.has(key) && !this.callers.has(key)) return undefined;
    const scope = new Set<string>([key]);
    const dependencies = this.transitiveDependencies(key);
    for (const d of dependencies.keys()) {
      scope.add(d);
      for (const sibling of this.dependentsOf(d)) scope.add(sibling);
    }
    for (const u of this.transitiveDependents(key).keys()) scope.add(u);
    return scope;
  }

  private closure(
    ref: string,
    adjacency: Map<string, Set<string>>,
    memo: Map<string, Map<string, number>>,
  ): ReadonlyMap<string, number> {
    const cached = memo.get(ref);
    if (cached) return cached;
    const depth = new Map<string, number>();
    let frontier = [ref];
    for (let d = 1; frontier.length; d++) {
      const next: string[] = [];
      for (const x of frontier) {
        for (const y of adjacency.get(x) ?? EMPTY) {
          if (y === ref || depth.has(y)) continue;
          depth.set(y, d);
          next.push(y);
        }
      }
      frontier = next;
    }
    memo.set(ref, depth);
    return depth;
  }
}
