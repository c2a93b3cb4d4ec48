// Realistic, deterministic log lines for a shop of services in the formats they really use: nginx access
// logs, logback, Go JSON (zap/zerolog style), logfmt, klog, Python logging and syslog. Values vary the
// way real ones do (ids, durations, addresses, paths, UUIDs), so the miner sees realistic cardinality.

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Format =
  | 'nginx'
  | 'logback'
  | 'json'
  | 'logfmt'
  | 'klog'
  | 'python'
  | 'syslog';

export interface BenchService {
  name: string;
  format: Format;
}

export const SERVICES: BenchService[] = [
  { name: 'storefront', format: 'nginx' },
  { name: 'api-gateway', format: 'nginx' },
  { name: 'checkout-service', format: 'logback' },
  { name: 'payments-service', format: 'logback' },
  { name: 'inventory-service', format: 'logback' },
  { name: 'cart-service', format: 'json' },
  { name: 'catalog-service', format: 'json' },
  { name: 'search-service', format: 'json' },
  { name: 'shipping-service', format: 'logfmt' },
  { name: 'notification-service', format: 'logfmt' },
  { name: 'ingress-controller', format: 'klog' },
  { name: 'recommendation-service', format: 'python' },
  { name: 'fraud-service', format: 'python' },
  { name: 'user-service', format: 'json' },
  { name: 'order-db-proxy', format: 'syslog' },
  { name: 'auth-service', format: 'logfmt' },
];

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const PATHS = [
  '/',
  '/api/products',
  '/api/cart',
  '/api/orders',
  '/api/search',
  '/api/users/me',
  '/products/sku-',
  '/static/js/main.',
  '/checkout',
];

/** A generator of lines for one service; `next(tsMs)` returns the next line. */
export function lineGenerator(service: BenchService, seed: number) {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[int(16)];
    return s;
  };
  const uuid = () =>
    `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`;
  const ip = () => `10.${int(4)}.${int(256)}.${int(256)}`;
  const pick = <T>(xs: T[]) => xs[int(xs.length)];
  const ms = () => Math.round(5 + 200 * -Math.log(1 - r() * 0.999));
  const error = () => r() < 0.02;
  const iso = (t: number) => new Date(t).toISOString();

  const javaMessages = [
    () => `handled POST /authorize in ${ms()}ms`,
    () => `order ${100000 + int(900000)} created for customer ${int(50000)}`,
    () =>
      `reserved ${1 + int(5)} items of sku-${int(9000)} in warehouse ${pick([
        'eu-1',
        'us-2',
        'ap-1',
      ])}`,
    () => `cache hit ratio ${(r() * 100).toFixed(1)}% over last ${int(60)}s`,
    () =>
      `HikariPool-1 - Pool stats (total=${int(20)}, active=${int(
        20,
      )}, idle=${int(20)}, waiting=${int(5)})`,
    () =>
      `Completed charge ${uuid()} amount=${(r() * 500).toFixed(
        2,
      )} currency=EUR`,
    () => `Scheduled job refreshRates finished in ${ms()} ms`,
  ];
  const javaErrors = [
    () => `Payment provider timeout after ${ms()} ms for charge ${uuid()}`,
    () =>
      `Could not acquire JDBC connection to jdbc:postgresql://${ip()}:5432/orders within 30000ms`,
    () =>
      `Unexpected response 503 from http://inventory-service:8080/stock/sku-${int(
        9000,
      )}`,
  ];
  const jsonMessages = [
    () => ({
      msg: 'request completed',
      method: pick(['GET', 'POST']),
      path: `${pick(PATHS)}${int(100)}`,
      status: 200,
      duration_ms: ms(),
    }),
    () => ({ msg: `cart ${uuid()} updated`, items: int(12) }),
    () => ({
      msg: 'search served',
      query_terms: 1 + int(4),
      hits: int(500),
      duration_ms: ms(),
    }),
    () => ({
      msg: `user ${int(100000)} signed in`,
      method: pick(['password', 'sso', 'token']),
    }),
    () => ({ msg: `indexed ${int(5000)} documents in ${ms()}ms` }),
  ];
  const jsonErrors = [
    () => ({
      msg: 'upstream request failed',
      upstream: 'catalog-service',
      status: 502,
      duration_ms: ms(),
      error: 'connection reset by peer',
    }),
    () => ({ msg: `redis GET cart:${uuid()} timed out`, duration_ms: ms() }),
  ];
  const logfmtMessages = [
    () =>
      `msg="label created" shipment=${100000 + int(900000)} carrier=${pick([
        'dhl',
        'ups',
        'fedex',
      ])} duration_ms=${ms()}`,
    () =>
      `msg="email queued" template=${pick([
        'order_confirmed',
        'shipped',
        'reset_password',
      ])} to_domain=${pick(['gmail.com', 'example.org'])}`,
    () =>
      `msg="token issued" subject=user-${int(
        100000,
      )} ttl=3600 duration_ms=${ms()}`,
    () =>
      `msg="rate quote" zone=${int(9)} weight_g=${int(30000)} price=${(
        r() * 40
      ).toFixed(2)}`,
  ];
  const logfmtErrors = [
    () =>
      `msg="carrier api error" carrier=dhl status=500 attempt=${
        1 + int(3)
      } duration_ms=${ms()}`,
    () => `msg="smtp send failed" err="dial tcp ${ip()}:25: i/o timeout"`,
  ];
  const klogMessages = [
    () =>
      `Event(v1.ObjectReference{Kind:"Ingress", Namespace:"shop", Name:"storefront-${int(
        9,
      )}"}): type: 'Normal' reason: 'Sync' Scheduled for sync`,
    () => `updating ingress shop/storefront-${int(9)} backend ${ip()}:8080`,
    () => `Reloading NGINX configuration took ${ms()}ms`,
  ];
  const pythonMessages = [
    () => `scored ${int(300)} candidates for user ${int(100000)} in ${ms()} ms`,
    () =>
      `model version ${1 + int(9)}.${int(20)} loaded from /models/reco-${hex(
        7,
      )}.pt`,
    () => `risk score ${r().toFixed(3)} for transaction ${uuid()}`,
  ];
  const pythonErrors = [
    () =>
      `feature store request failed: HTTPConnectionPool(host='features', port=8000): Read timed out. (read timeout=${int(
        10,
      )})`,
  ];
  const syslogMessages = [
    () =>
      `connection from ${ip()} port ${1024 + int(60000)} accepted (pool ${int(
        100,
      )}/100)`,
    () => `query took ${ms()} ms rows=${int(10000)}`,
    () => `client ${ip()} disconnected after ${int(3600)}s`,
  ];

  return {
    next(tsMs: number): { text: string; level?: string } {
      const err = error();
      switch (service.format) {
        case 'nginx': {
          const d = new Date(tsMs);
          const stamp = `${String(d.getUTCDate()).padStart(2, '0')}/${
            MONTHS[d.getUTCMonth()]
          }/${d.getUTCFullYear()}:${d.toISOString().slice(11, 19)} +0000`;
          const status = err
            ? pick([500, 502, 503, 504])
            : r() < 0.06
            ? 404
            : pick([200, 200, 200, 201, 304]);
          return {
            text: `${ip()} - - [${stamp}] "${pick([
              'GET',
              'GET',
              'POST',
            ])} ${pick(PATHS)}${int(1000)} HTTP/1.1" ${status} ${
              200 + int(90000)
            } "-" "Mozilla/5.0 (X11; Linux x86_64)" rt=${(ms() / 1000).toFixed(
              3,
            )} trace_id=${hex(32)}`,
          };
        }
        case 'logback': {
          const text = err ? pick(javaErrors)() : pick(javaMessages)();
          return {
            text: `${iso(tsMs).replace('T', ' ').replace('Z', '')} ${
              err ? 'ERROR' : pick(['INFO ', 'INFO ', 'DEBUG', 'WARN '])
            } [http-nio-8080-exec-${1 + int(200)}] c.s.${
              service.name.split('-')[0]
            }.${pick(['RequestHandler', 'Repository', 'Client'])} - ${text}`,
          };
        }
        case 'json':
          return {
            text: JSON.stringify({
              ts: iso(tsMs),
              level: err ? 'error' : pick(['info', 'info', 'debug', 'warn']),
              caller: `${pick(['handler', 'store', 'client'])}/${pick([
                'http',
                'grpc',
                'redis',
              ])}.go:${10 + int(400)}`,
              ...(err ? pick(jsonErrors)() : pick(jsonMessages)()),
              trace_id: hex(32),
            }),
          };
        case 'logfmt':
          return {
            text: `ts=${iso(tsMs)} level=${
              err ? 'error' : pick(['info', 'info', 'debug'])
            } ${
              err ? pick(logfmtErrors)() : pick(logfmtMessages)()
            } trace_id=${hex(32)}`,
          };
        case 'klog': {
          const d = new Date(tsMs);
          return {
            text: `${err ? 'E' : 'I'}${String(d.getUTCMonth() + 1).padStart(
              2,
              '0',
            )}${String(d.getUTCDate()).padStart(2, '0')} ${d
              .toISOString()
              .slice(11, 23)}000    ${1 + int(30)} ${pick([
              'controller.go',
              'nginx.go',
              'store.go',
            ])}:${10 + int(900)}] ${
              err
                ? `error syncing ingress shop/storefront-${int(
                    9,
                  )}: endpoints not found`
                : pick(klogMessages)()
            }`,
          };
        }
        case 'python':
          return {
            text: `${iso(tsMs)
              .replace('T', ' ')
              .replace('Z', '')
              .replace('.', ',')} - ${service.name.replace(
              '-service',
              '',
            )}.${pick(['ranker', 'worker', 'api'])} - ${
              err ? 'ERROR' : pick(['INFO', 'INFO', 'DEBUG'])
            } - ${err ? pick(pythonErrors)() : pick(pythonMessages)()}`,
          };
        case 'syslog': {
          const d = new Date(tsMs);
          return {
            text: `<${err ? 131 : 134}>${MONTHS[d.getUTCMonth()]} ${String(
              d.getUTCDate(),
            ).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} db-proxy-${int(
              3,
            )} pgbouncer[${1000 + int(9000)}]: ${
              err
                ? `closing because: server conn crashed? (age=${int(100)}s)`
                : pick(syslogMessages)()
            }`,
          };
        }
      }
    },
  };
}

/** A signal of the ingest API, as the bench sends it. */
export interface BenchSignal {
  source: string;
  kind: 'log';
  ts: number;
  text: string;
  labels: Record<string, string>;
}

/**
 * `count` log signals from the mixed services, interleaved as a shipper would send them, over a window
 * that ends at `endMs` (about 200k lines per minute, the seed's burst).
 */
export function* benchLines(
  count: number,
  endMs: number,
  seed = 7,
): Generator<BenchSignal> {
  const gens = SERVICES.map((s, i) => lineGenerator(s, seed * 1000 + i));
  const pickService = prng(seed);
  const perMs = 200_000 / 60_000;
  const startMs = endMs - Math.ceil(count / perMs);
  for (let i = 0; i < count; i++) {
    const k = Math.floor(pickService() * SERVICES.length);
    const s = SERVICES[k];
    const ts = startMs + Math.floor(i / perMs);
    yield {
      source: 'bench',
      kind: 'log',
      ts,
      text: gens[k].next(ts).text,
      labels: {
        service: s.name,
        namespace: 'shop',
        pod: `${s.name}-${k}f7c9-${i % 3}`,
      },
    };
  }
}
