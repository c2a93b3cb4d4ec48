import {
  matchesSelector,
  parseSelector,
  parseSloAnnotation,
} from './annotations';

describe('parseSelector', () => {
  it('parses every operator and matches labels', () => {
    const m = parseSelector(
      'app=checkout, namespace!=kube-system,pod=~checkout-.*,env!~dev|test',
    );
    expect(m).toEqual([
      { key: 'app', op: '=', value: 'checkout' },
      { key: 'namespace', op: '!=', value: 'kube-system' },
      { key: 'pod', op: '=~', value: 'checkout-.*' },
      { key: 'env', op: '!~', value: 'dev|test' },
    ]);
    expect(
      matchesSelector(m, {
        app: 'checkout',
        namespace: 'shop',
        pod: 'checkout-7d9',
        env: 'prod',
      }),
    ).toBe(true);
    expect(
      matchesSelector(m, {
        app: 'checkout',
        namespace: 'shop',
        pod: 'cart-1',
        env: 'prod',
      }),
    ).toBe(false);
    expect(
      matchesSelector(m, {
        app: 'checkout',
        namespace: 'shop',
        pod: 'checkout-1',
        env: 'dev',
      }),
    ).toBe(false);
  });

  it('rejects malformed selectors with a message naming the part', () => {
    expect(() => parseSelector('')).toThrow(/empty/);
    expect(() => parseSelector('app')).toThrow(/'app' is not a matcher/);
    expect(() => parseSelector('pod=~(')).toThrow(/invalid regex/);
  });
});

describe('parseSloAnnotation', () => {
  it('parses ratio and threshold SLOs', () => {
    expect(
      parseSloAnnotation(
        'availability: 99.9% over 30d; latency_p95_ms < 300 over 7d',
      ),
    ).toEqual([
      {
        name: 'availability',
        objective: 0.999,
        window: '30d',
        windowMs: 30 * 86_400_000,
      },
      {
        name: 'latency_p95_ms',
        comparator: '<',
        threshold: 300,
        window: '7d',
        windowMs: 7 * 86_400_000,
      },
    ]);
  });

  it('parses the share of good minutes of a threshold SLO', () => {
    expect(
      parseSloAnnotation('latency_p95_ms <= 250 for 99.5% over 1w'),
    ).toEqual([
      {
        name: 'latency_p95_ms',
        comparator: '<=',
        threshold: 250,
        objective: 0.995,
        window: '1w',
        windowMs: 7 * 86_400_000,
      },
    ]);
    expect(() =>
      parseSloAnnotation('latency_p95_ms < 300 for 100% over 7d'),
    ).toThrow(/share of good minutes must be between 0% and 100%/);
  });

  it('rejects bad SLOs clearly', () => {
    expect(() => parseSloAnnotation('availability: 100% over 30d')).toThrow(
      /between 0% and 100%/,
    );
    expect(() => parseSloAnnotation('availability 99.9 over a month')).toThrow(
      /not understood/,
    );
    expect(() => parseSloAnnotation(' ; ')).toThrow(/empty/);
  });
});
