// Observed call volumes between services, from the request counters that service graphs and meshes
// export: the OpenTelemetry Collector's servicegraph connector (and Tempo's metrics generator), Istio,
// Linkerd, and client request counters labelled with the peer service (OpenTelemetry semantic
// conventions). Pure: the caller reads the per-series totals and resolves names to catalog entities.

import type { Topology, TopologyEdge } from './types';

/** Totals of one stored series over a window (what `RollupStore.metricSeriesTotals` returns). */
export interface CallSeriesTotal {
  /** The entity the series was attributed to at ingest ('' when none). */
  entityRef: string;
  metric: string;
  labels: Record<string, string>;
  /** Sum of the series' values over the window (requests, for delta counters). */
  sum: number;
}

/** One observed caller -> callee pair, by name or by entity. */
interface CallPair {
  /** The caller: a service name to resolve, or the series' own entity when absent. */
  from?: string;
  to: string;
}

const first = (labels: Record<string, string>, keys: string[]) => {
  for (const k of keys) {
    const v = labels[k];
    if (v && v !== 'unknown') return v;
  }
  return undefined;
};

/** How each counter names the two ends of a call. */
const RULES: Record<
  string,
  (labels: Record<string, string>) => CallPair | undefined
> = {
  // servicegraph connector / Tempo: client -> server.
  traces_service_graph_request_total: l => {
    const from = first(l, ['client']);
    const to = first(l, ['server']);
    return from && to ? { from, to } : undefined;
  },
  // Istio standard metrics: source -> destination (reported by both proxies; either is fine as a weight).
  istio_requests_total: l => {
    const from = first(l, [
      'source_canonical_service',
      'source_workload',
      'source_app',
    ]);
    const to = first(l, [
      'destination_canonical_service',
      'destination_service_name',
      'destination_workload',
      'destination_app',
    ]);
    return from && to ? { from, to } : undefined;
  },
  // Linkerd proxy: outbound requests of the series' own workload to dst_*.
  request_total: l => {
    if (l.direction !== 'outbound') return undefined;
    const to = first(l, ['dst_deployment', 'dst_service', 'dst_statefulset']);
    return to
      ? { from: first(l, ['deployment', 'statefulset']), to }
      : undefined;
  },
};

/** Client request counters whose peer label names the callee (the caller is the series' entity). */
const CLIENT_COUNTERS = new Set([
  'http_client_requests_total',
  'http.client.request.count',
  'http_client_request_duration_seconds_count',
  'http.client.request.duration_count',
  'rpc_client_requests_total',
  'rpc.client.duration_count',
  'rpc_client_duration_milliseconds_count',
]);
const PEER_LABELS = [
  'peer.service',
  'peer_service',
  'server.address',
  'server_address',
  'net.peer.name',
];

/** The metric names read for observed calls. */
export const CALL_METRICS: readonly string[] = [
  ...Object.keys(RULES),
  ...CLIENT_COUNTERS,
];

function pairOf(s: CallSeriesTotal): CallPair | undefined {
  const rule = RULES[s.metric];
  if (rule) return rule(s.labels);
  if (CLIENT_COUNTERS.has(s.metric)) {
    const to = first(s.labels, PEER_LABELS);
    return to ? { to } : undefined;
  }
  return undefined;
}

/**
 * The caller a call counter names, for attributing a series that carries no service label of its own
 * (the servicegraph connector's and Istio's series name both ends in labels only).
 */
export function callerName(
  metric: string,
  labels: Record<string, string>,
): string | undefined {
  return RULES[metric]?.(labels)?.from;
}

/** An observed call edge between two catalog entities, in calls per minute over the window. */
export interface ObservedCall {
  from: string;
  to: string;
  callsPerMinute: number;
}

/**
 * Caller -> callee call rates between catalog entities. `resolve` maps a service name to its entity
 * ref (lower-case) or undefined; calls of an entity to itself and pairs that do not resolve are left
 * out; several series of one pair add up.
 */
export function observedCalls(
  series: ReadonlyArray<CallSeriesTotal>,
  resolve: (name: string) => string | undefined,
  windowMinutes: number,
): ObservedCall[] {
  const totals = new Map<string, ObservedCall>();
  const minutes = Math.max(1, windowMinutes);
  for (const s of series) {
    if (!(s.sum > 0)) continue;
    const pair = pairOf(s);
    if (!pair) continue;
    // A counter that names no caller is the series' own entity's.
    const own = s.entityRef
      ? s.entityRef.toLocaleLowerCase('en-US')
      : undefined;
    const from = pair.from !== undefined ? resolve(pair.from) : own;
    const to = resolve(pair.to);
    if (!from || !to || from === to) continue;
    const key = `${from}|${to}`;
    const seen = totals.get(key);
    if (seen) seen.callsPerMinute += s.sum / minutes;
    else totals.set(key, { from, to, callsPerMinute: s.sum / minutes });
  }
  return [...totals.values()].sort(
    (a, b) => b.callsPerMinute - a.callsPerMinute,
  );
}

/**
 * The topology with observed call rates: a declared `dependsOn` edge caller -> callee carries the rate as
 * `callVolume`; a pair the catalog does not declare, between two entities it knows, becomes a `dependsOn`
 * edge marked `observed`. The input is not changed.
 */
export function withObservedCalls(
  topology: Topology,
  calls: ReadonlyArray<ObservedCall>,
): Topology {
  if (calls.length === 0) return topology;
  const nodes = new Set(topology.nodes.map(n => n.entityRef));
  const byPair = new Map(calls.map(c => [`${c.from}|${c.to}`, c]));
  const used = new Set<string>();
  const edges: TopologyEdge[] = topology.edges.map(e => {
    if (e.type !== 'dependsOn') return e;
    const key = `${e.from}|${e.to}`;
    const c = byPair.get(key);
    if (!c) return e;
    used.add(key);
    return { ...e, callVolume: c.callsPerMinute };
  });
  for (const c of calls) {
    const key = `${c.from}|${c.to}`;
    if (used.has(key) || !nodes.has(c.from) || !nodes.has(c.to)) continue;
    edges.push({
      from: c.from,
      to: c.to,
      type: 'dependsOn',
      callVolume: c.callsPerMinute,
      observed: true,
    });
  }
  return { nodes: topology.nodes, edges };
}
