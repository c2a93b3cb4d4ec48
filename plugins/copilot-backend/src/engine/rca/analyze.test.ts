import type { Anomaly } from '@devops-copilot/backstage-plugin-copilot-common';
import { buildTopology } from '../correlate/topology';
import type { SeriesInput } from '../correlate/types';
import { analyze, standsOut } from './analyze';
import type { Candidate } from './rank';
import type { AnalyzeInput, AnalyzeResult } from './types';
import {
  at,
  entity,
  failing,
  healthy,
  healthyShop,
  series,
  SHOP,
  shopTopology,
  WINDOW,
} from '../../__testUtils__/rca';

const NEWSLETTER = 'component:default/newsletter';

function topologyWithNewsletter() {
  const t = shopTopology();
  const extra = buildTopology([
    entity('Component', 'newsletter', { type: 'service', owner: 'team-web' }),
  ]);
  return {
    nodes: [...t.nodes, ...extra.nodes],
    edges: [...t.edges, ...extra.edges],
  };
}

/** orders-db fails at minute 70 and the failure climbs the call graph one hop per minute. */
function dbCascade(): SeriesInput[] {
  return [
    ...failing(SHOP.ordersDb, 70),
    ...failing(SHOP.orders, 71),
    ...failing(SHOP.checkout, 72),
    ...failing(SHOP.billing, 72),
    ...failing(SHOP.gateway, 73),
    ...failing(SHOP.storefront, 74),
    ...healthy(SHOP.search),
    ...healthy(SHOP.searchDb),
    ...healthy(NEWSLETTER),
  ];
}

function run(partial: Partial<AnalyzeInput>): AnalyzeResult {
  return analyze({
    window: WINDOW,
    alert: { entityRef: SHOP.storefront, atMs: at(75) },
    topology: topologyWithNewsletter(),
    ...partial,
  });
}

function expectEvidenceInvariant(result: AnalyzeResult) {
  const ids = new Set(result.evidence.map(e => e.id));
  for (const h of result.hypotheses) {
    expect(h.supportingEvidenceIds.length).toBeGreaterThan(0);
    for (const id of [...h.supportingEvidenceIds, ...h.counterEvidenceIds])
      expect(ids.has(id)).toBe(true);
    expect(h.confidence).toBeGreaterThanOrEqual(0);
    expect(h.confidence).toBeLessThanOrEqual(1);
  }
}

describe('analyze', () => {
  it('ranks an upstream database failure first and lists the cascade in the blast radius', () => {
    const result = run({ series: dbCascade() });
    expectEvidenceInvariant(result);
    expect(result.abstained).toBe(false);
    const top = result.hypotheses[0];
    expect(top.entityRef).toBe(SHOP.ordersDb);
    expect(['dependency_failure', 'resource_saturation']).toContain(top.kind);
    expect(top.statement).toContain('orders-db');
    expect(top.confidence).toBeGreaterThan(0.5);
    const kinds = result.evidence
      .filter(e => top.supportingEvidenceIds.includes(e.id))
      .map(e => e.kind);
    expect(kinds).toContain('metric_window');
    expect(kinds).toContain('topology');

    const radius = result.blastRadius!;
    expect(radius.rootEntityRef).toBe(SHOP.ordersDb);
    const impacted = new Map(radius.impacted.map(i => [i.entityRef, i]));
    for (const ref of [
      SHOP.orders,
      SHOP.checkout,
      SHOP.billing,
      SHOP.gateway,
      SHOP.storefront,
    ]) {
      expect(impacted.get(ref)?.anomalous).toBe(true);
    }
    expect(impacted.size).toBe(5);
    expect(impacted.get(SHOP.orders)?.depth).toBe(1);
    expect(impacted.get(SHOP.billing)?.depth).toBe(2);
    expect(impacted.get(SHOP.storefront)?.depth).toBe(4);
    expect(impacted.get(SHOP.checkout)?.owner).toBe(
      'group:default/team-orders',
    );
    expect(radius.owners).toEqual([
      'group:default/team-data',
      'group:default/team-orders',
      'group:default/team-web',
    ]);
    expect(radius.risk.level).toBe('high');
  });

  it('names a bad deploy right before the onset on the root entity, citing the change', () => {
    const result = run({
      series: [
        ...failing(SHOP.orders, 70),
        ...failing(SHOP.checkout, 71),
        ...failing(SHOP.billing, 71),
        ...failing(SHOP.gateway, 72),
        ...failing(SHOP.storefront, 73),
        ...healthy(SHOP.ordersDb),
        ...healthy(SHOP.search),
        ...healthy(SHOP.searchDb),
      ],
      changes: [
        {
          id: 'd1',
          entityRef: SHOP.orders,
          kind: 'deploy',
          tsMs: at(68),
          version: 'v2.0.0',
          author: 'alice',
        },
        {
          id: 'd0',
          entityRef: SHOP.search,
          kind: 'deploy',
          tsMs: at(20),
          version: 'v1.1.0',
        },
      ],
    });
    expectEvidenceInvariant(result);
    const top = result.hypotheses[0];
    expect(top.entityRef).toBe(SHOP.orders);
    expect(top.kind).toBe('bad_deploy');
    expect(top.supportingEvidenceIds).toContain('ev:change:d1');
    expect(top.statement).toMatch(/deploy v2\.0\.0 by alice/);
    expect(result.evidence.find(e => e.id === 'ev:change:d1')?.kind).toBe(
      'change',
    );
  });

  it('discounts a deploy on an unrelated service or after the onset, citing it against', () => {
    const result = run({
      series: dbCascade(),
      changes: [
        // Two minutes before the onset, but nothing anomalous depends on the newsletter.
        {
          id: 'unrelated',
          entityRef: NEWSLETTER,
          kind: 'deploy',
          tsMs: at(68),
        },
        // On a victim, after its symptoms started.
        { id: 'late', entityRef: SHOP.checkout, kind: 'deploy', tsMs: at(76) },
      ],
    });
    expectEvidenceInvariant(result);
    expect(result.hypotheses[0].entityRef).toBe(SHOP.ordersDb);
    expect(result.hypotheses[0].kind).not.toBe('bad_deploy');
    const counter = result.hypotheses.flatMap(h => h.counterEvidenceIds);
    expect(counter).toContain('ev:change:unrelated');
    expect(counter).toContain('ev:change:late');
    // The newsletter has nothing supporting it: no hypothesis names it.
    expect(result.hypotheses.some(h => h.entityRef === NEWSLETTER)).toBe(false);
    const late = result.evidence.find(e => e.id === 'ev:change:late')!;
    expect(late.summary).toMatch(/after the onset/);
  });

  it('recognises a traffic surge entering at the edge with no change', () => {
    const surge = (onset: number, factor: number) => (m: number, v: number) =>
      m >= onset ? v * factor : undefined;
    const series_: SeriesInput[] = [];
    const chain = [
      SHOP.storefront,
      SHOP.gateway,
      SHOP.checkout,
      SHOP.orders,
      SHOP.ordersDb,
    ];
    chain.forEach((ref, i) => {
      series_.push(
        series(
          ref,
          'http_requests_total',
          1000,
          30,
          surge(70, i === 0 ? 4 : 3),
        ),
      );
      series_.push(series(ref, 'latency_p95_ms', 100, 5, surge(71 + i, 2)));
      series_.push(series(ref, 'cpu_util', 0.3, 0.02, surge(71, 2.5)));
      series_.push(series(ref, 'http_5xx_rate', 0.002, 0.0005));
    });
    for (const ref of [SHOP.billing, SHOP.search, SHOP.searchDb])
      series_.push(...healthy(ref));
    const result = run({ series: series_ });
    expectEvidenceInvariant(result);
    expect(result.hypotheses[0].entityRef).toBe(SHOP.storefront);
    expect(result.hypotheses[0].kind).toBe('traffic_surge');
    expect(result.abstained).toBe(false);
  });

  it('abstains on a flat window, saying why', () => {
    const result = run({ series: healthyShop() });
    expectEvidenceInvariant(result);
    expect(result.abstained).toBe(true);
    expect(result.hypotheses[0].kind).toBe('none');
    expect(result.hypotheses[0].entityRef).toBeUndefined();
    expect(result.hypotheses[0].statement).toMatch(/No single root cause/);
  });

  it('abstains on two unrelated weak, brief anomalies', () => {
    const blip = (m: number, v: number) =>
      m >= 74 && m < 76 ? v * 1.4 : undefined;
    const result = run({
      series: [
        ...healthyShop([SHOP.searchDb]),
        series(SHOP.searchDb, 'latency_p95_ms', 100, 5, blip),
        ...healthy(NEWSLETTER).slice(1),
        series(NEWSLETTER, 'latency_p95_ms', 100, 5, blip),
      ],
    });
    expectEvidenceInvariant(result);
    expect(result.abstained).toBe(true);
    expect(result.hypotheses[0].kind).toBe('none');
  });

  it('abstains on two strong unrelated faults, listing both below', () => {
    const result = run({
      alert: undefined,
      series: [
        ...failing(SHOP.ordersDb, 70),
        ...failing(SHOP.orders, 71),
        ...failing(SHOP.checkout, 72),
        ...failing(SHOP.searchDb, 70),
        ...failing(SHOP.search, 71),
        ...healthy(SHOP.billing),
        ...healthy(SHOP.gateway),
        ...healthy(SHOP.storefront),
      ],
    });
    expectEvidenceInvariant(result);
    expect(result.abstained).toBe(true);
    expect(result.hypotheses[0].kind).toBe('none');
    const listed = result.hypotheses.slice(1, 3).map(h => h.entityRef);
    expect(listed).toEqual(
      expect.arrayContaining([SHOP.ordersDb, SHOP.searchDb]),
    );
  });

  it('works from detector anomaly windows alone', () => {
    const anomaly = (ref: string, minute: number, score: number): Anomaly => ({
      id: `a-${ref}`,
      entityRef: ref,
      seriesKey: `metric:${ref}:latency_p95_ms`,
      kind: 'metric',
      metric: 'latency_p95_ms',
      status: 'open',
      windowFrom: new Date(at(minute)).toISOString(),
      windowTo: new Date(at(85)).toISOString(),
      peakAt: new Date(at(minute + 2)).toISOString(),
      score,
      direction: 'up',
      value: 400,
      expected: 100,
      band: [90, 110],
      robustSigmas: 12,
      detectors: [{ detector: 'seasonal-mad', score, detail: '12 sigmas' }],
      seasonality: [],
      summary: `p95 latency 400 ms vs expected 90-110 ms on ${ref}`,
      createdAt: new Date(at(85)).toISOString(),
      updatedAt: new Date(at(85)).toISOString(),
    });
    const result = run({
      anomalies: [
        anomaly(SHOP.storefront, 74, 0.9),
        anomaly(SHOP.gateway, 73, 0.9),
        anomaly(SHOP.checkout, 72, 0.9),
        anomaly(SHOP.orders, 71, 0.95),
        anomaly(SHOP.ordersDb, 70, 0.95),
      ],
    });
    expectEvidenceInvariant(result);
    expect(result.hypotheses[0].entityRef).toBe(SHOP.ordersDb);
    expect(result.hypotheses[0].supportingEvidenceIds).toContain(
      `ev:anomaly:a-${SHOP.ordersDb}`,
    );
  });

  it('never returns a hypothesis without supporting evidence', () => {
    const inputs: Array<Partial<AnalyzeInput>> = [
      { series: dbCascade() },
      { series: healthyShop() },
      { series: [] },
      {
        series: healthyShop(),
        changes: [
          { id: 'c', entityRef: SHOP.search, kind: 'deploy', tsMs: at(80) },
        ],
      },
      {
        changes: [
          {
            id: 'c',
            entityRef: SHOP.search,
            kind: 'config_change',
            tsMs: at(70),
          },
        ],
      },
    ];
    for (const input of inputs) {
      const result = run(input);
      expectEvidenceInvariant(result);
    }
    expect(run({ series: [] }).hypotheses).toEqual([]);
  });

  it('gives calibrated confidences: they sum with the unexplained share to 1 and grow with evidence', () => {
    const strong = run({ series: dbCascade() });
    const total =
      strong.hypotheses.reduce((s, h) => s + h.confidence, 0) +
      strong.unexplained;
    expect(total).toBeLessThanOrEqual(1 + 1e-9);
    expect(strong.unexplained).toBeGreaterThan(0);

    const mild = run({
      series: [
        series(SHOP.ordersDb, 'latency_p95_ms', 100, 5, (m, v) =>
          m >= 70 ? v * 1.3 : undefined,
        ),
        ...healthyShop([SHOP.ordersDb]),
      ],
    });
    const mildTop = mild.hypotheses.find(h => h.entityRef === SHOP.ordersDb);
    const strongTop = strong.hypotheses.find(
      h => h.entityRef === SHOP.ordersDb,
    )!;
    expect(
      mildTop === undefined || mildTop.confidence < strongTop.confidence,
    ).toBe(true);
  });

  it('follows the symptom the alert names when two branches degrade', () => {
    // search-db: latency only; orders-db: errors only; the alert is about 5xx at the storefront.
    const slow = (m: number, v: number) => (m >= 70 ? v * 3 : undefined);
    const erroring = (m: number, v: number) => (m >= 70 ? 0.2 + v : undefined);
    const branch = (
      refs: string[],
      metric: string,
      base: number,
      noise: number,
      f: typeof slow,
    ) => refs.map(r => series(r, metric, base, noise, f));
    const quiet = (
      refs: string[],
      metric: string,
      base: number,
      noise: number,
    ) => refs.map(r => series(r, metric, base, noise));
    const errorsBranch = [
      SHOP.ordersDb,
      SHOP.orders,
      SHOP.checkout,
      SHOP.gateway,
      SHOP.storefront,
    ];
    const latencyBranch = [SHOP.searchDb, SHOP.search];
    const input: Partial<AnalyzeInput> = {
      series: [
        ...branch(errorsBranch, 'http_5xx_rate', 0.002, 0.0005, erroring),
        ...quiet(errorsBranch, 'latency_p95_ms', 100, 5),
        ...branch(latencyBranch, 'latency_p95_ms', 100, 5, slow),
        ...quiet(latencyBranch, 'http_5xx_rate', 0.002, 0.0005),
        ...healthy(SHOP.billing),
      ],
    };
    const errorsAlert = run({
      ...input,
      alert: {
        entityRef: SHOP.storefront,
        atMs: at(75),
        title: 'storefront: 5xx rate above 1%',
      },
    });
    expect(errorsAlert.hypotheses.find(h => h.kind !== 'none')?.entityRef).toBe(
      SHOP.ordersDb,
    );
  });

  it('scores thin, coarse series (a few 5-minute points) against their first half', () => {
    const coarse = (
      ref: string,
      metric: string,
      base: number,
      bad: number,
    ): SeriesInput => ({
      entityRef: ref,
      metric,
      tsMs: [-20, -15, -10, -5, 0, 5, 10].map(m => at(75 + m)),
      values: [base, base * 1.02, base * 0.98, bad, bad, bad, bad],
    });
    const result = run({
      window: { fromMs: at(5), toMs: at(90) },
      series: [
        coarse(SHOP.ordersDb, 'latency_avg_ms', 10, 300),
        coarse(SHOP.orders, 'latency_avg_ms', 20, 320),
        coarse(SHOP.checkout, 'latency_avg_ms', 30, 330),
        coarse(SHOP.gateway, 'latency_avg_ms', 40, 340),
        coarse(SHOP.storefront, 'latency_avg_ms', 50, 350),
        coarse(SHOP.search, 'latency_avg_ms', 20, 20),
      ],
    });
    expectEvidenceInvariant(result);
    expect(result.hypotheses.find(h => h.kind !== 'none')?.entityRef).toBe(
      SHOP.ordersDb,
    );
  });

  describe('thin baselines', () => {
    /**
     * Six 5-minute points from minute 65; the alert fires at minute 75, the third point: only two
     * normal points come before it. `bad` replaces the values from `from` (a point index) on.
     */
    const coarse = (
      ref: string,
      base: number,
      bad?: number,
      from = 2,
      metric = 'latency_avg_ms',
    ): SeriesInput => ({
      entityRef: ref,
      metric,
      tsMs: [65, 70, 75, 80, 85, 90].map(at),
      values: [1.04, 0.96, 1.01, 0.99, 1.03, 0.97].map((f, i) =>
        bad !== undefined && i >= from ? bad : base * f,
      ),
    });
    const alert = {
      entityRef: SHOP.storefront,
      atMs: at(75),
      title: 'storefront latency above its SLO',
    };
    /** orders-db fails at the third point; its callers up to the storefront follow. */
    const failingChain = () => [
      coarse(SHOP.ordersDb, 10, 300),
      coarse(SHOP.orders, 20, 320),
      coarse(SHOP.checkout, 30, 330),
      coarse(SHOP.gateway, 40, 340),
      coarse(SHOP.storefront, 50, 350),
    ];

    it('ranks the deepest anomalous dependency first against two baseline points', () => {
      const result = run({
        alert,
        series: [
          ...failingChain(),
          // Two baseline points that happen to agree (no own scale), then an ordinary wobble.
          {
            ...coarse(SHOP.search, 100),
            values: [100, 100, 106, 97, 104, 101],
          },
          coarse(SHOP.searchDb, 5),
        ],
      });
      expectEvidenceInvariant(result);
      const named = result.hypotheses.filter(h => h.kind !== 'none');
      expect(named[0]?.entityRef).toBe(SHOP.ordersDb);
      // The wobble is within the noise of the same metric elsewhere: no hypothesis rests on it.
      expect(named.map(h => h.entityRef)).not.toContain(SHOP.search);
    });

    it('still names an ongoing fault, with a baseline of two points', () => {
      const result = run({
        alert,
        series: [
          ...failingChain(),
          coarse(SHOP.search, 100),
          coarse(SHOP.searchDb, 5),
        ],
      });
      expect(result.abstained).toBe(false);
      expect(result.hypotheses[0].entityRef).toBe(SHOP.ordersDb);
      expect(result.hypotheses[0].confidence).toBeGreaterThan(0.3);
    });
  });

  describe('a self-recovering blip', () => {
    const blip = (end: number) => [
      series(SHOP.storefront, 'latency_p95_ms', 100, 5, (m, v) =>
        m >= 73 && m < end ? v * 3 : undefined,
      ),
      series(SHOP.storefront, 'http_5xx_rate', 0.002, 0.0005),
      series(SHOP.storefront, 'http_requests_total', 1000, 30),
      ...healthyShop([SHOP.storefront]),
    ];
    const input = (end: number): Partial<AnalyzeInput> => ({
      alert: {
        entityRef: SHOP.storefront,
        atMs: at(74),
        title: 'storefront latency p95 above its SLO',
      },
      series: blip(end),
      // Routine deploys around it, on services that stayed healthy.
      changes: [
        {
          id: 'r1',
          entityRef: SHOP.search,
          kind: 'deploy',
          tsMs: at(71),
          version: 'v1.2.3',
          author: 'ci-bot',
        },
        {
          id: 'r2',
          entityRef: SHOP.checkout,
          kind: 'deploy',
          tsMs: at(66),
          version: 'v4.0.1',
          author: 'ci-bot',
        },
      ],
    });

    it('abstains when it is over, with no change and no spread', () => {
      const result = run(input(75));
      expectEvidenceInvariant(result);
      expect(result.abstained).toBe(true);
      expect(result.hypotheses[0].kind).toBe('none');
    });

    it('names the same anomaly while it is still going on', () => {
      const result = run(input(90));
      expect(result.abstained).toBe(false);
      expect(result.hypotheses[0].entityRef).toBe(SHOP.storefront);
    });
  });

  it('uses the first part of the window as baseline when there is no history before it', () => {
    const late = (s: SeriesInput): SeriesInput => ({
      ...s,
      // Keep only minutes 30..89: no point before the window.
      tsMs: s.tsMs.slice(30),
      values: s.values.slice(30),
    });
    const result = run({
      window: { fromMs: at(30), toMs: at(90) },
      alert: { entityRef: SHOP.storefront, atMs: at(80) },
      series: dbCascade().map(late),
    });
    expect(result.hypotheses[0].entityRef).toBe(SHOP.ordersDb);
  });

  it('does not blame a dependency whose added latency is far smaller than its caller’s', () => {
    // orders-db gets 3 ms slower a minute early (many sigmas of its quiet baseline); orders-service
    // then gets 500 ms slower and the rise climbs to the storefront. 3 ms cannot account for
    // 500 ms: orders-service is the root.
    const slower = (onset: number, by: number) => (m: number, v: number) =>
      m >= onset ? v + by : undefined;
    const result = run({
      alert: {
        entityRef: SHOP.storefront,
        atMs: at(75),
        title: 'storefront latency p95 above its SLO',
      },
      series: [
        series(SHOP.ordersDb, 'latency_p95_ms', 5, 0.2, slower(69, 3)),
        series(SHOP.orders, 'latency_p95_ms', 100, 5, slower(70, 500)),
        series(SHOP.checkout, 'latency_p95_ms', 100, 5, slower(71, 500)),
        series(SHOP.gateway, 'latency_p95_ms', 100, 5, slower(72, 500)),
        series(SHOP.storefront, 'latency_p95_ms', 100, 5, slower(73, 500)),
        ...healthy(SHOP.search),
        ...healthy(SHOP.searchDb),
      ],
    });
    expectEvidenceInvariant(result);
    expect(result.abstained).toBe(false);
    expect(result.hypotheses[0].entityRef).toBe(SHOP.orders);
    expect(result.hypotheses.map(h => h.entityRef)).toContain(SHOP.ordersDb);
  });

  it('does not make an erroring caller the victim of a dependency that only got slower', () => {
    // orders-db is three times slower from minute 69 (no errors); orders-service starts failing
    // requests at 70 without getting slower: its errors are its own.
    const result = run({
      alert: {
        entityRef: SHOP.storefront,
        atMs: at(75),
        title: 'storefront: 5xx rate above 1%',
      },
      series: [
        series(SHOP.ordersDb, 'latency_p95_ms', 5, 0.2, (m, v) =>
          m >= 69 ? v * 3 : undefined,
        ),
        ...[SHOP.orders, SHOP.checkout, SHOP.gateway, SHOP.storefront].map(
          (ref, i) =>
            series(ref, 'http_5xx_rate', 0.002, 0.0005, (m, v) =>
              m >= 70 + Math.min(i, 3) ? 0.2 + v : undefined,
            ),
        ),
        ...[SHOP.orders, SHOP.checkout, SHOP.gateway, SHOP.storefront].map(
          ref => series(ref, 'latency_p95_ms', 100, 5),
        ),
        ...healthy(SHOP.search),
      ],
    });
    expectEvidenceInvariant(result);
    expect(result.abstained).toBe(false);
    expect(result.hypotheses[0].entityRef).toBe(SHOP.orders);
  });

  it('treats a symptom established long before the alert entity’s as pre-existing', () => {
    // search and search-db have been slow since minute 61 while the storefront stayed healthy;
    // orders-service breaks at 72 and the storefront follows at 74.
    const slow = (onset: number) => (m: number, v: number) =>
      m >= onset ? v * 4 : undefined;
    const result = run({
      alert: {
        entityRef: SHOP.storefront,
        atMs: at(75),
        title: 'storefront latency p95 above its SLO',
      },
      series: [
        series(SHOP.searchDb, 'latency_p95_ms', 100, 5, slow(61)),
        series(SHOP.search, 'latency_p95_ms', 100, 5, slow(61)),
        series(SHOP.orders, 'latency_p95_ms', 100, 5, slow(72)),
        series(SHOP.checkout, 'latency_p95_ms', 100, 5, slow(73)),
        series(SHOP.gateway, 'latency_p95_ms', 100, 5, slow(73)),
        series(SHOP.storefront, 'latency_p95_ms', 100, 5, slow(74)),
        ...healthy(SHOP.ordersDb),
      ],
    });
    expectEvidenceInvariant(result);
    // Not two independent faults: the old slowness is background, not a second root cause.
    expect(result.abstained).toBe(false);
    expect(result.hypotheses[0].entityRef).toBe(SHOP.orders);
  });

  it('lets a clear candidate on the alert’s path stand out, but not a weak, pre-existing or unrelated one', () => {
    const base: Candidate = {
      entityRef: SHOP.orders,
      failure: 0.9,
      load: 0,
      own: 0.9,
      loadRoot: false,
      explained: 0.2,
      totalMass: 3,
      explains: [],
      explainedMass: new Map(),
      penalty: 0.5,
      loadPenalty: 0,
      earliness: 1,
      changeLikelihood: 0,
      alertRelated: 1,
      preexisting: 0,
      transient: 0,
      score: 4,
    };
    expect(standsOut(base)).toBe(true);
    expect(standsOut({ ...base, own: 0.4 })).toBe(false);
    expect(standsOut({ ...base, preexisting: 0.8 })).toBe(false);
    expect(standsOut({ ...base, alertRelated: 0 })).toBe(false);
  });
});
