// Fixtures for the correlate / rca tests: a small catalog, deterministic noisy series, faults.
import {
  buildTopology,
  type CatalogEntityLike,
} from '../engine/correlate/topology';
import type { SeriesInput, Topology } from '../engine/correlate/types';

/** Start of the fixtures' data (baseline hour, then the incident half hour). */
export const T0 = Date.UTC(2026, 2, 1, 11, 0);
/** One minute. */
export const MIN = 60_000;
/** The incident window: minutes 60..90. */
export const WINDOW = { fromMs: T0 + 60 * MIN, toMs: T0 + 90 * MIN };
/** Minute index -> epoch ms. */
export const at = (minute: number) => T0 + minute * MIN;

/** A catalog entity descriptor, as in catalog-info.yaml. */
export function entity(
  kind: 'Component' | 'Resource' | 'API' | 'System' | 'Group',
  name: string,
  spec: Record<string, unknown> = {},
): CatalogEntityLike {
  return { kind, metadata: { name }, spec };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++)
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A per-minute series over minutes 0..89: `base` plus uniform noise of +-`noise`, replaced by
 * `fault(minute, value)` where it returns a number.
 */
export function series(
  entityRef: string,
  metric: string,
  base: number,
  noise: number,
  fault?: (minute: number, value: number) => number | undefined,
  kind: SeriesInput['kind'] = 'metric',
): SeriesInput {
  const rnd = mulberry32(seedOf(`${entityRef}|${metric}`));
  const tsMs: number[] = [];
  const values: number[] = [];
  for (let m = 0; m < 90; m++) {
    const v = base + (rnd() * 2 - 1) * noise;
    tsMs.push(at(m));
    values.push(fault?.(m, v) ?? v);
  }
  return { entityRef, metric, kind, tsMs, values };
}

/** Latency, error rate, request volume and cpu of a healthy service. */
export function healthy(entityRef: string): SeriesInput[] {
  return [
    series(entityRef, 'latency_p95_ms', 100, 5),
    series(entityRef, 'http_5xx_rate', 0.002, 0.0005),
    series(entityRef, 'http_requests_total', 1000, 30),
    series(entityRef, 'cpu_util', 0.3, 0.02),
  ];
}

/** A service failing from `onset`: latency x4 and 20% errors. */
export function failing(entityRef: string, onset: number): SeriesInput[] {
  return [
    series(entityRef, 'latency_p95_ms', 100, 5, (m, v) =>
      m >= onset ? v * 4 : undefined,
    ),
    series(entityRef, 'http_5xx_rate', 0.002, 0.0005, (m, v) =>
      m >= onset ? 0.2 + v : undefined,
    ),
    series(entityRef, 'http_requests_total', 1000, 30),
    series(entityRef, 'cpu_util', 0.3, 0.02),
  ];
}

/**
 * The shop: storefront -> api-gateway -> checkout, billing (via billing-api) -> orders-service ->
 * orders-db; api-gateway -> search -> search-db. Owners per team.
 */
export function shopTopology(): Topology {
  return buildTopology([
    entity('Group', 'team-web'),
    entity('Group', 'team-orders'),
    entity('Group', 'team-data'),
    entity('System', 'shop', { owner: 'team-web' }),
    entity('Component', 'storefront', {
      type: 'website',
      owner: 'team-web',
      system: 'shop',
      dependsOn: ['component:api-gateway'],
    }),
    entity('Component', 'api-gateway', {
      type: 'service',
      owner: 'team-web',
      system: 'shop',
      dependsOn: ['component:checkout', 'component:search'],
      consumesApis: ['billing-api'],
    }),
    entity('Component', 'checkout', {
      type: 'service',
      owner: 'team-orders',
      dependsOn: ['component:orders-service'],
    }),
    entity('API', 'billing-api', { type: 'openapi', owner: 'team-orders' }),
    entity('Component', 'billing', {
      type: 'service',
      owner: 'team-orders',
      providesApis: ['billing-api'],
      dependsOn: ['component:orders-service'],
    }),
    entity('Component', 'orders-service', {
      type: 'service',
      owner: 'team-orders',
      dependsOn: ['resource:orders-db'],
    }),
    entity('Resource', 'orders-db', { type: 'database', owner: 'team-data' }),
    entity('Component', 'search', {
      type: 'service',
      owner: 'team-web',
      dependsOn: ['resource:search-db'],
    }),
    entity('Resource', 'search-db', { type: 'database', owner: 'team-data' }),
  ]);
}

/** Entity refs of the shop. */
export const SHOP = {
  storefront: 'component:default/storefront',
  gateway: 'component:default/api-gateway',
  checkout: 'component:default/checkout',
  billing: 'component:default/billing',
  orders: 'component:default/orders-service',
  ordersDb: 'resource:default/orders-db',
  search: 'component:default/search',
  searchDb: 'resource:default/search-db',
} as const;

/** Healthy series for every shop entity except those listed. */
export function healthyShop(except: string[] = []): SeriesInput[] {
  return Object.values(SHOP)
    .filter(ref => !except.includes(ref))
    .flatMap(healthy);
}
