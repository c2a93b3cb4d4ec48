import { resolve } from 'node:path';
import {
  generateWindow,
  loadTopology,
  SCENARIOS,
  type SimulationOptions,
} from '.';

const topology = loadTopology(
  resolve(__dirname, '../../../../examples/catalog'),
);
const T = Date.UTC(2026, 2, 1, 12, 0, 0);
const MIN = 60_000;

const options = (scenario: string, seed = 7): SimulationOptions => ({
  topology,
  scenario: SCENARIOS[scenario],
  incidentAtMs: T,
  seed,
});

function meanRate(
  signals: ReturnType<typeof generateWindow>,
  service: string,
): number {
  const v = signals
    .filter(s => s.key === 'http_5xx_rate' && s.labels?.service === service)
    .map(s => s.value!);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

describe('simulator', () => {
  it('reads the demo shop topology with its dependencies', () => {
    const names = topology.entities.map(e => e.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'storefront',
        'api-gateway',
        'checkout-service',
        'payments-service',
        'payments-db',
      ]),
    );
    expect(
      topology.entities.filter(e => e.kind === 'component').length,
    ).toBeGreaterThanOrEqual(12);
    const checkout = topology.entities.find(
      e => e.name === 'checkout-service',
    )!;
    expect(checkout.dependsOn).toContain('component:default/payments-service');
    expect(checkout.app).toBe('checkout');
  });

  it('is deterministic for a seed and independent of chunking', () => {
    const a = generateWindow(options('bad-deploy'), T - 5 * MIN, T + 5 * MIN);
    const b = [
      ...generateWindow(options('bad-deploy'), T - 5 * MIN, T - 2 * MIN),
      ...generateWindow(options('bad-deploy'), T - 2 * MIN, T + 5 * MIN),
    ];
    expect(b).toEqual(a);
    expect(
      generateWindow(options('bad-deploy', 8), T - 5 * MIN, T + 5 * MIN),
    ).not.toEqual(a);
  });

  it('keeps a low, stable error rate without a fault', () => {
    const signals = generateWindow(options('none'), T - 60 * MIN, T);
    for (const e of topology.entities.filter(x => x.kind === 'component')) {
      const rates = signals
        .filter(s => s.key === 'http_5xx_rate' && s.labels?.service === e.name)
        .map(s => s.value!);
      expect(rates.length).toBe(360);
      expect(Math.max(...rates)).toBeLessThan(0.01);
    }
    const requests = signals.filter(s => s.key === 'http_requests_total');
    expect(requests.every(s => s.value! > 0)).toBe(true);
  });

  it('injects the bad deploy in payments-service and spreads it to its dependents a minute later', () => {
    const before = generateWindow(options('bad-deploy'), T - 10 * MIN, T);
    const during = generateWindow(options('bad-deploy'), T + MIN, T + 3 * MIN);
    expect(meanRate(before, 'payments-service')).toBeLessThan(0.005);
    expect(meanRate(during, 'payments-service')).toBeGreaterThan(0.2);
    expect(meanRate(during, 'checkout-service')).toBeGreaterThan(0.1);
    expect(meanRate(during, 'cart-service')).toBeLessThan(0.01);
    // The first minute only the origin is hit.
    const first = generateWindow(options('bad-deploy'), T, T + MIN);
    expect(meanRate(first, 'payments-service')).toBeGreaterThan(0.2);
    expect(meanRate(first, 'checkout-service')).toBeLessThan(0.01);
    const deploys = generateWindow(
      options('bad-deploy'),
      T - MIN,
      T + MIN,
    ).filter(s => s.kind === 'deploy' && s.labels?.version === 'v2.3.1');
    expect(deploys).toEqual([
      expect.objectContaining({
        key: 'deploy',
        ts: new Date(T).toISOString(),
        labels: expect.objectContaining({
          service: 'payments-service',
          author: 'alice',
        }),
      }),
    ]);
  });

  it('writes logs in the formats they claim', () => {
    const logs = generateWindow(
      options('bad-deploy'),
      T + MIN,
      T + 2 * MIN,
    ).filter(s => s.kind === 'log');
    const byService = (name: string) =>
      logs.filter(l => l.labels?.service === name).map(l => l.text!);
    for (const line of byService('cart-service')) {
      expect(JSON.parse(line)).toEqual(
        expect.objectContaining({
          level: expect.any(String),
          trace_id: expect.any(String),
        }),
      );
    }
    for (const line of byService('storefront')) {
      expect(line).toMatch(
        /^\d+\.\d+\.\d+\.\d+ - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \S+ HTTP\/1\.1" \d{3} \d+ /,
      );
    }
    const payments = byService('payments-service');
    for (const line of payments) {
      expect(line).toMatch(
        /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} (INFO |ERROR) \[[^\]]+\] \S+ - .+ traceId=[0-9a-f]{16}$/,
      );
    }
    expect(
      payments.some(
        l => l.includes('ERROR') && /PaymentAuthorizer|NullPointer/.test(l),
      ),
    ).toBe(true);
  });

  it('offers every fault kind of the RCA cases', () => {
    const kinds = new Set(Object.values(SCENARIOS).map(s => s.truth.kind));
    for (const k of [
      'bad_deploy',
      'config_change',
      'flag_flip',
      'dependency_failure',
      'memory_leak',
      'traffic_surge',
      'slow_query',
      'none',
    ]) {
      expect(kinds).toContain(k);
    }
    for (const s of Object.values(SCENARIOS)) {
      if (s.truth.kind === 'none') continue;
      expect(topology.entities.map(e => e.name)).toContain(s.truth.target);
    }
  });
});
