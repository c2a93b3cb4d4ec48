// Generates realistic signals for a catalog topology, slot by slot (10 s): request rates with a daily
// cycle and noise, error rates, latency, CPU and memory, access and application logs, routine deploys,
// and a scenario's fault, which spreads to dependents one hop per minute, attenuated at each hop.
import type { SignalInput } from '@devops-copilot/backstage-plugin-copilot-common';
import { normal, streamOf, uniform } from './random';
import {
  NO_EFFECT,
  type FaultEffect,
  type FaultLogLine,
  type FaultSpec,
  type Scenario,
} from './scenarios';
import type { SimEntity, SimTopology } from './topology';

export const SLOT_MS = 10_000;
const MINUTE = 60_000;

export interface SimulationOptions {
  topology: SimTopology;
  scenario: Scenario;
  /** When the scenario's incident happens (its minute 0), epoch ms. */
  incidentAtMs: number;
  seed: number;
  /** Log lines per component per slot (default 2). */
  logsPerSlot?: number;
  source?: string;
  /** Also report container_restarts_total per component (default false). */
  emitRestarts?: boolean;
}

const JAVA = new Set([
  'payments-service',
  'checkout-service',
  'inventory-service',
]);
const PATHS: Record<string, string[]> = {
  storefront: [
    '/',
    '/products/sku-1842',
    '/cart',
    '/checkout',
    '/search?q=lamp',
  ],
  'api-gateway': [
    '/api/products',
    '/api/cart',
    '/api/orders',
    '/api/search',
    '/api/users/me',
  ],
};

const nameOf = (ref: string) => ref.slice(ref.indexOf('/') + 1);
const round = (v: number, digits = 1) => Number(v.toFixed(digits));

function baseRate(e: SimEntity): number {
  if (e.kind === 'resource') return 0;
  const s = streamOf(e.name);
  return 20 + (s % 180); // requests per second
}

/** Daily cycle: quiet at 04:00 UTC, busiest at 16:00. */
function seasonality(tsMs: number): number {
  const hour = (tsMs % 86_400_000) / 3_600_000;
  return 1 + 0.45 * Math.sin((2 * Math.PI * (hour - 10)) / 24);
}

/** The fault effect on every entity at a time, after propagation along dependsOn (reversed). */
export function effectsAt(
  options: SimulationOptions,
  tsMs: number,
): Map<string, FaultEffect> {
  const { scenario } = options;
  const faults: FaultSpec[] = [];
  if (scenario.truth.kind !== 'none')
    faults.push({
      target: scenario.truth.target,
      startMinute: scenario.faultStartMinute,
      effect: scenario.effect,
    });
  faults.push(...(scenario.extraFaults ?? []));
  if (faults.length === 1) return faultEffectsAt(options, faults[0], tsMs);
  const effects = new Map<string, FaultEffect>();
  for (const fault of faults) {
    for (const [ref, e] of faultEffectsAt(options, fault, tsMs)) {
      const prior = effects.get(ref);
      effects.set(ref, prior ? combine(prior, e) : e);
    }
  }
  return effects;
}

/** Two faults on one entity: failures compound, the worse slowdown and load win. */
function combine(a: FaultEffect, b: FaultEffect): FaultEffect {
  return {
    errorRate: 1 - (1 - a.errorRate) * (1 - b.errorRate),
    latencyFactor: a.latencyFactor * b.latencyFactor,
    trafficFactor: Math.max(a.trafficFactor, b.trafficFactor),
    memoryGrowth: a.memoryGrowth + b.memoryGrowth,
    errorMessages: [...a.errorMessages, ...b.errorMessages],
    memoryBytes:
      a.memoryBytes === undefined && b.memoryBytes === undefined
        ? undefined
        : (a.memoryBytes ?? 0) + (b.memoryBytes ?? 0),
    restarts:
      a.restarts === undefined && b.restarts === undefined
        ? undefined
        : (a.restarts ?? 0) + (b.restarts ?? 0),
    cpuUtil: Math.max(a.cpuUtil ?? 0, b.cpuUtil ?? 0) || undefined,
    errorLevel: a.errorLevel ?? b.errorLevel,
    logLines: [...(a.logLines ?? []), ...(b.logLines ?? [])],
  };
}

function faultEffectsAt(
  options: SimulationOptions,
  fault: FaultSpec,
  tsMs: number,
): Map<string, FaultEffect> {
  const { topology, incidentAtMs } = options;
  const effects = new Map<string, FaultEffect>();
  const startMs = incidentAtMs + fault.startMinute * MINUTE;
  const target = topology.entities.find(e => e.name === fault.target);
  if (!target || tsMs < startMs) return effects;
  const rootEffect = fault.effect(Math.floor((tsMs - startMs) / MINUTE));
  effects.set(target.ref, rootEffect);
  // Breadth-first to dependents; each hop lags a minute and passes on part of the damage.
  const dependents = new Map<string, SimEntity[]>();
  for (const e of topology.entities) {
    for (const d of e.dependsOn)
      dependents.set(d, [...(dependents.get(d) ?? []), e]);
  }
  let frontier = [target.ref];
  for (let hop = 1; frontier.length > 0 && hop <= 6; hop++) {
    const next: string[] = [];
    const lagged = tsMs - hop * MINUTE;
    if (lagged < startMs) break;
    for (const ref of frontier) {
      const upstream = effects.get(ref)!;
      for (const dep of dependents.get(ref) ?? []) {
        if (effects.has(dep.ref)) continue;
        const fanIn = Math.max(1, dep.dependsOn.length);
        const share = hop === 1 ? 0.6 : 0.6 / Math.sqrt(fanIn);
        const messages =
          hop === 1 && rootEffect.dependentMessages
            ? rootEffect.dependentMessages
            : [`call to ${nameOf(ref)} failed: 503 Service Unavailable`];
        effects.set(dep.ref, {
          errorRate: upstream.errorRate * share,
          latencyFactor: 1 + (upstream.latencyFactor - 1) * share,
          trafficFactor: 1,
          memoryGrowth: 0,
          errorMessages: upstream.errorRate > 0.01 ? messages : [],
          ...(hop === 1 && rootEffect.dependentLogLines
            ? { logLines: rootEffect.dependentLogLines }
            : {}),
        });
        next.push(dep.ref);
      }
    }
    frontier = next;
  }
  // A traffic surge loads everything downstream of the target too.
  if (rootEffect.trafficFactor > 1) {
    const stack = [...target.dependsOn];
    while (stack.length) {
      const ref = stack.pop()!;
      const existing = effects.get(ref) ?? NO_EFFECT;
      effects.set(ref, {
        ...existing,
        trafficFactor: Math.max(
          existing.trafficFactor,
          rootEffect.trafficFactor * 0.8,
        ),
        ...(rootEffect.downstreamLatencyFactor
          ? {
              latencyFactor: Math.max(
                existing.latencyFactor,
                rootEffect.downstreamLatencyFactor,
              ),
            }
          : {}),
      });
      stack.push(
        ...(topology.entities.find(e => e.ref === ref)?.dependsOn ?? []),
      );
    }
  }
  return effects;
}

function version(e: SimEntity, n: number): string {
  return `v${1 + (streamOf(e.name) % 3)}.${n % 20}.${(n * 7) % 10}`;
}

/** Signals for one 10-second slot. */
export function generateSlot(
  options: SimulationOptions,
  slotStartMs: number,
): SignalInput[] {
  const { topology, seed } = options;
  const source = options.source ?? 'simulator';
  const slot = Math.floor(slotStartMs / SLOT_MS);
  const ts = slot * SLOT_MS;
  const effects = effectsAt(options, ts);
  const out: SignalInput[] = [];
  const logsPerSlot = options.logsPerSlot ?? 2;

  for (const e of topology.entities) {
    const stream = streamOf(e.ref);
    const effect = effects.get(e.ref) ?? NO_EFFECT;
    const labels = { service: e.name, app: e.app, namespace: 'shop' };
    const at = (offset: number) => new Date(ts + offset).toISOString();

    if (e.kind === 'resource') {
      const q =
        4 * (1 + 0.15 * normal(seed, stream, slot, 1)) * effect.latencyFactor;
      out.push({
        source,
        kind: 'metric',
        ts: at(5_000),
        key: 'query_p95_ms',
        value: round(q),
        labels,
      });
      const cpu =
        0.25 *
        seasonality(ts) *
        (1 + 0.1 * normal(seed, stream, slot, 2)) *
        Math.min(3, effect.latencyFactor);
      out.push({
        source,
        kind: 'metric',
        ts: at(5_000),
        key: 'cpu_util',
        value: round(
          Math.min(1, saturated(cpu, effect, seed, stream, slot)),
          4,
        ),
        labels,
      });
      const errorLines =
        effect.errorRate > 0
          ? Math.max(1, Math.round(effect.errorRate * 10))
          : 0;
      for (let k = 0; k < 2 + errorLines; k++) {
        const isError = k >= 2;
        const text = isError
          ? `${at(1000 + k * 700)
              .replace('T', ' ')
              .slice(0, 23)} UTC [${1000 + k}] ${
              effect.errorLevel ?? 'FATAL'
            }:  ${
              effect.errorMessages[k % effect.errorMessages.length] ??
              'connection failure'
            }`
          : `${at(1000 + k * 700)
              .replace('T', ' ')
              .slice(0, 23)} UTC [${
              1000 + k
            }] LOG:  checkpoint complete: wrote ${Math.floor(
              uniform(seed, stream, slot, 30 + k) * 900,
            )} buffers`;
        out.push({
          source,
          kind: 'log',
          ts: at(1000 + k * 700),
          text,
          labels: { ...labels, level: isError ? 'error' : 'info' },
        });
      }
      pushFaultLines(out, e, effect, ts, source, labels);
      continue;
    }

    const rps =
      baseRate(e) *
      seasonality(ts) *
      effect.trafficFactor *
      (1 + 0.05 * normal(seed, stream, slot, 1));
    const requests = Math.max(0, Math.round(rps * (SLOT_MS / 1000)));
    const baseErr = 0.002 + 0.0015 * uniform(seed, stream, slot, 2);
    const errRate = Math.min(
      0.95,
      Math.max(
        0,
        baseErr + effect.errorRate * (1 + 0.08 * normal(seed, stream, slot, 3)),
      ),
    );
    const baseLatency = 40 + (streamOf(e.name) % 120);
    const p95 =
      baseLatency *
      (1 + 0.08 * normal(seed, stream, slot, 4)) *
      effect.latencyFactor *
      (rps > 2 * baseRate(e) ? 1.5 : 1);
    const cpu = Math.min(
      1,
      saturated(
        0.18 +
          0.5 * (rps / (baseRate(e) * 2)) +
          0.03 * normal(seed, stream, slot, 5),
        effect,
        seed,
        stream,
        slot,
      ),
    );
    const minutesSinceFault = Math.max(
      0,
      (ts -
        (options.incidentAtMs + options.scenario.faultStartMinute * MINUTE)) /
        MINUTE,
    );
    const mem =
      512 * 1024 * 1024 * (1 + 0.02 * normal(seed, stream, slot, 6)) +
      (effect.memoryBytes ?? effect.memoryGrowth * minutesSinceFault);

    out.push({
      source,
      kind: 'metric',
      ts: at(5_000),
      key: 'http_requests_total',
      value: requests,
      labels: { ...labels, window: '10s' },
    });
    out.push({
      source,
      kind: 'metric',
      ts: at(5_000),
      key: 'http_5xx_rate',
      value: round(errRate, 5),
      labels,
    });
    out.push({
      source,
      kind: 'metric',
      ts: at(5_000),
      key: 'latency_p95_ms',
      value: round(p95),
      labels,
    });
    out.push({
      source,
      kind: 'metric',
      ts: at(5_000),
      key: 'cpu_util',
      value: round(Math.max(0, cpu), 4),
      labels,
    });
    out.push({
      source,
      kind: 'metric',
      ts: at(5_000),
      key: 'mem_bytes',
      value: Math.round(mem),
      labels,
    });
    if (options.emitRestarts) {
      out.push({
        source,
        kind: 'metric',
        ts: at(5_000),
        key: 'container_restarts_total',
        value: effect.restarts ?? 0,
        labels,
      });
    }

    for (let k = 0; k < logsPerSlot; k++) {
      const offset = Math.floor(
        ((k + uniform(seed, stream, slot, 10 + k)) / logsPerSlot) * SLOT_MS,
      );
      const isError = uniform(seed, stream, slot, 20 + k) < errRate * 1.5;
      out.push({
        source,
        kind: 'log',
        ts: at(offset),
        text: logLine(e, options, slot, k, ts + offset, isError, effect, p95),
        labels,
      });
    }
    pushFaultLines(out, e, effect, ts, source, labels);
  }

  // Routine deploys: about one per service every three hours, on minute boundaries.
  if (ts % MINUTE === 0) {
    const minute = Math.floor(ts / MINUTE);
    for (const e of topology.entities) {
      if (e.kind !== 'component') continue;
      if (uniform(seed, streamOf(e.ref), minute, 99) < 1 / 180) {
        out.push({
          source,
          kind: 'deploy',
          ts: new Date(ts).toISOString(),
          key: 'deploy',
          text: `${e.name} ${version(e, minute)} rolled out`,
          labels: {
            service: e.name,
            app: e.app,
            namespace: 'shop',
            version: version(e, minute),
            author: 'ci-bot',
            diff: 'dependency updates',
          },
        });
      }
    }
  }
  // The scenario's own changes.
  for (const c of options.scenario.changes) {
    const changeAt = options.incidentAtMs + c.atMinute * MINUTE;
    if (changeAt >= ts && changeAt < ts + SLOT_MS) {
      const target = topology.entities.find(e => e.name === c.target);
      out.push({
        source,
        kind: c.key === 'deploy' ? 'deploy' : 'event',
        ts: new Date(changeAt).toISOString(),
        key: c.key,
        text: `${c.target}: ${c.diff}`,
        labels: {
          service: c.target,
          app: target?.app ?? c.target,
          namespace: 'shop',
          author: c.author,
          diff: c.diff,
          ...(c.version ? { version: c.version } : {}),
        },
      });
    }
  }
  return out;
}

/** CPU under a saturating fault: pinned near its floor, with a little jitter. */
function saturated(
  cpu: number,
  effect: FaultEffect,
  seed: number,
  stream: number,
  slot: number,
): number {
  if (effect.cpuUtil === undefined) return cpu;
  return Math.max(
    cpu,
    Math.min(1, effect.cpuUtil + 0.015 * normal(seed, stream, slot, 7)),
  );
}

/** A fault's own log lines, in the entity's log format. */
function pushFaultLines(
  out: SignalInput[],
  e: SimEntity,
  effect: FaultEffect,
  ts: number,
  source: string,
  labels: Record<string, string>,
) {
  if (!effect.logLines?.length) return;
  effect.logLines.forEach((line, i) => {
    if (line.oncePerMinute && ts % MINUTE !== 0) return;
    const at = ts + 3_000 + i * 311;
    out.push({
      source,
      kind: 'log',
      ts: new Date(at).toISOString(),
      text: formatFaultLine(e, line, at),
      labels: { ...labels, level: line.level },
    });
  });
}

function formatFaultLine(e: SimEntity, line: FaultLogLine, tsMs: number) {
  const iso = new Date(tsMs).toISOString();
  if (e.kind === 'resource') {
    if (e.type === 'database') {
      const level = { info: 'LOG', warn: 'LOG', error: 'ERROR' }[line.level];
      return `${iso.replace('T', ' ').slice(0, 23)} UTC [${
        2000 + (tsMs % 997)
      }] ${level}:  ${line.text}`;
    }
    return `${iso} ${line.level.toUpperCase()} ${line.text}`;
  }
  if (JAVA.has(e.name)) {
    const level = { info: 'INFO ', warn: 'WARN ', error: 'ERROR' }[line.level];
    return `${iso.replace('T', ' ').replace('Z', '')} ${level} [main] c.s.${
      e.name.split('-')[0]
    }.Runtime - ${line.text}`;
  }
  if (e.type === 'website' || e.name === 'api-gateway') {
    return `${iso.slice(0, 10).replace(/-/g, '/')} ${iso.slice(11, 19)} [${
      line.level
    }] 1#1: ${line.text}`;
  }
  return JSON.stringify({
    ts: iso,
    level: line.level,
    msg: line.text,
    service: e.name,
  });
}

function logLine(
  e: SimEntity,
  o: SimulationOptions,
  slot: number,
  k: number,
  tsMs: number,
  isError: boolean,
  effect: FaultEffect,
  p95: number,
): string {
  const stream = streamOf(e.ref);
  const r = (d: number) => uniform(o.seed, stream, slot, 40 + k * 10 + d);
  const traceId =
    Math.floor(r(1) * 2 ** 32)
      .toString(16)
      .padStart(8, '0') +
    Math.floor(r(2) * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  const latency = Math.round(p95 * (0.3 + 0.7 * r(3)));
  const message = isError
    ? effect.errorMessages[Math.floor(r(4) * effect.errorMessages.length)] ??
      'request failed: internal error'
    : undefined;
  if (e.type === 'website' || e.name === 'api-gateway') {
    const paths = PATHS[e.name] ?? ['/'];
    const path = paths[Math.floor(r(5) * paths.length)];
    let status = r(6) < 0.05 ? 404 : 200;
    if (isError) status = 502 + Math.floor(r(6) * 2);
    const d = new Date(tsMs);
    const months = [
      'Jan',
      'Feb',
      'Mar',
      'Apr',
      'May',
      'Jun',
      'Jul',
      'Aug',
      'Sep',
      'Oct',
      'Nov',
      'Dec',
    ];
    const stamp = `${String(d.getUTCDate()).padStart(2, '0')}/${
      months[d.getUTCMonth()]
    }/${d.getUTCFullYear()}:${d.toISOString().slice(11, 19)} +0000`;
    const ip = `10.0.${Math.floor(r(7) * 255)}.${Math.floor(r(8) * 255)}`;
    return `${ip} - - [${stamp}] "GET ${path} HTTP/1.1" ${status} ${Math.floor(
      200 + r(9) * 9000,
    )} "-" "Mozilla/5.0" rt=${(latency / 1000).toFixed(3)} trace_id=${traceId}`;
  }
  if (JAVA.has(e.name)) {
    const level = isError ? 'ERROR' : 'INFO ';
    const logger =
      e.name === 'payments-service'
        ? 'c.s.payments.PaymentAuthorizer'
        : `c.s.${e.name.split('-')[0]}.RequestHandler`;
    const text =
      message ??
      `handled ${
        ['POST /authorize', 'POST /orders', 'GET /stock/sku-1842'][
          Math.floor(r(5) * 3)
        ]
      } in ${latency}ms`;
    return `${new Date(tsMs)
      .toISOString()
      .replace('T', ' ')
      .replace('Z', '')} ${level} [http-nio-8080-exec-${
      1 + Math.floor(r(6) * 20)
    }] ${logger} - ${text} traceId=${traceId}`;
  }
  return JSON.stringify({
    ts: new Date(tsMs).toISOString(),
    level: isError ? 'error' : 'info',
    msg: message ?? 'request completed',
    service: e.name,
    status: isError ? 500 : 200,
    duration_ms: latency,
    trace_id: traceId,
  });
}

/** All signals of the slots in [fromMs, toMs). */
export function generateWindow(
  options: SimulationOptions,
  fromMs: number,
  toMs: number,
): SignalInput[] {
  const out: SignalInput[] = [];
  for (let t = Math.ceil(fromMs / SLOT_MS) * SLOT_MS; t < toMs; t += SLOT_MS) {
    out.push(...generateSlot(options, t));
  }
  return out;
}
