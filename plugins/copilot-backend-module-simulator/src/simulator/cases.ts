// Labeled RCA incident cases (DESIGN.md section 8) from the simulated shop: per case a fault scenario,
// the alert it raises, and the signals of a window around it; deterministic for a seed.
import type { SignalInput } from '@devops-copilot/backstage-plugin-copilot-common';
import { generateWindow } from './generate';
import { streamOf, uniform } from './random';
import {
  NO_EFFECT,
  type ChangeSpec,
  type FaultEffect,
  type FaultKind,
  type FaultLogLine,
  type FaultSpec,
  type Scenario,
} from './scenarios';
import type { SimTopology } from './topology';

const MINUTE = 60_000;
const MB = 1024 * 1024;

/** One labeled case: a scenario plus the alert it raises (times in minutes from the incident). */
export interface CaseDefinition {
  id: string;
  scenario: Scenario;
  alert: { entity: string; atMinute: number; title: string };
  /** Entities of `scenario.changes` that are deliberately not the cause. */
  redHerring?: string;
}

/** A generated case, in the case format (entity refs, ISO times). */
export interface SimCase {
  id: string;
  description: string;
  alert: { entity: string; at: string; title: string };
  window: { from: string; to: string };
  truth: { entity: string | null; kind: FaultKind };
  signals: SignalInput[];
}

const fx = (p: Partial<FaultEffect>): FaultEffect => ({ ...NO_EFFECT, ...p });
const warn = (text: string): FaultLogLine => ({ level: 'warn', text });
const constant = (e: FaultEffect) => () => e;

function change(
  target: string,
  key: ChangeSpec['key'],
  atMinute: number,
  author: string,
  diff: string,
  version?: string,
): ChangeSpec {
  return {
    atMinute,
    target,
    key,
    author,
    diff,
    ...(version ? { version } : {}),
  };
}

/** A leak that fills the heap in `period` minutes, then the pod is OOM-killed and starts again. */
function leak(name: string, growthMb: number, period: number) {
  return (m: number): FaultEffect => {
    const restarts = Math.floor(m / period);
    const cycle = m % period;
    const fill = cycle / period;
    const restarting = restarts > 0 && cycle < 2;
    return fx({
      memoryBytes: growthMb * MB * cycle,
      restarts,
      latencyFactor: 1 + Math.max(0, fill - 0.6) * 4,
      errorRate: restarting ? 0.22 : Number(fill > 0.85) * 0.03,
      errorMessages: restarting
        ? [
            `upstream ${name} pod not ready (restarting after OOMKilled)`,
            'java.lang.OutOfMemoryError: Java heap space',
          ]
        : ['GC overhead limit exceeded'],
      logLines: [
        ...(cycle === 0 && restarts > 0
          ? [
              {
                level: 'error' as const,
                text: `container ${name} was OOMKilled (exit code 137, limit ${
                  growthMb * period
                }Mi above request); restarting, restart count ${restarts}`,
                oncePerMinute: true,
              },
            ]
          : []),
        ...(fill > 0.6
          ? [
              warn(
                `Pause Full (Allocation Failure) ${Math.round(
                  400 + growthMb * cycle,
                )}M->${Math.round(395 + growthMb * cycle)}M ${(
                  80 +
                  fill * 400
                ).toFixed(1)}ms`,
              ),
            ]
          : []),
      ],
    });
  };
}

function slowQuery(statement: string, ms: number): FaultEffect {
  return fx({
    latencyFactor: 8,
    cpuUtil: 0.86,
    errorRate: 0.02,
    errorLevel: 'ERROR',
    errorMessages: ['canceling statement due to statement timeout'],
    logLines: [
      warn(`duration: ${ms.toFixed(3)} ms  statement: ${statement}`),
      warn(`duration: ${(ms * 1.13).toFixed(3)} ms  statement: ${statement}`),
    ],
    dependentLogLines: [
      warn(`slow query (${(ms / 1000).toFixed(1)} s): ${statement}`),
    ],
  });
}

function scenario(
  name: string,
  description: string,
  truth: { target: string; kind: FaultKind },
  faultStartMinute: number,
  effect: (m: number) => FaultEffect,
  changes: ChangeSpec[] = [],
  extraFaults?: FaultSpec[],
): Scenario {
  return {
    name,
    description,
    truth,
    faultStartMinute,
    effect,
    changes,
    ...(extraFaults ? { extraFaults } : {}),
  };
}

const errTitle = (e: string, pct: number) =>
  `${e}: 5xx rate above ${pct}% (error budget burning)`;
const latTitle = (e: string, ms: number) =>
  `${e}: latency_p95_ms above ${ms} ms`;

/** The labeled cases: 4 per fault kind at different entities, 7 with an innocent deploy nearby, 3 with no single cause. */
export function caseDefinitions(): CaseDefinition[] {
  const defs: CaseDefinition[] = [];
  const add = (
    id: string,
    s: Scenario,
    alert: CaseDefinition['alert'],
    redHerring?: string,
  ) => defs.push({ id: `sim-${id}`, scenario: s, alert, redHerring });

  // bad_deploy: a deploy of the target, errors from the next minute.
  add(
    'bad-deploy-payments-service',
    scenario(
      'bad-deploy-payments-service',
      'payments-service v2.3.1 ships a provider timeout of 300 ms: card authorisations fail',
      { target: 'payments-service', kind: 'bad_deploy' },
      0,
      constant(
        fx({
          errorRate: 0.26,
          latencyFactor: 1.6,
          errorMessages: [
            'PaymentAuthorizer: upstream connect error or disconnect/reset before headers (provider timeout 300ms)',
            'java.lang.NullPointerException: Cannot invoke "AuthResponse.getCode()" in PaymentAuthorizer.authorize',
          ],
        }),
      ),
      [
        change(
          'payments-service',
          'deploy',
          -1,
          'alice',
          'PAYMENT_PROVIDER_TIMEOUT_MS: 3000 -> 300',
          'v2.3.1',
        ),
      ],
    ),
    {
      entity: 'checkout-service',
      atMinute: 4,
      title: errTitle('checkout-service', 2),
    },
  );
  add(
    'bad-deploy-search-service',
    scenario(
      'bad-deploy-search-service',
      'search-service v4.2.0 ships a new tokenizer that throws on accented queries',
      { target: 'search-service', kind: 'bad_deploy' },
      0,
      constant(
        fx({
          errorRate: 0.31,
          latencyFactor: 1.3,
          errorMessages: [
            "TypeError: Cannot read properties of undefined (reading 'normalize') at tokenize (tokenizer.js:88)",
          ],
        }),
      ),
      [
        change(
          'search-service',
          'deploy',
          -1,
          'dave',
          'search: replace tokenizer with unicode-tokenizer 2.0',
          'v4.2.0',
        ),
      ],
    ),
    { entity: 'api-gateway', atMinute: 5, title: errTitle('api-gateway', 1) },
  );
  add(
    'bad-deploy-user-service',
    scenario(
      'bad-deploy-user-service',
      'user-service v1.12.0 changes the session serializer; existing sessions fail to load',
      { target: 'user-service', kind: 'bad_deploy' },
      0,
      constant(
        fx({
          errorRate: 0.4,
          latencyFactor: 1.2,
          errorMessages: [
            'SessionDecodeError: unexpected end of MessagePack input (session schema v3, found v2)',
          ],
        }),
      ),
      [
        change(
          'user-service',
          'deploy',
          -1,
          'erin',
          'sessions: switch serializer JSON -> MessagePack',
          'v1.12.0',
        ),
      ],
    ),
    { entity: 'user-service', atMinute: 3, title: errTitle('user-service', 5) },
  );
  add(
    'bad-deploy-catalog-service',
    scenario(
      'bad-deploy-catalog-service',
      'catalog-service v3.4.0 loads prices one query per item (N+1): product pages slow down',
      { target: 'catalog-service', kind: 'bad_deploy' },
      0,
      constant(
        fx({
          errorRate: 0.05,
          latencyFactor: 3.5,
          errorMessages: [
            'request timed out after 2000ms while loading prices (312 queries)',
          ],
        }),
      ),
      [
        change(
          'catalog-service',
          'deploy',
          -1,
          'frank',
          'prices: load per item through PriceRepository.find',
          'v3.4.0',
        ),
      ],
    ),
    {
      entity: 'search-service',
      atMinute: 4,
      title: latTitle('search-service', 400),
    },
  );

  // config_change: a config event with its diff, then errors.
  add(
    'config-change-cart-service',
    scenario(
      'config-change-cart-service',
      'cart-service cache TTL set to 0: every request misses the cache and the cart slows down',
      { target: 'cart-service', kind: 'config_change' },
      0,
      constant(
        fx({
          errorRate: 0.09,
          latencyFactor: 4,
          errorMessages: [
            'cart lookup timed out after 2000ms (cache miss, db fallback)',
          ],
        }),
      ),
      [
        change(
          'cart-service',
          'config_change',
          -1,
          'bob',
          'CART_CACHE_TTL_SECONDS: 300 -> 0',
        ),
        change(
          'inventory-service',
          'deploy',
          -2,
          'ci-bot',
          'bump jackson-databind 2.17.1 -> 2.17.2',
          'v2.8.4',
        ),
      ],
    ),
    {
      entity: 'cart-service',
      atMinute: 3,
      title: latTitle('cart-service', 500),
    },
    'inventory-service',
  );
  add(
    'config-change-api-gateway',
    scenario(
      'config-change-api-gateway',
      'the api-gateway per-client rate limit is lowered by a factor 100: browsers get 429s and retries',
      { target: 'api-gateway', kind: 'config_change' },
      0,
      constant(
        fx({
          errorRate: 0.22,
          latencyFactor: 1.4,
          errorMessages: [
            'limiting requests, excess: 50.840 by zone "per_client", client: 10.0.4.17',
          ],
        }),
      ),
      [
        change(
          'api-gateway',
          'config_change',
          -1,
          'grace',
          'rate_limit.per_client_rps: 5000 -> 50',
        ),
      ],
    ),
    { entity: 'storefront', atMinute: 3, title: errTitle('storefront', 1) },
  );
  add(
    'config-change-checkout-service',
    scenario(
      'config-change-checkout-service',
      'checkout-service points its payments client at a wrong port: half the checkouts fail',
      { target: 'checkout-service', kind: 'config_change' },
      0,
      constant(
        fx({
          errorRate: 0.45,
          latencyFactor: 1.3,
          errorMessages: [
            'java.net.ConnectException: Connection refused (payments-service:8443)',
          ],
        }),
      ),
      [
        change(
          'checkout-service',
          'config_change',
          -1,
          'heidi',
          'PAYMENTS_URL: https://payments-service:8080 -> https://payments-service:8443',
        ),
      ],
    ),
    { entity: 'api-gateway', atMinute: 4, title: errTitle('api-gateway', 1) },
  );
  add(
    'config-change-shipping-service',
    scenario(
      'config-change-shipping-service',
      'shipping-service carrier API timeout set to 50 ms: rate quotes fail and checkouts stall',
      { target: 'shipping-service', kind: 'config_change' },
      0,
      constant(
        fx({
          errorRate: 0.5,
          latencyFactor: 1.5,
          errorMessages: [
            'carrier quote failed: context deadline exceeded (timeout 50ms)',
          ],
        }),
      ),
      [
        change(
          'shipping-service',
          'config_change',
          -1,
          'ivan',
          'CARRIER_API_TIMEOUT_MS: 5000 -> 50',
        ),
      ],
    ),
    {
      entity: 'checkout-service',
      atMinute: 4,
      title: errTitle('checkout-service', 2),
    },
  );

  // flag_flip: a flag change, then the new code path misbehaves.
  add(
    'flag-flip-recommendation-service',
    scenario(
      'flag-flip-recommendation-service',
      'the new-recommendations flag routes every request to an unfinished model',
      { target: 'recommendation-service', kind: 'flag_flip' },
      0,
      constant(
        fx({
          errorRate: 0.2,
          latencyFactor: 2,
          errorMessages: ['ModelNotLoaded: recommender v4 is not warmed up'],
        }),
      ),
      [
        change(
          'recommendation-service',
          'flag_change',
          0,
          'carol',
          'new-recommendations: 0% -> 100%',
        ),
      ],
    ),
    {
      entity: 'recommendation-service',
      atMinute: 3,
      title: errTitle('recommendation-service', 5),
    },
  );
  add(
    'flag-flip-checkout-service',
    scenario(
      'flag-flip-checkout-service',
      'the one-page-checkout flag enables a flow that skips address validation: orders are rejected',
      { target: 'checkout-service', kind: 'flag_flip' },
      0,
      constant(
        fx({
          errorRate: 0.28,
          latencyFactor: 1.2,
          errorMessages: [
            'OrderValidationException: shipping address missing postal code',
          ],
        }),
      ),
      [
        change(
          'checkout-service',
          'flag_change',
          0,
          'judy',
          'one-page-checkout: 0% -> 100%',
        ),
      ],
    ),
    {
      entity: 'checkout-service',
      atMinute: 3,
      title: errTitle('checkout-service', 2),
    },
  );
  add(
    'flag-flip-storefront',
    scenario(
      'flag-flip-storefront',
      'the ssr-streaming flag turns on streamed server rendering, which crashes on product pages',
      { target: 'storefront', kind: 'flag_flip' },
      0,
      constant(
        fx({
          errorRate: 0.18,
          latencyFactor: 1.7,
          errorMessages: [
            'upstream prematurely closed connection while reading response header from upstream',
          ],
        }),
      ),
      [
        change(
          'storefront',
          'flag_change',
          0,
          'karl',
          'ssr-streaming: off -> on',
        ),
      ],
    ),
    { entity: 'storefront', atMinute: 3, title: errTitle('storefront', 1) },
  );
  add(
    'flag-flip-inventory-service',
    scenario(
      'flag-flip-inventory-service',
      'the reserve-stock-v2 flag takes row locks in a new order: reservations deadlock',
      { target: 'inventory-service', kind: 'flag_flip' },
      0,
      constant(
        fx({
          errorRate: 0.16,
          latencyFactor: 3,
          errorMessages: [
            'org.postgresql.util.PSQLException: ERROR: deadlock detected',
          ],
        }),
      ),
      [
        change(
          'inventory-service',
          'flag_change',
          0,
          'lena',
          'reserve-stock-v2: 0% -> 50%',
        ),
      ],
    ),
    {
      entity: 'cart-service',
      atMinute: 4,
      title: latTitle('cart-service', 500),
    },
  );

  // dependency_failure: a data store fails; no change event on it.
  add(
    'dependency-failure-payments-db',
    scenario(
      'dependency-failure-payments-db',
      'payments-db refuses connections (max_connections reached); checkout-service deployed minutes before, harmlessly',
      { target: 'payments-db', kind: 'dependency_failure' },
      0,
      constant(
        fx({
          errorRate: 0.35,
          latencyFactor: 3,
          errorMessages: ['sorry, too many clients already'],
          dependentMessages: [
            'org.postgresql.util.PSQLException: FATAL: sorry, too many clients already',
          ],
        }),
      ),
      [
        change(
          'checkout-service',
          'deploy',
          -4,
          'mike',
          'logging: structured MDC fields for order ids',
          'v3.8.0',
        ),
      ],
    ),
    {
      entity: 'checkout-service',
      atMinute: 4,
      title: errTitle('checkout-service', 2),
    },
    'checkout-service',
  );
  add(
    'dependency-failure-inventory-db',
    scenario(
      'dependency-failure-inventory-db',
      'inventory-db fails over and is in recovery mode; recommendation-service deployed a minute before',
      { target: 'inventory-db', kind: 'dependency_failure' },
      1,
      constant(
        fx({
          errorRate: 0.3,
          latencyFactor: 2.5,
          errorMessages: ['the database system is in recovery mode'],
          dependentMessages: [
            'PSQLException: FATAL: the database system is in recovery mode',
          ],
        }),
      ),
      [
        change(
          'recommendation-service',
          'deploy',
          0,
          'carol',
          'copy changes on the widget',
          'v1.19.0',
        ),
      ],
    ),
    { entity: 'cart-service', atMinute: 5, title: errTitle('cart-service', 2) },
    'recommendation-service',
  );
  add(
    'dependency-failure-users-db',
    scenario(
      'dependency-failure-users-db',
      'users-db disk is full; writes fail and the user-service cannot log anyone in',
      { target: 'users-db', kind: 'dependency_failure' },
      0,
      constant(
        fx({
          errorRate: 0.5,
          latencyFactor: 1.8,
          errorMessages: [
            'could not extend file "base/16384/24576": No space left on device',
          ],
          dependentMessages: [
            'PSQLException: ERROR: could not extend file: No space left on device',
          ],
        }),
      ),
    ),
    { entity: 'user-service', atMinute: 3, title: errTitle('user-service', 5) },
  );
  add(
    'dependency-failure-order-events',
    scenario(
      'dependency-failure-order-events',
      'the order-events brokers lose quorum; producers time out; shipping-service deployed shortly before',
      { target: 'order-events', kind: 'dependency_failure' },
      0,
      constant(
        fx({
          errorRate: 0.6,
          latencyFactor: 2,
          errorMessages: [
            '[Controller id=2] Partition order-events-3 has no in-sync replicas; NotEnoughReplicasException',
          ],
          dependentMessages: [
            'KafkaProducer: Expiring 12 record(s) for order-events-3: 30012 ms has passed since batch creation',
          ],
        }),
      ),
      [
        change(
          'shipping-service',
          'deploy',
          -5,
          'nina',
          'carrier SDK 5.1 -> 5.2',
          'v2.2.0',
        ),
      ],
    ),
    {
      entity: 'checkout-service',
      atMinute: 4,
      title: errTitle('checkout-service', 2),
    },
    'shipping-service',
  );

  // resource_saturation: CPU or capacity pinned; no change, no traffic increase.
  add(
    'resource-saturation-search-service',
    scenario(
      'resource-saturation-search-service',
      'search-service pods are CPU-throttled at their limit; the request queue fills up',
      { target: 'search-service', kind: 'resource_saturation' },
      0,
      constant(
        fx({
          cpuUtil: 0.98,
          latencyFactor: 3,
          errorRate: 0.08,
          errorMessages: [
            'RejectedExecutionError: worker queue full (200/200)',
          ],
          logLines: [
            warn('event loop lag 812 ms; cpu throttled (nr_throttled 4113)'),
          ],
        }),
      ),
    ),
    { entity: 'api-gateway', atMinute: 4, title: latTitle('api-gateway', 300) },
  );
  add(
    'resource-saturation-catalog-db',
    scenario(
      'resource-saturation-catalog-db',
      'catalog-db runs at 100% CPU and out of connection slots; search-service deployed minutes before',
      { target: 'catalog-db', kind: 'resource_saturation' },
      0,
      constant(
        fx({
          cpuUtil: 0.99,
          latencyFactor: 5,
          errorRate: 0.05,
          errorMessages: [
            'remaining connection slots are reserved for non-replication superuser connections',
          ],
        }),
      ),
      [
        change(
          'search-service',
          'deploy',
          -3,
          'dave',
          'search: boost exact title matches',
          'v4.1.3',
        ),
      ],
    ),
    {
      entity: 'catalog-service',
      atMinute: 3,
      title: latTitle('catalog-service', 300),
    },
    'search-service',
  );
  add(
    'resource-saturation-shop-cache',
    scenario(
      'resource-saturation-shop-cache',
      'shop-cache reaches maxmemory with noeviction: writes are refused',
      { target: 'shop-cache', kind: 'resource_saturation' },
      0,
      constant(
        fx({
          cpuUtil: 0.95,
          latencyFactor: 4,
          errorRate: 0.12,
          errorLevel: 'ERROR',
          errorMessages: [
            "OOM command not allowed when used memory > 'maxmemory'",
          ],
          dependentMessages: [
            "ReplyError: OOM command not allowed when used memory > 'maxmemory'",
          ],
        }),
      ),
    ),
    { entity: 'cart-service', atMinute: 3, title: errTitle('cart-service', 2) },
  );
  add(
    'resource-saturation-api-gateway',
    scenario(
      'resource-saturation-api-gateway',
      'api-gateway runs out of worker connections and CPU',
      { target: 'api-gateway', kind: 'resource_saturation' },
      0,
      constant(
        fx({
          cpuUtil: 0.99,
          latencyFactor: 2.5,
          errorRate: 0.06,
          errorMessages: [
            '1024 worker_connections are not enough while connecting to upstream',
          ],
        }),
      ),
    ),
    { entity: 'storefront', atMinute: 3, title: latTitle('storefront', 800) },
  );

  // memory_leak: mem_bytes climbs, the pod is OOM-killed and restarts, climbs again.
  const leakCase = (
    target: string,
    growthMb: number,
    period: number,
    alert: string,
    herring?: ChangeSpec,
  ) =>
    add(
      `memory-leak-${target}`,
      scenario(
        `memory-leak-${target}`,
        `${target} leaks about ${growthMb} MiB a minute until its pods are OOM-killed and restart${
          herring ? `; ${herring.target} deployed shortly before` : ''
        }`,
        { target, kind: 'memory_leak' },
        -2 * period,
        leak(target, growthMb, period),
        herring ? [herring] : [],
      ),
      {
        entity: alert,
        atMinute: 1,
        title: errTitle(alert, alert === target ? 5 : 2),
      },
      herring?.target,
    );
  leakCase('inventory-service', 40, 16, 'inventory-service');
  leakCase(
    'recommendation-service',
    30,
    20,
    'recommendation-service',
    change(
      'user-service',
      'deploy',
      -2,
      'erin',
      'profile: add pronouns field',
      'v1.11.4',
    ),
  );
  leakCase('catalog-service', 35, 18, 'catalog-service');
  leakCase('user-service', 25, 22, 'user-service');

  // traffic_surge: requests up at the edge, slower everywhere downstream, no change event.
  const surge = (factor: number, msg: string) =>
    constant(
      fx({
        trafficFactor: factor,
        latencyFactor: 2.2,
        errorRate: 0.05,
        errorMessages: [msg],
        downstreamLatencyFactor: 1.9,
      }),
    );
  add(
    'traffic-surge-storefront',
    scenario(
      'traffic-surge-storefront',
      'a marketing e-mail quadruples storefront traffic',
      { target: 'storefront', kind: 'traffic_surge' },
      0,
      surge(
        4,
        'upstream timed out (110: Connection timed out) while reading response header from upstream',
      ),
    ),
    { entity: 'storefront', atMinute: 3, title: latTitle('storefront', 800) },
  );
  add(
    'traffic-surge-storefront-flash-sale',
    scenario(
      'traffic-surge-storefront-flash-sale',
      'a flash sale triples storefront traffic; the storefront had deployed a copy change minutes before',
      { target: 'storefront', kind: 'traffic_surge' },
      0,
      surge(
        3,
        'upstream timed out (110: Connection timed out) while reading response header from upstream',
      ),
      [
        change(
          'storefront',
          'deploy',
          -8,
          'karl',
          'banner: flash sale copy',
          'v5.14.2',
        ),
      ],
    ),
    { entity: 'storefront', atMinute: 4, title: latTitle('storefront', 800) },
    'storefront',
  );
  add(
    'traffic-surge-api-gateway-scraper',
    scenario(
      'traffic-surge-api-gateway-scraper',
      'a scraper hits the public API directly at five times the normal rate',
      { target: 'api-gateway', kind: 'traffic_surge' },
      0,
      surge(
        5,
        'upstream response time 2.913 s exceeds 2 s budget (client 203.0.113.9)',
      ),
    ),
    { entity: 'api-gateway', atMinute: 3, title: latTitle('api-gateway', 300) },
  );
  add(
    'traffic-surge-api-gateway-retries',
    scenario(
      'traffic-surge-api-gateway-retries',
      'a partner integration retries in a tight loop, tripling api-gateway traffic',
      { target: 'api-gateway', kind: 'traffic_surge' },
      0,
      surge(
        3,
        'upstream response time 2.411 s exceeds 2 s budget (client partner-sync)',
      ),
    ),
    { entity: 'storefront', atMinute: 4, title: latTitle('storefront', 800) },
  );

  // slow_query: the data store's query latency jumps, "duration:" lines, callers log slow queries.
  add(
    'slow-query-orders-db',
    scenario(
      'slow-query-orders-db',
      'a dropped index on orders-db makes the order history query scan the table; checkout-service deployed minutes before',
      { target: 'orders-db', kind: 'slow_query' },
      0,
      constant(
        slowQuery(
          'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 50',
          4812.331,
        ),
      ),
      [
        change(
          'checkout-service',
          'deploy',
          -6,
          'mike',
          'orders: paginate order history',
          'v3.8.1',
        ),
      ],
    ),
    {
      entity: 'checkout-service',
      atMinute: 3,
      title: latTitle('checkout-service', 600),
    },
    'checkout-service',
  );
  add(
    'slow-query-catalog-db',
    scenario(
      'slow-query-catalog-db',
      'stale statistics on catalog-db make the planner pick a nested loop for the product listing',
      { target: 'catalog-db', kind: 'slow_query' },
      0,
      constant(
        slowQuery(
          'SELECT p.*, pr.amount FROM products p JOIN prices pr ON pr.sku = p.sku WHERE p.category_id = $1',
          2731.09,
        ),
      ),
    ),
    {
      entity: 'catalog-service',
      atMinute: 3,
      title: latTitle('catalog-service', 300),
    },
  );
  add(
    'slow-query-users-db',
    scenario(
      'slow-query-users-db',
      'a case-insensitive e-mail lookup on users-db cannot use the index',
      { target: 'users-db', kind: 'slow_query' },
      0,
      constant(
        slowQuery(
          'SELECT id, password_hash FROM users WHERE lower(email) = lower($1)',
          1988.4,
        ),
      ),
    ),
    {
      entity: 'user-service',
      atMinute: 3,
      title: latTitle('user-service', 300),
    },
  );
  add(
    'slow-query-inventory-db',
    scenario(
      'slow-query-inventory-db',
      'a long-running analytics query holds inventory-db locks; stock reservations wait',
      { target: 'inventory-db', kind: 'slow_query' },
      0,
      constant(
        slowQuery(
          'UPDATE stock SET reserved = reserved + $1 WHERE sku = $2',
          3305.77,
        ),
      ),
    ),
    {
      entity: 'inventory-service',
      atMinute: 3,
      title: latTitle('inventory-service', 300),
    },
  );

  // none: no single root cause; the right answer is to abstain.
  add(
    'none-noise',
    scenario(
      'none-noise',
      'no fault: routine deploys and a two-minute latency blip on the storefront that recovers by itself',
      { target: '', kind: 'none' },
      0,
      () => NO_EFFECT,
      [
        change(
          'cart-service',
          'deploy',
          -3,
          'ci-bot',
          'dependency updates',
          'v2.4.7',
        ),
      ],
      [
        {
          target: 'storefront',
          startMinute: -1,
          effect: m => (m < 2 ? fx({ latencyFactor: 1.5 }) : NO_EFFECT),
        },
      ],
    ),
    { entity: 'storefront', atMinute: 0, title: latTitle('storefront', 800) },
  );
  add(
    'none-two-faults-payments-db-search-deploy',
    scenario(
      'none-two-faults-payments-db-search-deploy',
      'two independent faults at once: payments-db refuses connections and a bad search-service deploy',
      { target: '', kind: 'none' },
      0,
      () => NO_EFFECT,
      [
        change(
          'search-service',
          'deploy',
          -1,
          'dave',
          'search: new ranking model',
          'v4.3.0',
        ),
      ],
      [
        {
          target: 'payments-db',
          startMinute: 0,
          effect: constant(
            fx({
              errorRate: 0.35,
              latencyFactor: 3,
              errorMessages: ['sorry, too many clients already'],
            }),
          ),
        },
        {
          target: 'search-service',
          startMinute: 0,
          effect: constant(
            fx({
              errorRate: 0.3,
              latencyFactor: 1.5,
              errorMessages: [
                'RankingModelError: feature vector length 128 != 96',
              ],
            }),
          ),
        },
      ],
    ),
    { entity: 'api-gateway', atMinute: 5, title: errTitle('api-gateway', 1) },
  );
  add(
    'none-two-faults-catalog-db-user-flag',
    scenario(
      'none-two-faults-catalog-db-user-flag',
      'two independent faults at once: a slow catalog-db query and a bad user-service flag flip',
      { target: '', kind: 'none' },
      0,
      () => NO_EFFECT,
      [
        change(
          'user-service',
          'flag_change',
          0,
          'erin',
          'passwordless-login: 0% -> 100%',
        ),
      ],
      [
        {
          target: 'catalog-db',
          startMinute: 0,
          effect: constant(
            slowQuery('SELECT * FROM products WHERE tags @> $1', 2204.5),
          ),
        },
        {
          target: 'user-service',
          startMinute: 0,
          effect: constant(
            fx({
              errorRate: 0.25,
              latencyFactor: 1.3,
              errorMessages: ['MagicLinkError: signing key not configured'],
            }),
          ),
        },
      ],
    ),
    { entity: 'api-gateway', atMinute: 4, title: errTitle('api-gateway', 1) },
  );
  return defs;
}

/** When case `index` happens: spread over days and hours of March 2026, from the seed. */
function incidentTime(seed: number, index: number): number {
  const day = Date.UTC(2026, 2, 2 + index);
  const minute = Math.floor(uniform(seed, 0x5eed, index) * 24 * 60);
  return day + minute * MINUTE;
}

/**
 * Generates one case: the signals of [alert - 60 min, alert + 10 min] (the window), with the routine
 * background of the simulator (daily cycle, noise, ci-bot deploys) around the fault.
 */
export function generateCase(
  def: CaseDefinition,
  topology: SimTopology,
  seed: number,
  index: number,
): SimCase {
  const caseSeed = streamOf(`${seed}/${def.id}`);
  const incidentAtMs = incidentTime(seed, index);
  const alertAt = incidentAtMs + def.alert.atMinute * MINUTE;
  const from = alertAt - 60 * MINUTE;
  const to = alertAt + 10 * MINUTE;
  const signals = generateWindow(
    {
      topology,
      scenario: def.scenario,
      incidentAtMs,
      seed: caseSeed,
      emitRestarts: true,
    },
    from,
    to,
  );
  const refOf = (name: string) => {
    const e = topology.entities.find(x => x.name === name);
    if (!e) throw new Error(`${def.id}: ${name} is not in the topology`);
    return e.ref;
  };
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const { truth } = def.scenario;
  return {
    id: def.id,
    description: def.scenario.description,
    alert: {
      entity: refOf(def.alert.entity),
      at: iso(alertAt),
      title: def.alert.title,
    },
    window: { from: iso(from), to: iso(to) },
    truth: {
      entity: truth.kind === 'none' ? null : refOf(truth.target),
      kind: truth.kind,
    },
    signals,
  };
}
