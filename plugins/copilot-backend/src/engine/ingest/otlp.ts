// Converts OTLP/HTTP JSON requests (opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) into the
// copilot's log and metric signals. Pure functions: no I/O, no store, no framework.
//
// With a CumulativeToDelta converter (cumulative.ts) in the options, cumulative monotonic sums,
// cumulative histograms and summaries' count and sum become per-interval deltas here, which is the one
// place every OTLP request passes; without one, the values are passed on as sent.
//
// JSON-encoding rules honoured here: 64-bit integers may be decimal strings or numbers, enums may be
// numbers or their names, trace/span ids are hex (base64 is accepted too), field names are
// lowerCamelCase and their snake_case spellings are accepted as well.
import type {
  CumulativeToDelta,
  ExplicitHistogramBuckets,
  ExponentialHistogramBuckets,
  ExponentialSide,
  HistogramValue,
} from './cumulative';

/** One signal produced from an OTLP request, in the shape of the ingest API's items. */
export interface OtlpSignal {
  source: string;
  kind: 'log' | 'metric';
  /** Epoch milliseconds (fractional when the nanosecond timestamp has sub-millisecond digits). */
  ts: number;
  key?: string;
  value?: number;
  text?: string;
  labels: Record<string, string>;
}

/** One rejected log record or data point; `index` counts records (or points) across the request. */
export interface OtlpConversionError {
  index: number;
  field: string;
  reason: string;
}

/** What a conversion returns: the good items and the rejected ones. */
export interface OtlpConversionResult {
  items: OtlpSignal[];
  errors: OtlpConversionError[];
}

/** Options of the converters. */
export interface OtlpConversionOptions {
  /** Overrides the source otherwise taken from the `service.name` resource attribute. */
  defaultSource?: string;
  /**
   * Turns cumulative points into deltas (metrics only): monotonic sums, histograms (count, sum and
   * every bucket, then the quantiles of the interval's buckets) and summaries' count and sum, emitted
   * under the same names with `otel.temporality: delta`. A series' first point and out-of-order points
   * yield nothing. Non-monotonic sums (UpDownCounters) are levels and stay as sent. Keep one instance
   * per process: it holds the last point of every series.
   */
  cumulative?: CumulativeToDelta;
}

/** Thrown when the request structure itself is malformed; `field` names the offending path. */
export class OtlpPayloadError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'OtlpPayloadError';
    this.field = field;
  }
}

// The ingest API caps label values at 2 KiB and log text at 64 KiB; longer values are cut here so
// that one oversized attribute (a stack trace, say) does not get the whole record rejected.
const MAX_LABEL_VALUE = 2048;
const MAX_TEXT = 64 * 1024;
const DEFAULT_SOURCE = 'otlp';
const NANOS_PER_MS = 1_000_000n;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v)
  );
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return 'raw bytes';
  if (v === undefined) return 'undefined';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const snakeNames = new Map<string, string>();

/** Reads a field by its lowerCamelCase name, falling back to the snake_case spelling; null is absent. */
function pick(o: Obj, name: string): unknown {
  const v = o[name];
  if (v !== undefined && v !== null) return v;
  let snake = snakeNames.get(name);
  if (snake === undefined) {
    snake = name.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);
    snakeNames.set(name, snake);
  }
  if (snake === name) return undefined;
  const s = o[snake];
  return s === null ? undefined : s;
}

/** An optional array field: absent gives [], anything but an array throws. */
function arrayField(
  o: Obj,
  name: string,
  path: string,
  hint: string,
): unknown[] {
  const v = pick(o, name);
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    throw new OtlpPayloadError(
      `${path}${name}`,
      `${path}${name} must be an array, got ${describeValue(v)}; ${hint}`,
    );
  }
  return v;
}

/** An element of a structural array that must be an object. */
function objectAt(v: unknown, path: string, hint: string): Obj {
  if (!isObj(v)) {
    throw new OtlpPayloadError(
      path,
      `${path} must be an object, got ${describeValue(v)}; ${hint}`,
    );
  }
  return v;
}

function requestObject(body: unknown, what: string, example: string): Obj {
  if (!isObj(body)) {
    const parseHint =
      typeof body === 'string' || ArrayBuffer.isView(body)
        ? ' (parse the JSON text before converting it)'
        : '';
    throw new OtlpPayloadError(
      '(body)',
      `the OTLP ${what} request body must be a JSON object such as ${example}, got ${describeValue(
        body,
      )}${parseHint}; ` +
        'send the OTLP/HTTP JSON encoding with Content-Type: application/json (protobuf bodies are not read here)',
    );
  }
  return body;
}

/**
 * Reads a number encoded the protobuf-JSON way: a number, a decimal string (64-bit integers), or
 * "NaN"/"Infinity"/"-Infinity" for doubles. Anything else (absent included) gives NaN.
 */
function readNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'NaN') return NaN;
    if (t === 'Infinity') return Infinity;
    if (t === '-Infinity') return -Infinity;
    if (t !== '' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t))
      return Number(t);
  }
  return NaN;
}

/**
 * Converts a nanosecond timestamp (number or decimal string) to epoch milliseconds, exactly for
 * string inputs. Returns undefined when absent or 0 (OTLP's "unset"), NaN when unreadable.
 */
function nanosToMs(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let ms: number;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) {
    const ns = BigInt(v.trim());
    ms = Number(ns / NANOS_PER_MS) + Number(ns % NANOS_PER_MS) / 1e6;
  } else if (typeof v === 'bigint') {
    ms = Number(v / NANOS_PER_MS) + Number(v % NANOS_PER_MS) / 1e6;
  } else {
    ms = readNumber(v) / 1e6;
  }
  if (ms === 0) return undefined;
  return Number.isFinite(ms) && ms > 0 ? ms : NaN;
}

/**
 * Converts an OTLP `AnyValue` (JSON encoding) to a plain JS value: strings, booleans and numbers
 * as such, 64-bit integers as numbers (as decimal strings beyond Number's safe range), arrays and
 * key-value lists as arrays and objects, bytes as their base64 text. An empty AnyValue gives null,
 * anything that is not an AnyValue gives undefined.
 */
export function anyValueToJs(v: unknown): unknown {
  if (!isObj(v)) return undefined;
  const s = pick(v, 'stringValue');
  if (s !== undefined) return String(s);
  const b = pick(v, 'boolValue');
  if (b !== undefined) return b === true || b === 'true';
  const i = pick(v, 'intValue');
  if (i !== undefined) {
    const n = readNumber(i);
    if (Number.isSafeInteger(n)) return n;
    return typeof i === 'string' ? i.trim() : n;
  }
  const d = pick(v, 'doubleValue');
  if (d !== undefined) return readNumber(d);
  const arr = pick(v, 'arrayValue');
  if (arr !== undefined) {
    const values = isObj(arr) ? pick(arr, 'values') : undefined;
    return Array.isArray(values)
      ? values.map(x => anyValueToJs(x) ?? null)
      : [];
  }
  const kv = pick(v, 'kvlistValue');
  if (kv !== undefined) {
    const values = isObj(kv) ? pick(kv, 'values') : undefined;
    const out: Record<string, unknown> = {};
    if (Array.isArray(values)) {
      for (const entry of values) {
        if (isObj(entry) && typeof entry.key === 'string')
          out[entry.key] = anyValueToJs(entry.value) ?? null;
      }
    }
    return out;
  }
  const bytes = pick(v, 'bytesValue');
  if (bytes !== undefined) return String(bytes);
  return null;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Renders a JS value as label text: strings as is, other values as JSON. */
function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, (_k, x) =>
    typeof x === 'number' && !Number.isFinite(x) ? String(x) : x,
  );
}

/** Flattens a KeyValue list into `into`; later calls overwrite earlier keys. Bad entries are skipped. */
function addAttributes(into: Record<string, string>, attributes: unknown) {
  if (!Array.isArray(attributes)) return;
  for (const entry of attributes) {
    if (!isObj(entry) || typeof entry.key !== 'string' || entry.key === '')
      continue;
    const js = anyValueToJs(entry.value);
    if (js === undefined || js === null) continue;
    into[entry.key] = truncate(stringify(js), MAX_LABEL_VALUE);
  }
}

/** The labels and source shared by everything under one resource. */
function resourceContext(
  resource: unknown,
  path: string,
  options: OtlpConversionOptions | undefined,
): { labels: Record<string, string>; source: string } {
  const labels: Record<string, string> = {};
  if (resource !== undefined) {
    const r = objectAt(
      resource,
      path,
      'a resource looks like {"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]}',
    );
    const attributes = pick(r, 'attributes');
    if (attributes !== undefined && !Array.isArray(attributes)) {
      throw new OtlpPayloadError(
        `${path}.attributes`,
        `${path}.attributes must be an array of {"key", "value"} pairs, got ${describeValue(
          attributes,
        )}`,
      );
    }
    addAttributes(labels, attributes);
  }
  const serviceName = labels['service.name'];
  return {
    labels,
    source: options?.defaultSource || serviceName || DEFAULT_SOURCE,
  };
}

/** Adds `service` from `service.name` unless a `service` label is already there. */
function withService(labels: Record<string, string>): Record<string, string> {
  if (labels.service === undefined && labels['service.name'])
    labels.service = labels['service.name'];
  return labels;
}

const SEVERITY_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The level of a log record: its severityText lowercased, else the severityNumber's range. */
function levelOf(
  severityText: unknown,
  severityNumber: unknown,
): string | undefined {
  if (typeof severityText === 'string' && severityText.trim() !== '')
    return severityText.trim().toLocaleLowerCase('en-US');
  if (typeof severityNumber === 'string') {
    const named = /^SEVERITY_NUMBER_([A-Z]+)\d?$/.exec(severityNumber.trim());
    if (named) {
      const level = named[1].toLowerCase();
      return SEVERITY_LEVELS.includes(level) ? level : undefined;
    }
  }
  const n = readNumber(severityNumber);
  if (!Number.isInteger(n) || n < 1 || n > 24) return undefined;
  return SEVERITY_LEVELS[Math.floor((n - 1) / 4)];
}

/**
 * A trace or span id as lowercase hex: hex as sent (the OTLP JSON encoding), or base64 of exactly
 * `bytes` bytes (the generic protobuf-JSON mapping). Undefined when absent, all zeros or unreadable.
 */
function idOf(v: unknown, bytes: number): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  let hex: string | undefined;
  if (/^(?:[0-9a-fA-F]{2})+$/.test(v)) {
    hex = v.toLowerCase();
  } else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) {
    const decoded = Buffer.from(v, 'base64');
    if (decoded.length === bytes) hex = decoded.toString('hex');
  }
  return hex && /[1-9a-f]/.test(hex) ? hex : undefined;
}

function logText(record: Obj): string {
  const body = pick(record, 'body');
  const js = anyValueToJs(body);
  let text: string;
  if (js === undefined || js === null) {
    const eventName = pick(record, 'eventName');
    text = typeof eventName === 'string' ? eventName : '';
  } else {
    text = stringify(js);
  }
  return truncate(text, MAX_TEXT);
}

/**
 * Converts an OTLP/HTTP JSON ExportLogsServiceRequest into log signals, one per log record. Records
 * without a usable timestamp are reported in `errors` (by running record index and field path) and
 * skipped; a malformed request structure throws an {@link OtlpPayloadError}.
 */
export function otlpLogsToSignals(
  body: unknown,
  options?: OtlpConversionOptions,
): OtlpConversionResult {
  const request = requestObject(
    body,
    'logs',
    '{"resourceLogs":[{"resource":{...},"scopeLogs":[{"logRecords":[...]}]}]}',
  );
  const items: OtlpSignal[] = [];
  const errors: OtlpConversionError[] = [];
  let index = 0;
  const resourceLogs = arrayField(
    request,
    'resourceLogs',
    '',
    'an ExportLogsServiceRequest is {"resourceLogs":[{"resource":{...},"scopeLogs":[...]}]}',
  );
  resourceLogs.forEach((rl, r) => {
    const rPath = `resourceLogs[${r}]`;
    const resourceEntry = objectAt(
      rl,
      rPath,
      'each entry is {"resource":{...},"scopeLogs":[...]}',
    );
    const resource = resourceContext(
      pick(resourceEntry, 'resource'),
      `${rPath}.resource`,
      options,
    );
    const scopeLogs = arrayField(
      resourceEntry,
      'scopeLogs',
      `${rPath}.`,
      'list the scopes as {"scopeLogs":[{"scope":{"name":"..."},"logRecords":[...]}]}',
    );
    scopeLogs.forEach((sl, s) => {
      const sPath = `${rPath}.scopeLogs[${s}]`;
      const scopeEntry = objectAt(
        sl,
        sPath,
        'each entry is {"scope":{...},"logRecords":[...]}',
      );
      const scope = pick(scopeEntry, 'scope');
      const scopeName =
        isObj(scope) && typeof scope.name === 'string' && scope.name !== ''
          ? scope.name
          : undefined;
      const records = arrayField(
        scopeEntry,
        'logRecords',
        `${sPath}.`,
        'list the records as {"logRecords":[{"timeUnixNano":"...","body":{"stringValue":"..."}}]}',
      );
      records.forEach((rec, l) => {
        const i = index++;
        const lPath = `${sPath}.logRecords[${l}]`;
        if (!isObj(rec)) {
          errors.push({
            index: i,
            field: lPath,
            reason: `a log record must be an object, got ${describeValue(rec)}`,
          });
          return;
        }
        let ts = nanosToMs(pick(rec, 'timeUnixNano'));
        if (Number.isNaN(ts)) {
          errors.push({
            index: i,
            field: `${lPath}.timeUnixNano`,
            reason:
              'timeUnixNano must be a non-negative integer of nanoseconds since the epoch (a number or a decimal string)',
          });
          return;
        }
        if (ts === undefined) {
          ts = nanosToMs(pick(rec, 'observedTimeUnixNano'));
          if (ts === undefined || Number.isNaN(ts)) {
            errors.push({
              index: i,
              field: `${lPath}.timeUnixNano`,
              reason:
                'the record has no timestamp: set timeUnixNano (or observedTimeUnixNano) to nanoseconds since the epoch',
            });
            return;
          }
        }
        const labels: Record<string, string> = { ...resource.labels };
        addAttributes(labels, pick(rec, 'attributes'));
        const level = levelOf(
          pick(rec, 'severityText'),
          pick(rec, 'severityNumber'),
        );
        if (level) labels.level = level;
        const traceId = idOf(pick(rec, 'traceId'), 16);
        if (traceId) labels.trace_id = traceId;
        const spanId = idOf(pick(rec, 'spanId'), 8);
        if (spanId) labels.span_id = spanId;
        if (scopeName) labels['otel.scope'] = scopeName;
        items.push({
          source: resource.source,
          kind: 'log',
          ts,
          text: logText(rec),
          labels: withService(labels),
        });
      });
    });
  });
  return { items, errors };
}

/** One value a data point yields, with the field it was read from. */
interface PointValue {
  suffix: string;
  field: string;
  value: number;
  /** False for counts, which carry no unit. */
  withUnit: boolean;
}

interface Bucket {
  lower: number;
  upper: number;
  count: number;
}

const HISTOGRAM_QUANTILES = [0.5, 0.95, 0.99];

/**
 * The q-quantile of a bucketed distribution, interpolated linearly inside the bucket holding the
 * rank. Buckets must be in ascending order; undefined when the buckets hold no observation.
 */
function quantileFromBuckets(buckets: Bucket[], q: number): number | undefined {
  const total = buckets.reduce((acc, b) => acc + b.count, 0);
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let cumulative = 0;
  let last: Bucket | undefined;
  for (const b of buckets) {
    if (b.count <= 0) continue;
    last = b;
    if (cumulative + b.count >= rank) {
      const fraction = Math.min(1, Math.max(0, (rank - cumulative) / b.count));
      return b.lower + (b.upper - b.lower) * fraction;
    }
    cumulative += b.count;
  }
  return last?.upper;
}

/** Narrows a bucket's bounds to the observed min/max when those are known. */
function clampBucket(
  b: Bucket,
  min: number | undefined,
  max: number | undefined,
): Bucket {
  let { lower, upper } = b;
  if (min !== undefined && min > lower && min <= upper) lower = min;
  if (max !== undefined && max < upper && max >= lower) upper = max;
  return { lower, upper, count: b.count };
}

/** The bounds and bucket counts of an explicit-bounds histogram point, when well formed. */
function explicitHistogram(point: Obj): ExplicitHistogramBuckets | undefined {
  const boundsRaw = pick(point, 'explicitBounds');
  const countsRaw = pick(point, 'bucketCounts');
  if (!Array.isArray(countsRaw) || countsRaw.length === 0) return undefined;
  const bounds = Array.isArray(boundsRaw) ? boundsRaw.map(readNumber) : [];
  const counts = countsRaw.map(readNumber);
  if (
    counts.length !== bounds.length + 1 ||
    !bounds.every(Number.isFinite) ||
    !counts.every(c => Number.isFinite(c) && c >= 0) ||
    bounds.some((b, k) => k > 0 && b <= bounds[k - 1])
  )
    return undefined;
  return { type: 'explicit', bounds, counts };
}

/**
 * The buckets of an explicit-bounds histogram. The open-ended first and last buckets are closed with
 * the point's min/max, else with 0 (for a positive first bound) and the last bound.
 */
function explicitBuckets(
  h: ExplicitHistogramBuckets,
  min: number | undefined,
  max: number | undefined,
): Bucket[] | undefined {
  const { bounds, counts } = h;
  if (bounds.length === 0) {
    if (min === undefined || max === undefined) return undefined;
    return [{ lower: min, upper: max, count: counts[0] }];
  }
  const n = bounds.length;
  return counts.map((count, k) => {
    let lower: number;
    let upper: number;
    if (k === 0) {
      upper = bounds[0];
      if (min !== undefined && min <= upper) lower = min;
      else lower = upper > 0 ? 0 : upper;
    } else if (k === n) {
      lower = bounds[n - 1];
      upper = max !== undefined && max >= lower ? max : lower;
    } else {
      lower = bounds[k - 1];
      upper = bounds[k];
    }
    return clampBucket({ lower, upper, count }, min, max);
  });
}

/** The scale, zero bucket and bucket counts of an exponential histogram point, when well formed. */
function exponentialHistogram(
  point: Obj,
): ExponentialHistogramBuckets | undefined {
  const scale = readNumber(pick(point, 'scale') ?? 0);
  if (!Number.isInteger(scale)) return undefined;
  const side = (name: string): ExponentialSide | undefined => {
    const raw = pick(point, name);
    if (raw === undefined) return { offset: 0, counts: [] };
    if (!isObj(raw)) return undefined;
    const offset = readNumber(pick(raw, 'offset') ?? 0);
    const countsRaw = pick(raw, 'bucketCounts') ?? [];
    if (!Number.isInteger(offset) || !Array.isArray(countsRaw))
      return undefined;
    const counts = countsRaw.map(readNumber);
    if (!counts.every(c => Number.isFinite(c) && c >= 0)) return undefined;
    return { offset, counts };
  };
  const positive = side('positive');
  const negative = side('negative');
  const zeroCount = readNumber(pick(point, 'zeroCount') ?? 0);
  const zeroThreshold = readNumber(pick(point, 'zeroThreshold') ?? 0);
  if (
    !positive ||
    !negative ||
    !Number.isFinite(zeroCount) ||
    !Number.isFinite(zeroThreshold)
  )
    return undefined;
  return {
    type: 'exponential',
    scale,
    zeroCount,
    zeroThreshold,
    positive,
    negative,
  };
}

/** The buckets of an exponential histogram, in ascending value order. */
function exponentialBuckets(
  h: ExponentialHistogramBuckets,
  min: number | undefined,
  max: number | undefined,
): Bucket[] | undefined {
  const base = 2 ** (2 ** -h.scale);
  const buckets: Bucket[] = [];
  const negative = h.negative.counts;
  for (let k = negative.length - 1; k >= 0; k--) {
    const index = h.negative.offset + k;
    buckets.push({
      lower: -(base ** (index + 1)),
      upper: -(base ** index),
      count: negative[k],
    });
  }
  if (h.zeroCount > 0)
    buckets.push({
      lower: -h.zeroThreshold,
      upper: h.zeroThreshold,
      count: h.zeroCount,
    });
  h.positive.counts.forEach((count, k) => {
    const index = h.positive.offset + k;
    buckets.push({ lower: base ** index, upper: base ** (index + 1), count });
  });
  if (!buckets.every(b => Number.isFinite(b.lower) && Number.isFinite(b.upper)))
    return undefined;
  return buckets.map(b => clampBucket(b, min, max));
}

/** Formats a quantile as a metric-name suffix: 0.99 gives `p99`, 0.999 gives `p99.9`. */
function quantileSuffix(q: number): string {
  return `_p${Number((q * 100).toFixed(6))}`;
}

type PointKind =
  | 'gauge'
  | 'sum'
  | 'histogram'
  | 'exponentialHistogram'
  | 'summary';
const POINT_KINDS: PointKind[] = [
  'gauge',
  'sum',
  'histogram',
  'exponentialHistogram',
  'summary',
];

/** An optional numeric field of a point: undefined when absent, NaN when unreadable. */
function optionalNumber(point: Obj, name: string): number | undefined {
  const v = pick(point, name);
  return v === undefined ? undefined : readNumber(v);
}

/**
 * Turns the cumulative parts of a distribution point into the interval's: the delta (`converted`), the
 * point as sent (`converted: false`, e.g. too far in the future), or undefined when it yields nothing.
 */
type DistributionDelta = (
  h: HistogramValue,
) => { value: HistogramValue; converted: boolean } | undefined;

/** The values a data point yields (null: none this time), or the field and reason it is rejected for. */
function pointValues(
  kind: PointKind,
  point: Obj,
  toDelta?: DistributionDelta,
): PointValue[] | null | { field: string; reason: string } {
  if (kind === 'gauge' || kind === 'sum') {
    const asDouble = pick(point, 'asDouble');
    const asInt = pick(point, 'asInt');
    const field = asDouble !== undefined ? 'asDouble' : 'asInt';
    const raw = asDouble ?? asInt;
    if (raw === undefined) {
      const flags = readNumber(pick(point, 'flags') ?? 0);
      return {
        field: 'asDouble',
        reason:
          (flags & 1) === 1
            ? 'the point is flagged as having no recorded value'
            : 'the point has neither asDouble nor asInt',
      };
    }
    return [{ suffix: '', field, value: readNumber(raw), withUnit: true }];
  }
  const count = optionalNumber(point, 'count');
  if (count === undefined)
    return { field: 'count', reason: `a ${kind} point needs count` };
  const sum = optionalNumber(point, 'sum');
  const min = optionalNumber(point, 'min');
  const max = optionalNumber(point, 'max');
  let hist: HistogramValue = {
    count,
    ...(sum !== undefined ? { sum } : {}),
  };
  if (kind !== 'summary') {
    const buckets =
      kind === 'histogram'
        ? explicitHistogram(point)
        : exponentialHistogram(point);
    if (buckets) hist.buckets = buckets;
  }
  let converted = false;
  if (toDelta) {
    // A bad value must not become a series' baseline: report it before converting.
    for (const [field, v] of [
      ['count', count],
      ['sum', sum],
    ] as const) {
      if (v !== undefined && !Number.isFinite(v))
        return { field, reason: `${field} must be a finite number` };
    }
    const delta = toDelta(hist);
    if (!delta && kind !== 'summary') return null;
    if (delta) {
      hist = delta.value;
      converted = delta.converted;
    }
    // A summary's quantiles are the sender's own (usually over a sliding window): kept as sent, also
    // when its count and sum yield nothing this time.
    if (!delta) hist = { count: NaN };
  }
  const values: PointValue[] = [];
  if (Number.isFinite(hist.count) || !toDelta)
    values.push({
      suffix: '_count',
      field: 'count',
      value: hist.count,
      withUnit: false,
    });
  if (hist.sum !== undefined)
    values.push({
      suffix: '_sum',
      field: 'sum',
      value: hist.sum,
      withUnit: true,
    });
  if (kind === 'summary') {
    const quantiles = pick(point, 'quantileValues');
    if (Array.isArray(quantiles)) {
      quantiles.forEach((qv, k) => {
        const q = isObj(qv) ? readNumber(pick(qv, 'quantile') ?? 0) : NaN;
        const value = isObj(qv) ? readNumber(pick(qv, 'value')) : NaN;
        values.push({
          suffix:
            Number.isFinite(q) && q >= 0 && q <= 1 ? quantileSuffix(q) : '',
          field: `quantileValues[${k}]`,
          value: Number.isFinite(q) && q >= 0 && q <= 1 ? value : NaN,
          withUnit: true,
        });
      });
    }
    return values;
  }
  // A cumulative histogram's min and max are over all time: still valid bounds for the interval's
  // buckets, but not the interval's min and max, so they are not emitted once converted.
  if (!converted) {
    if (min !== undefined)
      values.push({ suffix: '_min', field: 'min', value: min, withUnit: true });
    if (max !== undefined)
      values.push({ suffix: '_max', field: 'max', value: max, withUnit: true });
  }
  const finiteMin = min !== undefined && Number.isFinite(min) ? min : undefined;
  const finiteMax = max !== undefined && Number.isFinite(max) ? max : undefined;
  let buckets: Bucket[] | undefined;
  if (hist.buckets?.type === 'explicit')
    buckets = explicitBuckets(hist.buckets, finiteMin, finiteMax);
  else if (hist.buckets?.type === 'exponential')
    buckets = exponentialBuckets(hist.buckets, finiteMin, finiteMax);
  if (buckets) {
    for (const q of HISTOGRAM_QUANTILES) {
      const estimate = quantileFromBuckets(buckets, q);
      if (estimate !== undefined && Number.isFinite(estimate)) {
        values.push({
          suffix: quantileSuffix(q),
          field: kind === 'histogram' ? 'bucketCounts' : 'positive',
          value: estimate,
          withUnit: true,
        });
      }
    }
  }
  return values;
}

/** The identity of a point's series for the cumulative converter: name, kind, scope and all labels. */
function seriesIdentity(
  name: string,
  kind: PointKind,
  scope: string,
  labels: Record<string, string>,
): string {
  let key = `${name}\u0001${kind}\u0001${scope}`;
  for (const k of Object.keys(labels).sort())
    key += `\u0001${k}\u0000${labels[k]}`;
  return key;
}

/** Converts one data point into its items, or names the field and reason it is rejected for. */
function convertPoint(
  p: unknown,
  ctx: {
    kind: PointKind;
    name: string;
    unit: string;
    path: string;
    scope: string;
    resource: { labels: Record<string, string>; source: string };
    extra: Record<string, string>;
    cumulative?: CumulativeToDelta;
  },
): OtlpSignal[] | { field: string; reason: string } {
  const { path, kind, cumulative } = ctx;
  if (!isObj(p)) {
    return {
      field: path,
      reason: `a data point must be an object, got ${describeValue(p)}`,
    };
  }
  const ts = nanosToMs(pick(p, 'timeUnixNano'));
  if (ts === undefined || Number.isNaN(ts)) {
    return {
      field: `${path}.timeUnixNano`,
      reason:
        ts === undefined
          ? 'the data point has no timestamp: set timeUnixNano to nanoseconds since the epoch'
          : 'timeUnixNano must be a non-negative integer of nanoseconds since the epoch (a number or a decimal string)',
    };
  }
  const labels: Record<string, string> = { ...ctx.resource.labels };
  addAttributes(labels, pick(p, 'attributes'));
  // What the converter applies to: monotonic cumulative sums, cumulative histograms, summaries.
  const cumulativeTemporality = ctx.extra['otel.temporality'] === 'cumulative';
  const convert =
    cumulative &&
    ((kind === 'sum' &&
      cumulativeTemporality &&
      ctx.extra['otel.monotonic'] === 'true') ||
      ((kind === 'histogram' || kind === 'exponentialHistogram') &&
        cumulativeTemporality) ||
      kind === 'summary')
      ? cumulative
      : undefined;
  let key = '';
  let startMs: number | undefined;
  let converted = false;
  if (convert) {
    key = seriesIdentity(ctx.name, kind, ctx.scope, labels);
    startMs = nanosToMs(pick(p, 'startTimeUnixNano'));
  }
  const values = pointValues(
    kind,
    p,
    convert && kind !== 'sum'
      ? h => {
          const outcome = convert.histogram(key, {
            startMs,
            timeMs: ts,
            value: h,
          });
          if (outcome.kind === 'delta') {
            converted = true;
            return { value: outcome.value, converted: true };
          }
          return outcome.kind === 'future'
            ? { value: h, converted: false }
            : undefined;
        }
      : undefined,
  );
  if (values === null) return [];
  if (!Array.isArray(values)) {
    return { field: `${path}.${values.field}`, reason: values.reason };
  }
  const bad = values.find(v => !Number.isFinite(v.value));
  if (bad) {
    return {
      field: `${path}.${bad.field}`,
      reason: `${bad.field} must be a finite number`,
    };
  }
  if (convert && kind === 'sum') {
    const outcome = convert.scalar(key, {
      startMs,
      timeMs: ts,
      value: values[0].value,
    });
    if (outcome.kind === 'baseline' || outcome.kind === 'stale') return [];
    if (outcome.kind === 'delta') {
      values[0].value = outcome.value;
      converted = true;
    }
  }
  Object.assign(labels, ctx.extra);
  if (converted && kind !== 'summary') labels['otel.temporality'] = 'delta';
  withService(labels);
  return values.map(v => ({
    source: ctx.resource.source,
    kind: 'metric' as const,
    ts,
    key: `${ctx.name}${v.suffix}`,
    value: v.value,
    labels:
      ctx.unit && v.withUnit ? { ...labels, unit: ctx.unit } : { ...labels },
  }));
}

/** `delta` or `cumulative` from an AggregationTemporality number or enum name. */
function temporalityOf(v: unknown): string | undefined {
  if (v === 1 || v === '1' || v === 'AGGREGATION_TEMPORALITY_DELTA')
    return 'delta';
  if (v === 2 || v === '2' || v === 'AGGREGATION_TEMPORALITY_CUMULATIVE')
    return 'cumulative';
  return undefined;
}

/**
 * Converts an OTLP/HTTP JSON ExportMetricsServiceRequest into metric signals: gauge and sum points
 * as `<name>`; histograms as `<name>_count`, `_sum`, `_min`, `_max` and estimated `_p50`, `_p95`,
 * `_p99`; exponential histograms likewise; summaries as `_count`, `_sum` and one `_p<q*100>` per
 * quantile. Points without a timestamp or with a non-finite value are reported in `errors` (by
 * running data point index and field path) and skipped; a malformed request structure throws an
 * {@link OtlpPayloadError}. With `options.cumulative`, cumulative counters, histograms and summaries'
 * count and sum become per-interval deltas (see {@link OtlpConversionOptions.cumulative}); points that
 * yield nothing (a series' first, out of order) are neither items nor errors.
 */
export function otlpMetricsToSignals(
  body: unknown,
  options?: OtlpConversionOptions,
): OtlpConversionResult {
  const request = requestObject(
    body,
    'metrics',
    '{"resourceMetrics":[{"resource":{...},"scopeMetrics":[{"metrics":[...]}]}]}',
  );
  const items: OtlpSignal[] = [];
  const errors: OtlpConversionError[] = [];
  let index = 0;
  const resourceMetrics = arrayField(
    request,
    'resourceMetrics',
    '',
    'an ExportMetricsServiceRequest is {"resourceMetrics":[{"resource":{...},"scopeMetrics":[...]}]}',
  );
  resourceMetrics.forEach((rm, r) => {
    const rPath = `resourceMetrics[${r}]`;
    const resourceEntry = objectAt(
      rm,
      rPath,
      'each entry is {"resource":{...},"scopeMetrics":[...]}',
    );
    const resource = resourceContext(
      pick(resourceEntry, 'resource'),
      `${rPath}.resource`,
      options,
    );
    const scopeMetrics = arrayField(
      resourceEntry,
      'scopeMetrics',
      `${rPath}.`,
      'list the scopes as {"scopeMetrics":[{"scope":{"name":"..."},"metrics":[...]}]}',
    );
    scopeMetrics.forEach((sm, s) => {
      const sPath = `${rPath}.scopeMetrics[${s}]`;
      const scopeEntry = objectAt(
        sm,
        sPath,
        'each entry is {"scope":{...},"metrics":[...]}',
      );
      const scope = pick(scopeEntry, 'scope');
      const scopeName =
        isObj(scope) && typeof scope.name === 'string' ? scope.name : '';
      const metrics = arrayField(
        scopeEntry,
        'metrics',
        `${sPath}.`,
        'list the metrics as {"metrics":[{"name":"...","gauge":{"dataPoints":[...]}}]}',
      );
      metrics.forEach((m, k) => {
        const mPath = `${sPath}.metrics[${k}]`;
        const metric = objectAt(
          m,
          mPath,
          'a metric is {"name":"...","unit":"...","sum"|"gauge"|"histogram"|...:{"dataPoints":[...]}}',
        );
        const name = typeof metric.name === 'string' ? metric.name : '';
        const unit = typeof metric.unit === 'string' ? metric.unit : '';
        for (const kind of POINT_KINDS) {
          const data = pick(metric, kind);
          if (data === undefined) continue;
          const dPath = `${mPath}.${kind}`;
          const dataObj = objectAt(
            data,
            dPath,
            `${kind} holds {"dataPoints":[...]}`,
          );
          const extra: Record<string, string> = {};
          const temporality = temporalityOf(
            pick(dataObj, 'aggregationTemporality'),
          );
          if (temporality && kind !== 'gauge' && kind !== 'summary')
            extra['otel.temporality'] = temporality;
          const monotonic = pick(dataObj, 'isMonotonic');
          // Said either way, so that an UpDownCounter (a level) is never taken for a counter.
          if (kind === 'sum')
            extra['otel.monotonic'] =
              monotonic === true || monotonic === 'true' ? 'true' : 'false';
          const points = arrayField(
            dataObj,
            'dataPoints',
            `${dPath}.`,
            'list the points as {"dataPoints":[{"timeUnixNano":"...","asDouble":1}]}',
          );
          for (const [d, p] of points.entries()) {
            const i = index++;
            const converted =
              name === ''
                ? { field: `${mPath}.name`, reason: 'the metric has no name' }
                : convertPoint(p, {
                    kind,
                    name,
                    unit,
                    path: `${dPath}.dataPoints[${d}]`,
                    scope: scopeName,
                    resource,
                    extra,
                    cumulative: options?.cumulative,
                  });
            if (Array.isArray(converted)) items.push(...converted);
            else errors.push({ index: i, ...converted });
          }
        }
      });
    });
  });
  return { items, errors };
}
