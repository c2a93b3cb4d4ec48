import { resolve } from 'node:path';
import type { SignalInput } from '@devops-copilot/backstage-plugin-copilot-common';
import { caseDefinitions, generateCase, loadTopology, type SimCase } from '.';

const topology = loadTopology(
  resolve(__dirname, '../../../../examples/catalog'),
);
const MIN = 60_000;
const defs = caseDefinitions();
const nameOf = (ref: string) => ref.slice(ref.indexOf('/') + 1);
const ms = (s: SignalInput) => Date.parse(String(s.ts));

function mean(
  c: SimCase,
  service: string,
  key: string,
  fromMs: number,
  toMs: number,
): number {
  const v = c.signals
    .filter(
      s =>
        s.key === key &&
        s.labels?.service === service &&
        ms(s) >= fromMs &&
        ms(s) < toMs,
    )
    .map(s => s.value!);
  if (v.length === 0) throw new Error(`no ${key} for ${service}`);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** Ratio of a metric in the 2 minutes up to the alert to its first 30 minutes of the window. */
function jump(c: SimCase, service: string, key: string): number {
  const from = Date.parse(c.window.from);
  const at = Date.parse(c.alert.at);
  return (
    mean(c, service, key, at - 2 * MIN, at + 1) /
    mean(c, service, key, from, from + 30 * MIN)
  );
}

const cases = new Map<string, SimCase>();
const get = (id: string) => {
  if (!cases.has(id)) {
    const i = defs.findIndex(d => d.id === id);
    cases.set(id, generateCase(defs[i], topology, 42, i));
  }
  return cases.get(id)!;
};

describe('simulated RCA cases', () => {
  it('covers eight fault kinds at different entities, innocent deploys and no-cause cases', () => {
    expect(defs.length).toBeGreaterThanOrEqual(32);
    expect(new Set(defs.map(d => d.id)).size).toBe(defs.length);
    const byKind = new Map<string, Set<string>>();
    for (const d of defs) {
      const set = byKind.get(d.scenario.truth.kind) ?? new Set<string>();
      set.add(d.scenario.truth.target);
      byKind.set(d.scenario.truth.kind, set);
    }
    for (const kind of [
      'bad_deploy',
      'config_change',
      'flag_flip',
      'dependency_failure',
      'resource_saturation',
      'memory_leak',
      'slow_query',
    ]) {
      expect([kind, byKind.get(kind)?.size]).toEqual([kind, 4]);
    }
    expect(byKind.get('traffic_surge')?.size).toBe(2); // only the edge can surge
    expect(defs.filter(d => d.scenario.truth.kind === 'none')).toHaveLength(3);
    const names = topology.entities.map(e => e.name);
    for (const d of defs) expect(names).toContain(d.alert.entity);
    for (const d of defs.filter(x => x.scenario.truth.kind !== 'none'))
      expect(names).toContain(d.scenario.truth.target);
  });

  it('has at least four cases where a deploy near the incident is not the cause', () => {
    const innocent = defs.filter(d =>
      d.scenario.changes.some(
        c =>
          c.key === 'deploy' &&
          Math.abs(c.atMinute - d.scenario.faultStartMinute) <= 10 &&
          (c.target !== d.scenario.truth.target ||
            d.scenario.truth.kind !== 'bad_deploy'),
      ),
    );
    expect(
      innocent.filter(d => d.scenario.truth.kind !== 'none').length,
    ).toBeGreaterThanOrEqual(4);
    for (const d of innocent.filter(x => x.redHerring)) {
      const c = get(d.id);
      const deploys = c.signals.filter(
        s => s.kind === 'deploy' && s.labels?.service === d.redHerring,
      );
      expect(deploys.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('is deterministic for a seed', () => {
    const i = defs.findIndex(d => d.id === 'sim-config-change-cart-service');
    const a = generateCase(defs[i], topology, 42, i);
    expect(generateCase(defs[i], topology, 42, i)).toEqual(a);
    const b = generateCase(defs[i], topology, 43, i);
    expect(b.alert.at).not.toEqual(a.alert.at);
    expect(b.signals).not.toEqual(a.signals);
  });

  it.each(defs.filter(d => d.scenario.truth.kind !== 'none').map(d => [d.id]))(
    '%s: the alert entity is visibly degraded at the alert',
    id => {
      const c = get(id);
      const alert = nameOf(c.alert.entity);
      expect(Date.parse(c.alert.at)).toBeGreaterThan(Date.parse(c.window.from));
      expect(Date.parse(c.alert.at)).toBeLessThan(Date.parse(c.window.to));
      const errors = jump(c, alert, 'http_5xx_rate');
      const latency = jump(c, alert, 'latency_p95_ms');
      expect(errors > 3 || latency > 1.3).toBe(true);
      cases.delete(id);
    },
  );

  it('bad deploys, config changes and flag flips: the change event precedes the errors', () => {
    for (const d of defs) {
      const kind = d.scenario.truth.kind;
      const key = {
        bad_deploy: 'deploy',
        config_change: 'config_change',
        flag_flip: 'flag_change',
      }[kind as string];
      if (!key) continue;
      const c = get(d.id);
      const ev = c.signals.filter(
        s => s.key === key && s.labels?.service === d.scenario.truth.target,
      );
      expect([d.id, ev.length > 0]).toEqual([d.id, true]);
      expect(ev[0].labels?.diff).toBeTruthy();
      expect(key !== 'deploy' || Boolean(ev[0].labels?.version)).toBe(true);
      const firstError = c.signals.find(
        s =>
          s.key === 'http_5xx_rate' &&
          s.labels?.service === d.scenario.truth.target &&
          s.value! > 0.03,
      );
      expect([d.id, firstError !== undefined]).toEqual([d.id, true]);
      expect(ms(ev[0])).toBeLessThanOrEqual(ms(firstError!));
      cases.delete(d.id);
    }
  });

  it('memory leaks: mem_bytes climbs, the pod is OOM-killed and restarts', () => {
    for (const d of defs.filter(x => x.scenario.truth.kind === 'memory_leak')) {
      const c = get(d.id);
      const target = d.scenario.truth.target;
      const mem = c.signals
        .filter(s => s.key === 'mem_bytes' && s.labels?.service === target)
        .map(s => s.value!);
      const max = Math.max(...mem);
      const min = Math.min(...mem);
      expect(max - min).toBeGreaterThan(300 * 1024 * 1024);
      // A sawtooth: a drop of most of the growth between consecutive samples.
      const drops = mem.filter(
        (v, i) => i > 0 && mem[i - 1] - v > 0.5 * (max - min),
      );
      expect(drops.length).toBeGreaterThanOrEqual(1);
      const restarts = c.signals
        .filter(
          s =>
            s.key === 'container_restarts_total' &&
            s.labels?.service === target,
        )
        .map(s => s.value!);
      expect(Math.max(...restarts)).toBeGreaterThan(Math.min(...restarts));
      expect(
        c.signals.some(s => s.kind === 'log' && /OOMKilled/.test(s.text ?? '')),
      ).toBe(true);
      cases.delete(d.id);
    }
  });

  it('slow queries: database latency jumps, duration lines on the database, slow-query lines on a caller', () => {
    for (const d of defs.filter(x => x.scenario.truth.kind === 'slow_query')) {
      const c = get(d.id);
      const db = d.scenario.truth.target;
      expect(jump(c, db, 'query_p95_ms')).toBeGreaterThan(4);
      const logs = c.signals.filter(s => s.kind === 'log');
      expect(
        logs.some(
          s => s.labels?.service === db && /duration: \d+/.test(s.text ?? ''),
        ),
      ).toBe(true);
      const callers = topology.entities
        .filter(e => e.dependsOn.some(r => nameOf(r) === db))
        .map(e => e.name);
      expect(
        logs.some(
          s =>
            callers.includes(s.labels?.service ?? '') &&
            /slow query/.test(s.text ?? ''),
        ),
      ).toBe(true);
      cases.delete(d.id);
    }
  });

  it('traffic surges: requests up at the edge, latency up downstream, no change but routine ones', () => {
    for (const d of defs.filter(
      x => x.scenario.truth.kind === 'traffic_surge',
    )) {
      const c = get(d.id);
      const edge = d.scenario.truth.target;
      expect(jump(c, edge, 'http_requests_total')).toBeGreaterThan(2.5);
      expect(jump(c, 'catalog-service', 'latency_p95_ms')).toBeGreaterThan(1.5);
      const at = Date.parse(c.alert.at);
      const changes = c.signals.filter(
        s =>
          (s.kind === 'event' || s.kind === 'deploy') &&
          s.labels?.author !== 'ci-bot' &&
          ms(s) > at - 5 * MIN &&
          ms(s) <= at,
      );
      expect(changes).toEqual([]);
      cases.delete(d.id);
    }
  });

  it('resource saturation: CPU pinned without more traffic', () => {
    for (const d of defs.filter(
      x => x.scenario.truth.kind === 'resource_saturation',
    )) {
      const c = get(d.id);
      const t = d.scenario.truth.target;
      const at = Date.parse(c.alert.at);
      expect(mean(c, t, 'cpu_util', at - 2 * MIN, at + 1)).toBeGreaterThan(0.9);
      const isComponent =
        topology.entities.find(e => e.name === t)!.kind === 'component';
      expect(!isComponent || jump(c, t, 'http_requests_total') < 1.3).toBe(
        true,
      );
      cases.delete(d.id);
    }
  });

  it('no-cause cases: truth none, and two faults really do both happen', () => {
    const c = get('sim-none-two-faults-payments-db-search-deploy');
    expect(c.truth).toEqual({ entity: null, kind: 'none' });
    expect(jump(c, 'payments-service', 'http_5xx_rate')).toBeGreaterThan(10);
    expect(jump(c, 'search-service', 'http_5xx_rate')).toBeGreaterThan(10);
    const noise = get('sim-none-noise');
    expect(jump(noise, 'storefront', 'latency_p95_ms')).toBeGreaterThan(1.2);
    const end = Date.parse(noise.window.to);
    expect(
      mean(noise, 'storefront', 'latency_p95_ms', end - 5 * MIN, end) /
        mean(
          noise,
          'storefront',
          'latency_p95_ms',
          Date.parse(noise.window.from),
          Date.parse(noise.window.from) + 30 * MIN,
        ),
    ).toBeLessThan(1.15);
  });
});
