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
