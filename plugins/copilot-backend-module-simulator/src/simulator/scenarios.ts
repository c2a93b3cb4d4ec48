// Named fault scenarios for the demo and for generated RCA cases: which entity breaks, how, when, which
// change (if any) precedes it, and whether that change is the cause.

export type FaultKind =
  | 'bad_deploy'
  | 'config_change'
  | 'flag_flip'
  | 'dependency_failure'
  | 'resource_saturation'
  | 'memory_leak'
  | 'traffic_surge'
  | 'slow_query'
  | 'none';

/** A line an entity logs while a fault lasts, besides its error lines. */
export interface FaultLogLine {
  level: 'info' | 'warn' | 'error';
  text: string;
  /** Logged once a minute (e.g. a restart) instead of every slot. */
  oncePerMinute?: boolean;
}

/** What a fault does to its target, per minute since the fault started. */
export interface FaultEffect {
  errorRate: number;
  latencyFactor: number;
  trafficFactor: number;
  /** Extra memory per minute since the start, in bytes. */
  memoryGrowth: number;
  errorMessages: string[];
  /** Memory above the normal level, in bytes; replaces memoryGrowth x minutes (a leak with OOM restarts). */
  memoryBytes?: number;
  /** Container restarts so far (OOM kills); reported as container_restarts_total when enabled. */
  restarts?: number;
  /** CPU utilisation floor (0..1) while the target is saturated. */
  cpuUtil?: number;
  /** Severity word of a resource's error lines (default FATAL). */
  errorLevel?: string;
  /** Further lines the target logs (slow-query lines, GC warnings, OOM kills). */
  logLines?: FaultLogLine[];
  /** Lines the target's direct callers log about it (e.g. "slow query" warnings). */
  dependentLogLines?: FaultLogLine[];
  /** Error lines of the direct callers, instead of the generic "call to X failed: 503". */
  dependentMessages?: string[];
  /** Traffic surge: latency factor of everything the target calls, directly or not. */
  downstreamLatencyFactor?: number;
}

/** A fault besides the scenario's own (e.g. the second of two independent faults). */
export interface FaultSpec {
  target: string;
  /** Minutes relative to the scenario's incident time. */
  startMinute: number;
  effect: (minutesSinceStart: number) => FaultEffect;
}

export interface ChangeSpec {
  /** Minutes relative to the scenario's incident time. */
  atMinute: number;
  target: string;
  key: 'deploy' | 'config_change' | 'flag_change';
  version?: string;
  author: string;
  diff: string;
}

export interface Scenario {
  name: string;
  description: string;
  /** The root cause: entity name and kind (for labeled cases). */
  truth: { target: string; kind: FaultKind };
  /** Minutes relative to the incident time at which the fault starts. */
  faultStartMinute: number;
  effect: (minutesSinceStart: number) => FaultEffect;
  changes: ChangeSpec[];
  /** Independent faults running at the same time (their damage adds up; truth stays the scenario's). */
  extraFaults?: FaultSpec[];
}

const none: FaultEffect = {
  errorRate: 0,
  latencyFactor: 1,
  trafficFactor: 1,
  memoryGrowth: 0,
  errorMessages: [],
};

export const SCENARIOS: Record<string, Scenario> = {
  'bad-deploy': {
    name: 'bad-deploy',
    description:
      'payments-service v2.3.1 ships a provider timeout of 300 ms: card authorisations fail',
    truth: { target: 'payments-service', kind: 'bad_deploy' },
    faultStartMinute: 0,
    effect: () => ({
      ...none,
      errorRate: 0.26,
      latencyFactor: 1.6,
      errorMessages: [
        'PaymentAuthorizer: upstream connect error or disconnect/reset before headers (provider timeout 300ms)',
        'java.lang.NullPointerException: Cannot invoke "AuthResponse.getCode()" in PaymentAuthorizer.authorize',
      ],
    }),
    changes: [
      {
        atMinute: 0,
        target: 'payments-service',
        key: 'deploy',
        version: 'v2.3.1',
        author: 'alice',
        diff: 'PAYMENT_PROVIDER_TIMEOUT_MS: 3000 -> 300',
      },
    ],
  },
  'config-change': {
    name: 'config-change',
    description:
      'cart-service cache TTL set to 0: every request misses the cache and the cart slows down',
    truth: { target: 'cart-service', kind: 'config_change' },
    faultStartMinute: 0,
    effect: () => ({
      ...none,
      errorRate: 0.09,
      latencyFactor: 4,
      errorMessages: [
        'cart lookup timed out after 2000ms (cache miss, db fallback)',
      ],
    }),
    changes: [
      {
        atMinute: 0,
        target: 'cart-service',
        key: 'config_change',
        author: 'bob',
        diff: 'CART_CACHE_TTL_SECONDS: 300 -> 0',
      },
    ],
  },
  'flag-flip': {
    name: 'flag-flip',
    description:
      'the new-recommendations flag routes every request to an unfinished model',
    truth: { target: 'recommendation-service', kind: 'flag_flip' },
    faultStartMinute: 0,
    effect: () => ({
      ...none,
      errorRate: 0.2,
      latencyFactor: 2,
      errorMessages: ['ModelNotLoaded: recommender v4 is not warmed up'],
    }),
    changes: [
      {
        atMinute: 0,
        target: 'recommendation-service',
        key: 'flag_change',
        author: 'carol',
        diff: 'new-recommendations: 0% -> 100%',
      },
    ],
  },
  'dependency-failure': {
    name: 'dependency-failure',
    description: 'payments-db refuses connections (max_connections reached)',
    truth: { target: 'payments-db', kind: 'dependency_failure' },
    faultStartMinute: 0,
    effect: () => ({
      ...none,
      errorRate: 0.35,
      latencyFactor: 3,
      errorMessages: ['FATAL: sorry, too many clients already'],
    }),
    changes: [],
  },
  'memory-leak': {
    name: 'memory-leak',
    description:
      'inventory-service leaks memory until the pods are OOM-killed and restart',
    truth: { target: 'inventory-service', kind: 'memory_leak' },
    faultStartMinute: -30,
    effect: m => ({
      ...none,
      memoryGrowth: 40 * 1024 * 1024,
      errorRate: m >= 28 ? 0.15 : 0,
      latencyFactor: 1 + Math.max(0, m - 20) * 0.1,
      errorMessages:
        m >= 28
          ? [
              'java.lang.OutOfMemoryError: Java heap space',
              'container inventory-service OOMKilled, restarting',
            ]
          : [],
    }),
    changes: [],
  },
  'traffic-surge': {
    name: 'traffic-surge',
    description: 'a marketing campaign quadruples storefront traffic',
    truth: { target: 'storefront', kind: 'traffic_surge' },
    faultStartMinute: 0,
    effect: () => ({
      ...none,
      trafficFactor: 4,
      latencyFactor: 2.5,
      errorRate: 0.07,
      errorMessages: ['upstream request timeout (gateway saturated)'],
    }),
    changes: [],
  },
  'slow-query': {
    name: 'slow-query',
    description:
      'a missing index on orders-db makes the order history query scan the table',
    truth: { target: 'orders-db', kind: 'slow_query' },
    faultStartMinute: 0,
    effect: () => ({
      ...none,
      latencyFactor: 6,
      errorRate: 0.08,
      errorMessages: [
        'duration: 4812.331 ms  statement: SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC',
      ],
    }),
    changes: [],
  },
  'unrelated-deploy': {
    name: 'unrelated-deploy',
    description:
      'recommendation-service deploys harmlessly a minute before inventory-db starts failing',
    truth: { target: 'inventory-db', kind: 'dependency_failure' },
    faultStartMinute: 1,
    effect: () => ({
      ...none,
      errorRate: 0.3,
      latencyFactor: 2.5,
      errorMessages: ['FATAL: the database system is in recovery mode'],
    }),
    changes: [
      {
        atMinute: 0,
        target: 'recommendation-service',
        key: 'deploy',
        version: 'v1.19.0',
        author: 'carol',
        diff: 'copy changes on the widget',
      },
    ],
  },
  none: {
    name: 'none',
    description: 'no fault: background traffic, noise and routine deploys only',
    truth: { target: '', kind: 'none' },
    faultStartMinute: 0,
    effect: () => none,
    changes: [],
  },
};

export const NO_EFFECT = none;
