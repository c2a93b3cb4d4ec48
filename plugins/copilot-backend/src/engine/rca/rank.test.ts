import { TopologyGraph } from '../correlate/topology';
import type { EntityAnomaly } from '../correlate/types';
import { at, SHOP, shopTopology } from '../../__testUtils__/rca';
import { latencyShare, rankCandidates } from './rank';

function entityAnomaly(
  entityRef: string,
  onset: number,
  failure: number,
  load = 0,
): EntityAnomaly {
  return {
    entityRef,
    onsetMs: at(onset),
    failure,
    load,
    loadOnsetMs: load > 0 ? at(onset) : undefined,
    strength: Math.max(failure, load),
    anomalies: [],
  };
}

describe('rankCandidates', () => {
  it('needs a clear load rise to take an entity as where load entered', () => {
    const graph = new TopologyGraph(shopTopology());
    const rank = (load: number) =>
      rankCandidates({
        entities: new Map([
          [SHOP.storefront, entityAnomaly(SHOP.storefront, 69, 0.9, load)],
          [SHOP.gateway, entityAnomaly(SHOP.gateway, 70, 0.9)],
          [SHOP.checkout, entityAnomaly(SHOP.checkout, 70, 0.95)],
        ]),
        graph,
        impacts: [],
        alertEntityRef: SHOP.storefront,
        slackMs: 60_000,
      });
    // A faint rise in requests at the edge (within a few sigmas) is traffic drift.
    const faint = rank(0.3).find(c => c.entityRef === SHOP.storefront)!;
    expect(faint.loadRoot).toBe(false);
    const surge = rank(0.9).find(c => c.entityRef === SHOP.storefront)!;
    expect(surge.loadRoot).toBe(true);
  });
});

describe('rankCandidates with a load rise that does not fail', () => {
  it('does not credit a callee with its callers’ failures for its extra load alone', () => {
    const graph = new TopologyGraph(shopTopology());
    // search-db gets more requests (no caller saw them rise: a load root) but does not fail;
    // search, a caller, fails from the same minute and the failure climbs to the storefront.
    const rank = (dbFailure: number) =>
      rankCandidates({
        entities: new Map([
          [SHOP.searchDb, entityAnomaly(SHOP.searchDb, 70, dbFailure, 0.9)],
          [SHOP.search, entityAnomaly(SHOP.search, 70, 0.95)],
          [SHOP.gateway, entityAnomaly(SHOP.gateway, 71, 0.9)],
          [SHOP.storefront, entityAnomaly(SHOP.storefront, 72, 0.9)],
        ]),
        graph,
        impacts: [],
        alertEntityRef: SHOP.storefront,
        slackMs: 60_000,
      });
    const quiet = rank(0).find(c => c.entityRef === SHOP.searchDb)!;
    expect(quiet.loadRoot).toBe(true);
    expect(quiet.explains).toEqual([]);
    // The extra requests harmed nothing: no evidence of its own about the alert's symptom.
    expect(quiet.own).toBe(0);
    expect(rank(0)[0].entityRef).toBe(SHOP.search);
    // Failing itself, it passes its failure on to its callers as any dependency does.
    const failing = rank(0.9).find(c => c.entityRef === SHOP.searchDb)!;
    expect(failing.explains).toContain(SHOP.search);
  });
});

describe('rankCandidates with a surge where traffic enters', () => {
  it('counts the load of a load root that harmed a callee or is the alert entity', () => {
    const graph = new TopologyGraph(shopTopology());
    const entities = new Map([
      [SHOP.gateway, entityAnomaly(SHOP.gateway, 70, 0, 0.9)],
      [SHOP.search, { ...entityAnomaly(SHOP.search, 70, 0.8, 0.8) }],
    ]);
    const rank = (alertEntityRef?: string) =>
      rankCandidates({
        entities,
        graph,
        impacts: [],
        alertEntityRef,
        slackMs: 60_000,
      }).find(c => c.entityRef === SHOP.gateway)!;
    // The gateway's extra traffic reached search, which fails under it.
    const gw = rank();
    expect(gw.loadRoot).toBe(true);
    expect(gw.own).toBeCloseTo(0.9);
    expect(gw.explains).toContain(SHOP.search);
    // Alone (no callee hurt), it counts only when it is the alert entity itself.
    entities.delete(SHOP.search);
    expect(rank(SHOP.gateway).own).toBeCloseTo(0.9);
    expect(rank().own).toBe(0);
  });
});

describe('latencyShare', () => {
  const rise = new Map([
    [SHOP.ordersDb, new Map([['latency_p95_ms', 3]])],
    [SHOP.orders, new Map([['latency_p95_ms', 500]])],
    [SHOP.checkout, new Map([['latency_p95_ms', 450]])],
    [SHOP.search, new Map([['latency_avg_ms', 40]])],
  ]);

  it('is small when a dependency added far less latency than its caller', () => {
    expect(latencyShare(rise, SHOP.ordersDb, SHOP.orders)).toBeLessThan(0.05);
    expect(latencyShare(rise, SHOP.orders, SHOP.checkout)).toBe(1);
  });

  it('is 1 when the magnitudes are not comparable', () => {
    expect(latencyShare(rise, SHOP.search, SHOP.orders)).toBe(1);
    expect(latencyShare(rise, SHOP.gateway, SHOP.orders)).toBe(1);
    expect(latencyShare(undefined, SHOP.ordersDb, SHOP.orders)).toBe(1);
  });
});
