import { triage } from './triage';
import { testLatest } from './robustBaseline';
import { isErrorLog, type SignalLike } from './errorRate';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const MIN = 60_000;

// Deterministic pseudo-noise so the tests do not depend on Math.random.
function noise(i: number, seed = 1): number {
  const x = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

function rateSeries(
  entity: string,
  minutes: number,
  at: (i: number) => number,
): SignalLike[] {
  return Array.from({ length: minutes }, (_, i) => ({
    entityRef: entity,
    kind: 'metric' as const,
    key: 'http_5xx_rate',
    tsMs: T0 + i * MIN + 5_000,
    value: at(i),
    labels: {},
  }));
}

const deps = new Map([
  ['component:default/storefront', ['component:default/checkout']],
  ['component:default/checkout', ['component:default/payments']],
  ['component:default/payments', ['resource:default/payments-db']],
]);

describe('triage', () => {
  it('fires on a 5xx spike, names the origin, the upstream symptoms and the suspect deploy', () => {
    const spikeAt = 40;
    const signals = [
      ...rateSeries('component:default/payments', 45, i =>
        i >= spikeAt ? 0.24 : 0.003 + 0.002 * noise(i),
      ),
      ...rateSeries('component:default/checkout', 45, i =>
        i >= spikeAt + 1 ? 0.12 : 0.002 + 0.002 * noise(i, 2),
      ),
      ...rateSeries('component:default/storefront', 45, i =>
        i >= spikeAt + 1 ? 0.08 : 0.001 + 0.002 * noise(i, 3),
      ),
    ];
    const result = triage({
      signals,
      changes: [
        {
          entityRef: 'component:default/payments',
          kind: 'deploy',
          tsMs: T0 + 39 * MIN + 30_000,
          version: 'v2.3.1',
          author: 'alice',
        },
      ],
      dependsOn: deps,
      nowMs: T0 + 45 * MIN + 10_000,
    });
    expect(result.findings).toHaveLength(1);
    const f = result.findings[0];
    expect(f.entityRef).toBe('component:default/payments');
    expect(f.title).toBe('Elevated 5xx rate on payments');
    expect(f.affectedEntityRefs).toEqual([
      'component:default/checkout',
      'component:default/storefront',
    ]);
    expect(f.onsetMs).toBe(T0 + spikeAt * MIN);
    expect(f.summary).toMatch(/5xx rate 24\.0%/);
    expect(f.summary).toMatch(/deploy v2\.3\.1 by alice at 12:39 UTC/);
    expect(f.severity).toBe('critical');
    expect(f.fingerprint).toBe(
      'detector:error-rate:component:default/payments',
    );
  });

  it('does not fire on a flat or noisy-but-normal series', () => {
    const signals = [
      ...rateSeries('component:default/payments', 60, () => 0.004),
      ...rateSeries(
        'component:default/checkout',
        60,
        i => 0.01 + 0.02 * noise(i, 5),
      ),
    ];
    const result = triage({
      signals,
      changes: [],
      dependsOn: deps,
      nowMs: T0 + 60 * MIN + 1,
    });
    expect(result.findings).toEqual([]);
    expect(result.verdicts.get('component:default/payments')?.state).toBe(
      'normal',
    );
    expect(result.verdicts.get('component:default/checkout')?.state).toBe(
      'normal',
    );
  });

  it('stays silent during cold start, even on a high value', () => {
    const signals = rateSeries('component:default/payments', 4, i =>
      i === 3 ? 0.5 : 0.001,
    );
    const result = triage({
      signals,
      changes: [],
      dependsOn: deps,
      nowMs: T0 + 4 * MIN + 1,
    });
    expect(result.findings).toEqual([]);
    expect(result.verdicts.get('component:default/payments')?.state).toBe(
      'cold',
    );
  });

  it('ignores a small rise below the absolute floor', () => {
    const signals = rateSeries('component:default/payments', 40, i =>
      i >= 37 ? 0.03 : 0.001,
    );
    const verdict = testLatest(
      signals.map(s => ({
        minuteMs: Math.floor(s.tsMs / MIN) * MIN,
        value: s.value!,
      })),
      T0 + 40 * MIN + 1,
    );
    expect(verdict.state).toBe('normal');
  });

  it('uses the error-log ratio when an entity reports no 5xx metric', () => {
    const logs: SignalLike[] = [];
    for (let m = 0; m < 40; m++) {
      for (let k = 0; k < 20; k++) {
        const error = m >= 37 ? k < 8 : k === 0 && m % 10 === 0;
        logs.push({
          entityRef: 'component:default/payments',
          kind: 'log',
          tsMs: T0 + m * MIN + k * 1000,
          text: error
            ? '{"level":"error","msg":"upstream connect error"}'
            : '{"level":"info","msg":"ok"}',
          labels: {},
        });
      }
    }
    const result = triage({
      signals: logs,
      changes: [],
      dependsOn: deps,
      nowMs: T0 + 40 * MIN + 1,
    });
    expect(result.findings.map(f => f.title)).toEqual([
      'Elevated error-log ratio on payments',
    ]);
  });
});

describe('isErrorLog', () => {
  it.each([
    ['{"level":"ERROR","msg":"x"}', {}, true],
    ['level=error msg="db timeout"', {}, true],
    [
      '2026-03-01 12:00:00 ERROR PaymentAuthorizer - NullPointerException',
      {},
      true,
    ],
    [
      '10.0.0.1 - - [01/Mar/2026:12:00:00 +0000] "GET /pay HTTP/1.1" 503 12 "-" "curl"',
      {},
      true,
    ],
    [
      '10.0.0.1 - - [01/Mar/2026:12:00:00 +0000] "GET /pay HTTP/1.1" 200 12 "-" "curl"',
      {},
      false,
    ],
    ['{"level":"info","msg":"error budget ok"}', {}, false],
    ['anything', { level: 'warn' }, false],
  ])('%s -> %s', (text, labels, expected) => {
    expect(isErrorLog(text, labels as Record<string, string>)).toBe(expected);
  });
});

describe('testLatest on the current minute', () => {
  const series = (current: { value: number; n: number }) => [
    ...Array.from({ length: 30 }, (_, i) => ({
      minuteMs: T0 + i * MIN,
      value: 0.003,
      n: 6,
    })),
    { minuteMs: T0 + 30 * MIN, value: current.value, n: current.n },
  ];
  it('examines the open minute once it has enough observations', () => {
    expect(
      testLatest(series({ value: 0.26, n: 3 }), T0 + 30 * MIN + 35_000).state,
    ).toBe('anomalous');
  });
  it('waits when the open minute has too few observations', () => {
    expect(
      testLatest(series({ value: 0.26, n: 2 }), T0 + 30 * MIN + 25_000).state,
    ).toBe('normal');
  });
});
