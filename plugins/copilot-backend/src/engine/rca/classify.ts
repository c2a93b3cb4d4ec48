// Root-cause kind from signatures: a change right before the onset names its kind; otherwise the
// shape of the candidate's own anomalies (memory climbing then restarts, saturation metrics or
// logs, slow-query metrics or logs, traffic entering at the edge, network errors on many entities),
// and an anomalous dependency with no change of its own is a dependency failure.
import { changeCauseKind } from '../correlate/changes';
import type { SeriesAnomaly } from '../correlate/types';
import type { Candidate } from './rank';
import type { RootCauseKind } from './types';

/** Memory series. */
const MEMORY_METRIC = /(mem|heap|rss|working_set)/i;
/** Restart / OOM series. */
const RESTART_METRIC = /(restart|oom)/i;
/** Log lines of a process running out of memory. */
const MEMORY_LOG =
  /(oom|out ?of ?memory|outofmemory|gc overhead|full gc|heap space|memory limit)/i;
/** Saturation metrics. */
const SATURATION_METRIC =
  /(cpu|saturat|throttl|pool|queue|connections?_|threads|load_?avg|iops|capacity|utili[sz]ation|consumed_(read|write))/i;
/** Saturation logs. */
const SATURATION_LOG =
  /(pool (is )?exhausted|too many (connections|clients)|connection slots|queue (is )?full|rejected|throttl|maxmemory|capacity|rate exceeded|resource exhausted|saturat|overload|no free|thread pool)/i;
/** Database query latency metrics. */
const SLOW_METRIC = /(query|statement|sql|db_latency|db_time)/i;
/** Slow-query logs. */
const SLOW_LOG =
  /(slow query|duration: *[\d.]+ *ms|statement timeout|long.running query|lock wait|query took|canceling statement)/i;
/** An entity failing outright. */
const DOWN_LOG =
  /(fatal|panic|crash|shutting down|unavailable|no in-sync|failover|not leader|read-only|cannot connect|could not connect|segfault)/i;
/** Utilization metrics, read as a share (0..1) or a percent. */
const UTILIZATION_METRIC = /(util|percent|pct|ratio|usage)/i;

/** A saturation metric counts when a utilization reaches 85%; other saturation metrics always. */
function saturatedLevel(a: SeriesAnomaly): boolean {
  if (!UTILIZATION_METRIC.test(a.metric) || a.peakValue === undefined)
    return true;
  const share = a.peakValue <= 1.5 ? a.peakValue : a.peakValue / 100;
  return share >= 0.85;
}

/** Network-level failures. */
export const NETWORK_LOG =
  /(connection reset|connection refused|econnreset|econnrefused|no route to host|unreachable|broken pipe|dns|packet loss|tls handshake|network)/i;

/** The kind decided for a candidate, with the anomalies and change that decided it. */
export interface Classification {
  kind: Exclude<RootCauseKind, 'none'>;
  /** The candidate's anomalies that carry the signature (cited as support). */
  signature: SeriesAnomaly[];
  /** One clause describing the signature. */
  reason: string;
}

const textOf = (a: SeriesAnomaly) => `${a.template ?? ''} ${a.summary}`;
const isLog = (a: SeriesAnomaly) => a.kind !== 'metric';

/** Change likelihood above which the change names the kind. */
export const CHANGE_KIND_THRESHOLD = 0.3;
/** Change likelihood that names the kind whatever the shapes say. */
const STRONG_CHANGE = 0.5;
/** Signature score that outweighs a change of only fair likelihood. */
const STRONG_SIGNATURE = 0.8;

/**
 * Classifies a candidate. `ownAnomalies` are the candidate's anomalies (strongest first);
 * `networkEntities` is how many anomalous entities show network-level error logs.
 */
export function classify(
  c: Candidate,
  ownAnomalies: ReadonlyArray<SeriesAnomaly>,
  networkEntities: number,
): Classification {
  const up = ownAnomalies.filter(a => a.direction === 'up');
  const volumeUp = ownAnomalies.filter(a => a.symptom === 'load');
  // Traffic entering at the edge: a change does not multiply inbound requests.
  // A load root's load rose no later than its own failure (rank.ts): traffic came first.
  if (c.loadRoot && c.load >= 0.4)
    return {
      kind: 'traffic_surge',
      signature: volumeUp,
      reason: `request volume up${
        volumeUp[0]?.relativeChange !== undefined
          ? ` ${(1 + volumeUp[0].relativeChange).toFixed(1)}x`
          : ''
      } where traffic enters, no caller saw it first`,
    };
  const scored: Array<{
    kind: Classification['kind'];
    score: number;
    sig: SeriesAnomaly[];
    reason: string;
  }> = [];
  const mem = up.filter(
    a => a.kind === 'metric' && MEMORY_METRIC.test(a.metric),
  );
  const memRise = mem.filter(
    a => (a.slopePerMin ?? 0) > 0 || (a.relativeChange ?? 0) > 0.1,
  );
  const restarts = up.filter(
    a =>
      (a.kind === 'metric' && RESTART_METRIC.test(a.metric)) ||
      (isLog(a) && MEMORY_LOG.test(textOf(a))),
  );
  if (memRise.length) {
    scored.push({
      kind: 'memory_leak',
      score: memRise[0].score + (restarts.length ? 0.4 : 0),
      sig: [...memRise.slice(0, 1), ...restarts.slice(0, 2)],
      reason: `memory climbing${
        restarts.length ? ', then restarts / out-of-memory' : ''
      }`,
    });
  } else if (restarts.some(a => MEMORY_LOG.test(textOf(a)))) {
    scored.push({
      kind: 'memory_leak',
      score: 0.5,
      sig: restarts.slice(0, 2),
      reason: 'out-of-memory kills',
    });
  }
  const slowLogs = up.filter(a => isLog(a) && SLOW_LOG.test(textOf(a)));
  const slowMetrics = up.filter(
    a => a.kind === 'metric' && SLOW_METRIC.test(a.metric),
  );
  if (slowLogs.length || slowMetrics.length)
    scored.push({
      kind: 'slow_query',
      // Query latency also rises when a store fails outright: the slow-query log lines decide.
      score:
        (slowLogs.length ? 0.3 + slowLogs[0].score : 0) +
        (slowMetrics.length ? 0.4 * slowMetrics[0].score : 0),
      sig: [...slowLogs.slice(0, 2), ...slowMetrics.slice(0, 1)],
      reason: slowLogs.length
        ? 'slow-query log lines and query latency up'
        : 'database query latency up',
    });
  const sat = up.filter(
    a =>
      (a.kind === 'metric' &&
        SATURATION_METRIC.test(a.metric) &&
        saturatedLevel(a)) ||
      (isLog(a) && SATURATION_LOG.test(textOf(a))),
  );
  if (sat.length)
    scored.push({
      kind: 'resource_saturation',
      score: sat[0].score + (sat.length > 1 ? 0.2 : 0),
      sig: sat.slice(0, 3),
      reason: 'saturation signals (cpu, pools, queues, throttling)',
    });
  const down = up.filter(a => isLog(a) && DOWN_LOG.test(textOf(a)));
  if (down.length)
    scored.push({
      kind: 'dependency_failure',
      score: down[0].score + 0.1,
      sig: down.slice(0, 3),
      reason:
        'fatal / unavailable errors in its own logs, no change of its own',
    });
  const net = up.filter(a => isLog(a) && NETWORK_LOG.test(textOf(a)));
  if (net.length && networkEntities >= 3)
    scored.push({
      kind: 'network',
      score: net[0].score * Math.min(1, networkEntities / 5) + 0.1,
      sig: net.slice(0, 3),
      reason: `network errors on ${networkEntities} entities`,
    });
  scored.sort((a, b) => b.score - a.score);
  // A change right before the onset names the kind, unless its timing is only fair and a specific
  // shape (a leak's climb and restarts, slow-query lines, ...) speaks clearly for something else.
  if (
    c.change &&
    c.changeLikelihood >= CHANGE_KIND_THRESHOLD &&
    (c.changeLikelihood >= STRONG_CHANGE ||
      !scored.length ||
      scored[0].score < STRONG_SIGNATURE)
  ) {
    const kind = changeCauseKind(c.change.change.kind);
    return {
      kind,
      signature: ownAnomalies.slice(0, 3),
      reason: c.change.reason,
    };
  }
  if (scored.length && scored[0].score >= 0.35)
    return {
      kind: scored[0].kind,
      signature: scored[0].sig,
      reason: scored[0].reason,
    };
  return {
    kind: 'dependency_failure',
    signature: ownAnomalies.slice(0, 3),
    reason: c.explains.length
      ? `anomalous with no change of its own, and ${c.explains.length} dependent entities degraded after it`
      : 'anomalous with no change of its own',
  };
}
