// Field extraction from log lines: JSON lines, logfmt, and named-regex ("grok"-style) profiles for the
// common text formats (nginx/apache access, syslog RFC 3164/5424, klog, logback, Python logging).

/** What a parser extracts from one line; absent fields were not found. */
export interface ParsedLine {
  format: string;
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  message: string;
  timestamp?: string;
  traceId?: string;
  statusCode?: number;
  latencyMs?: number;
  fields: Record<string, string>;
}

/** A named-regex profile: the pattern's named groups become fields. */
export interface LineProfile {
  name: string;
  pattern: RegExp;
  /** Unit of a `latency` group: seconds in nginx's `$request_time`, ms elsewhere. */
  latencyUnit?: 's' | 'ms' | 'us';
  /**
   * `key=value` pairs after the match (nginx `log_format` additions such as `rt=$request_time`) become
   * fields; `latency` names the keys read as the latency.
   */
  trailer?: { latency: string[] };
}

const LEVELS: Record<string, ParsedLine['level']> = {
  trace: 'trace',
  finest: 'trace',
  finer: 'trace',
  debug: 'debug',
  fine: 'debug',
  d: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  i: 'info',
  warn: 'warn',
  warning: 'warn',
  w: 'warn',
  error: 'error',
  err: 'error',
  severe: 'error',
  e: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  panic: 'fatal',
  f: 'fatal',
};

export function normalizeLevel(raw: string | undefined): ParsedLine['level'] {
  return raw ? LEVELS[raw.trim().toLocaleLowerCase('en-US')] : undefined;
}

const SYSLOG_SEVERITY: ParsedLine['level'][] = [
  'fatal',
  'fatal',
  'fatal',
  'error',
  'warn',
  'info',
  'info',
  'debug',
];

/** The built-in profiles, tried in order after JSON and logfmt. */
export const BUILTIN_PROFILES: LineProfile[] = [
  {
    // nginx "combined" (optionally with rt=$request_time) and Apache combined/common
    name: 'access',
    pattern:
      /^(?<client>\S+) \S+ (?<user>\S+) \[(?<timestamp>[^\]]+)\] "(?<method>[A-Z]+) (?<path>\S+)(?: (?<protocol>HTTP\/[\d.]+))?" (?<status>\d{3}) (?<bytes>\d+|-)(?: "(?<referer>[^"]*)" "(?<agent>[^"]*)")?/,
    latencyUnit: 's',
    trailer: { latency: ['rt', 'request_time', 'upstream_response_time'] },
  },
  {
    // Kubernetes klog / glog: I0301 12:00:00.123456   123 file.go:42] message
    name: 'klog',
    pattern:
      /^(?<lvl>[IWEF])(?<timestamp>\d{4} \d{2}:\d{2}:\d{2}\.\d+)\s+(?<pid>\d+) (?<source>[^\]]+)\] (?<message>.*)$/,
  },
  {
    // syslog RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG
    name: 'syslog5424',
    pattern:
      /^<(?<pri>\d{1,3})>1 (?<timestamp>\S+) (?<host>\S+) (?<app>\S+) (?<procid>\S+) (?<msgid>\S+) (?:-|(?:\[[^\]]*\])+) ?(?<message>.*)$/,
  },
  {
    // syslog RFC 3164: <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG (PRI optional, as in files)
    name: 'syslog3164',
    pattern:
      /^(?:<(?<pri>\d{1,3})>)?(?<timestamp>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (?<host>\S+) (?<app>[^\s:[]+)(?:\[(?<pid>\d+)\])?: (?<message>.*)$/,
  },
  {
    // logback / log4j default: 2026-03-01 12:00:00.123 INFO [thread] logger - message
    name: 'logback',
    pattern:
      /^(?<timestamp>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}[.,]\d{3}) +(?<lvl>TRACE|DEBUG|INFO|WARN|ERROR|FATAL) +\[(?<thread>[^\]]+)\] (?<logger>\S+) +- (?<message>.*)$/,
  },
  {
    // Python logging: 2026-03-01 12:00:00,123 - name - LEVEL - message  (or LEVEL:name:message)
    name: 'python',
    pattern:
      /^(?:(?<timestamp>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) - (?<logger>\S+) - (?<lvl>[A-Z]+) - (?<message>.*)|(?<lvl2>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?<logger2>[^:]+):(?<message2>.*))$/,
  },
];

const TRACE_KEYS = [
  'trace_id',
  'traceId',
  'traceid',
  'trace',
  'trace.id',
  'otelTraceID',
  'dd.trace_id',
];
const LEVEL_KEYS = [
  'level',
  'lvl',
  'severity',
  'log.level',
  'loglevel',
  'severity_text',
];
const MESSAGE_KEYS = ['msg', 'message', 'log', 'event', 'text'];
const STATUS_KEYS = [
  'status',
  'status_code',
  'statusCode',
  'http.status_code',
  'http_status',
  'code',
];
const LATENCY_MS_KEYS = [
  'duration_ms',
  'latency_ms',
  'elapsed_ms',
  'took_ms',
  'response_time_ms',
];
const TIME_KEYS = ['ts', 'time', 'timestamp', '@timestamp', 't'];

const first = (fields: Record<string, string>, keys: string[]) => {
  for (const k of keys)
    if (fields[k] !== undefined && fields[k] !== '') return fields[k];
  return undefined;
};

function fromFields(
  format: string,
  fields: Record<string, string>,
  fallbackMessage: string,
): ParsedLine {
  const status = Number(first(fields, STATUS_KEYS));
  const latency = Number(
    first(fields, LATENCY_MS_KEYS) ?? fields.duration?.replace(/ms$/, ''),
  );
  return {
    format,
    level: normalizeLevel(first(fields, LEVEL_KEYS)),
    message: first(fields, MESSAGE_KEYS) ?? fallbackMessage,
    timestamp: first(fields, TIME_KEYS),
    traceId: first(fields, TRACE_KEYS),
    statusCode:
      Number.isInteger(status) && status >= 100 && status < 600
        ? status
        : undefined,
    latencyMs: Number.isFinite(latency) ? latency : undefined,
    fields,
  };
}

function flatten(
  value: unknown,
  prefix = '',
  out: Record<string, string> = {},
): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value))
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** `key=value key2="quoted value"`; undefined when the line is not logfmt. */
export function parseLogfmt(line: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  const re = /([\w.@-]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let covered = 0;
  for (const m of line.matchAll(re)) {
    fields[m[1]] = m[2].startsWith('"')
      ? m[2].slice(1, -1).replace(/\\(.)/g, '$1')
      : m[2];
    covered += m[0].length;
  }
  // Mostly key=value pairs, not prose that happens to contain one "=".
  const keys = Object.keys(fields).length;
  return keys >= 2 && covered >= line.replace(/\s+/g, '').length * 0.6
    ? fields
    : undefined;
}

const LOGFMT_START = /^[\w.@-]+=/;

/** Reads the space-separated `key=value` pairs from `from` on into `g` (keys already there win). */
function readTrailer(
  line: string,
  from: number,
  g: Record<string, string>,
  latencyKeys: string[],
) {
  let i = from;
  while (i < line.length) {
    while (line.charCodeAt(i) === 32) i++;
    let end = line.indexOf(' ', i);
    if (end < 0) end = line.length;
    const eq = line.indexOf('=', i);
    if (eq > i && eq < end) {
      const key = line.slice(i, eq);
      let value = line.slice(eq + 1, end);
      if (value.startsWith('"') && value.endsWith('"') && value.length > 1)
        value = value.slice(1, -1);
      if (g[key] === undefined) g[key] = value;
    }
    i = end + 1;
  }
  if (g.latency === undefined) {
    for (const k of latencyKeys) {
      if (g[k] !== undefined && g[k] !== '-') {
        g.latency = g[k];
        break;
      }
    }
  }
  if (g.trace === undefined) {
    const trace = g.trace_id ?? g.traceId ?? g.trace_id_hex;
    if (trace) g.trace = trace;
  }
}

const LATENCY_FACTOR = { s: 1000, ms: 1, us: 0.001 } as const;

function levelOfStatus(status: number): ParsedLine['level'] {
  if (status >= 500) return 'error';
  if (status >= 400) return 'warn';
  return 'info';
}

/** Parses one line with JSON, logfmt, then each profile; falls back to the raw text. */
export function parseLine(
  line: string,
  profiles: LineProfile[] = BUILTIN_PROFILES,
): ParsedLine {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    try {
      return fromFields('json', flatten(JSON.parse(trimmed)), trimmed);
    } catch {
      // not JSON: try the other formats
    }
  }
  // logfmt lines open with a key=value pair; testing that first spares the full scan of other lines.
  const logfmt = LOGFMT_START.test(trimmed) ? parseLogfmt(trimmed) : undefined;
  if (logfmt) return fromFields('logfmt', logfmt, trimmed);

  for (const profile of profiles) {
    const m = profile.pattern.exec(trimmed);
    if (!m?.groups) continue;
    const g: Record<string, string> = {};
    for (const k in m.groups) {
      if (m.groups[k] !== undefined) g[k] = m.groups[k];
    }
    if (profile.trailer)
      readTrailer(trimmed, m.index + m[0].length, g, profile.trailer.latency);
    const status = g.status ? Number(g.status) : undefined;
    let level = normalizeLevel(g.lvl ?? g.lvl2 ?? g.level);
    if (!level && g.pri) level = SYSLOG_SEVERITY[Number(g.pri) % 8];
    if (!level && status !== undefined) level = levelOfStatus(status);
    const factor = LATENCY_FACTOR[profile.latencyUnit ?? 'ms'];
    return {
      format: profile.name,
      level,
      message:
        g.message ??
        g.message2 ??
        (g.method ? `${g.method} ${g.path} ${g.status}` : trimmed),
      timestamp: g.timestamp,
      traceId:
        g.trace ??
        (trimmed.includes('race') || trimmed.includes('RACE')
          ? /\btrace_?id[=:]\s*"?([0-9a-f]{8,})/i.exec(trimmed)?.[1]
          : undefined),
      statusCode: status,
      latencyMs: g.latency ? Number(g.latency) * factor : undefined,
      fields: g,
    };
  }
  return {
    format: 'text',
    message: trimmed,
    fields: {},
    level: normalizeLevel(
      /\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|CRITICAL)\b/.exec(
        trimmed,
      )?.[1],
    ),
  };
}
