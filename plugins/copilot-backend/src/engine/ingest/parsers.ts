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

/** Levels as written (`INFO`, `info `) to what they normalize to: a stream writes a handful. */
const LEVEL_CACHE = new Map<string, ParsedLine['level'] | null>();
const LEVEL_CACHE_MAX = 1024;
const LEVEL_CACHE_MAX_LENGTH = 32;

export function normalizeLevel(raw: string | undefined): ParsedLine['level'] {
  if (!raw) return undefined;
  const cached = LEVEL_CACHE.get(raw);
  if (cached !== undefined) return cached ?? undefined;
  const level = LEVELS[raw.trim().toLocaleLowerCase('en-US')];
  if (
    LEVEL_CACHE.size < LEVEL_CACHE_MAX &&
    raw.length <= LEVEL_CACHE_MAX_LENGTH
  )
    LEVEL_CACHE.set(raw, level ?? null);
  return level;
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

/**
 * What the ingest engine reads from a line: `parseLine`'s format, level, message, trace id, status and
 * latency, without the fields and timestamp it does not need.
 */
export interface LineFacts {
  format: string;
  level: ParsedLine['level'];
  message: string;
  traceId: string | undefined;
  statusCode: number | undefined;
  latencyMs: number | undefined;
}

export const newLineFacts = (): LineFacts => ({
  format: 'text',
  level: undefined,
  message: '',
  traceId: undefined,
  statusCode: undefined,
  latencyMs: undefined,
});

/** `\w`, `.`, `@` and `-`: the characters of a logfmt key. */
function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 46 ||
    c === 45 ||
    c === 64
  );
}

/** What `\s` matches (a UTF-16 unit). */
export function isSpaceCode(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** What `.` does not match. */
const isLineTerminator = (c: number) =>
  c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

const UNESCAPE = /\\(.)/g;

/** The keys `fromFields` reads, by what it reads from them; each list in order of preference. */
const ROLE_KEYS = [
  LEVEL_KEYS,
  MESSAGE_KEYS,
  TRACE_KEYS,
  STATUS_KEYS,
  LATENCY_MS_KEYS,
  ['duration'],
];
const [LEVEL, MESSAGE, TRACE, STATUS, LATENCY_MS, DURATION] = [
  0, 1, 2, 3, 4, 5,
];
const ROLE_SLOTS = 16;
/** Key -> role * ROLE_SLOTS + its rank in the role's list. */
const ROLE_OF = new Map<string, number>();
ROLE_KEYS.forEach((keys, role) =>
  keys.forEach((k, rank) => ROLE_OF.set(k, role * ROLE_SLOTS + rank)),
);

/**
 * The values of the keys `fromFields` reads, for the line being read: a slot holds a value when its
 * generation is the line's, so that starting a line clears nothing.
 */
const roleValues: string[] = new Array(ROLE_KEYS.length * ROLE_SLOTS).fill('');
const roleGeneration = new Float64Array(ROLE_KEYS.length * ROLE_SLOTS);
let generation = 0;

function setRole(slot: number, value: string) {
  roleValues[slot] = value;
  roleGeneration[slot] = generation;
}

/** `first(fields, keys)` of a role. */
function firstOfRole(role: number): string | undefined {
  const n = ROLE_KEYS[role].length;
  for (let i = role * ROLE_SLOTS, end = i + n; i < end; i++) {
    if (roleGeneration[i] === generation && roleValues[i] !== '')
      return roleValues[i];
  }
  return undefined;
}

/** The role slot of a key only when the key is set for the line (`duration` may be set to ''). */
function roleValue(slot: number): string | undefined {
  return roleGeneration[slot] === generation ? roleValues[slot] : undefined;
}

/** `fromFields` over the role values of the line. */
function factsFromRoles(
  out: LineFacts,
  format: string,
  fallbackMessage: string,
): LineFacts {
  const status = Number(firstOfRole(STATUS));
  let latency: number;
  const latencyMs = firstOfRole(LATENCY_MS);
  if (latencyMs !== undefined) latency = Number(latencyMs);
  else {
    const duration = roleValue(DURATION * ROLE_SLOTS);
    latency =
      duration === undefined
        ? NaN
        : Number(duration.endsWith('ms') ? duration.slice(0, -2) : duration);
  }
  out.format = format;
  out.level = normalizeLevel(firstOfRole(LEVEL));
  out.message = firstOfRole(MESSAGE) ?? fallbackMessage;
  out.traceId = firstOfRole(TRACE);
  out.statusCode =
    Number.isInteger(status) && status >= 100 && status < 600
      ? status
      : undefined;
  out.latencyMs = Number.isFinite(latency) ? latency : undefined;
  return out;
}

/**
 * `parseLogfmt` in one scan: what the regex `([\w.@-]+)=("(?:[^"\\]|\\.)*"|\S*)` matches, match after
 * match, with the same test of whether the line is logfmt (its result). The values of the keys
 * `fromFields` reads go to their roles (the last of a repeated key wins).
 */
function scanLogfmt(line: string): boolean {
  const n = line.length;
  let covered = 0;
  let firstKey: string | undefined;
  let twoKeys = false;
  let i = 0;
  while (i < n) {
    if (!isKeyChar(line.charCodeAt(i))) {
      i++;
      continue;
    }
    const keyStart = i;
    while (i < n && isKeyChar(line.charCodeAt(i))) i++;
    // A run of key characters not followed by `=` holds no match; the character after it cannot start one.
    if (i >= n || line.charCodeAt(i) !== 61) continue;
    const keyEnd = i;
    const valueStart = i + 1;
    let valueEnd = -1;
    if (valueStart < n && line.charCodeAt(valueStart) === 34) {
      let j = valueStart + 1;
      while (j < n) {
        const c = line.charCodeAt(j);
        if (c === 34) {
          valueEnd = j + 1;
          break;
        }
        if (c === 92) {
          if (j + 1 < n && !isLineTerminator(line.charCodeAt(j + 1))) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
    }
    if (valueEnd < 0) {
      valueEnd = valueStart;
      while (valueEnd < n && !isSpaceCode(line.charCodeAt(valueEnd)))
        valueEnd++;
    }
    const key = line.slice(keyStart, keyEnd);
    // parseLogfmt's object ignores a `__proto__` key (setting it to a string does nothing).
    if (key !== '__proto__') {
      if (firstKey === undefined) firstKey = key;
      else if (!twoKeys && key !== firstKey) twoKeys = true;
      const slot = ROLE_OF.get(key);
      if (slot !== undefined) {
        let value = line.slice(valueStart, valueEnd);
        if (value.charCodeAt(0) === 34) {
          value = value.slice(1, -1);
          if (value.includes('\\')) value = value.replace(UNESCAPE, '$1');
        }
        setRole(slot, value);
      }
    }
    covered += valueEnd - keyStart;
    i = valueEnd;
  }
  if (!twoKeys) return false;
  let nonSpace = 0;
  for (let k = 0; k < n; k++) if (!isSpaceCode(line.charCodeAt(k))) nonSpace++;
  return covered >= nonSpace * 0.6;
}

/** Sets the roles of a flat JSON object's fields; false when a value is an object (fields by path). */
function readJsonRoles(obj: Record<string, unknown>): boolean {
  for (const k in obj) {
    // Own fields only, as Object.entries in flatten reads them.
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
    const v = obj[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return false;
    const slot = ROLE_OF.get(k);
    // A value as `flatten` writes it into a field.
    if (slot !== undefined)
      setRole(slot, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return true;
}

/** Sets the roles from fields. */
function readFieldRoles(fields: Record<string, string>) {
  for (const keys of ROLE_KEYS) {
    for (const k of keys) {
      const v = fields[k];
      if (v !== undefined) setRole(ROLE_OF.get(k)!, v);
    }
  }
}

/**
 * A profile's pattern with plain groups where it has named ones, and the group of each name: exec
 * then builds no `groups` object, which costs as much as the match itself.
 */
interface PlainPattern {
  re: RegExp;
  groupOf: Map<string, number>;
  /** The group of each of FIELDS (0: none). */
  fieldGroups: number[];
  /** Matches still to compare with the named pattern's before relying on this one. */
  checks: number;
  /** Lines still to compare while no match came (a pattern that never matches is not checked forever). */
  lines: number;
}

const PLAIN_PATTERNS = new WeakMap<RegExp, PlainPattern | null>();

/** The fields readLine reads of a profile's match, by number. */
const FIELD_NAMES = [
  'latency',
  'trace',
  'trace_id',
  'traceId',
  'trace_id_hex',
  'status',
  'lvl',
  'lvl2',
  'level',
  'pri',
  'message',
  'message2',
  'method',
  'path',
];
const F = Object.fromEntries(FIELD_NAMES.map((name, i) => [name, i])) as Record<
  string,
  number
>;

/** Capturing groups of a pattern. */
const groupCount = (source: string, flags: string) =>
  new RegExp(`${source}|`, flags).exec('')!.length - 1;

function toPlainPattern(pattern: RegExp): PlainPattern | null {
  const { source, flags } = pattern;
  if (/[gyuv]/.test(flags) || source.includes('\\k<')) return null;
  const groupOf = new Map<string, number>();
  let plain = '';
  let groups = 0;
  let inClass = false;
  for (let i = 0; i < source.length; ) {
    const c = source[i];
    if (c === '\\') {
      plain += source.slice(i, i + 2);
      i += 2;
    } else if (inClass) {
      if (c === ']') inClass = false;
      plain += c;
      i++;
    } else if (c === '[') {
      inClass = true;
      plain += c;
      i++;
    } else if (c === '(' && source[i + 1] !== '?') {
      groups++;
      plain += c;
      i++;
    } else if (
      c === '(' &&
      source[i + 2] === '<' &&
      source[i + 3] !== '=' &&
      source[i + 3] !== '!'
    ) {
      const close = source.indexOf('>', i + 3);
      if (close < 0) return null;
      const name = source.slice(i + 3, close);
      groups++;
      if (groupOf.has(name)) return null;
      groupOf.set(name, groups);
      plain += '(';
      i = close + 1;
    } else {
      plain += c;
      i++;
    }
  }
  if (
    groupOf.size === 0 ||
    groupCount(source, flags) !== groups ||
    groupCount(plain, flags) !== groups
  )
    return null;
  return {
    re: new RegExp(plain, flags),
    groupOf,
    fieldGroups: FIELD_NAMES.map(name => groupOf.get(name) ?? 0),
    checks: 16,
    lines: 256,
  };
}

/**
 * The pattern with `(?<name>` written `(`; null when that is not plainly the same pattern
 * (stateful flags, backreferences by name, anything that does not parse as expected).
 */
function plainPattern(pattern: RegExp): PlainPattern | null {
  const known = PLAIN_PATTERNS.get(pattern);
  if (known !== undefined) return known;
  let plain: PlainPattern | null = null;
  try {
    plain = toPlainPattern(pattern);
  } catch {
    plain = null;
  }
  PLAIN_PATTERNS.set(pattern, plain);
  return plain;
}

/** The match of the profile being read: plain (with its pattern's groups by name), or named. */
let match: RegExpExecArray | undefined;
let matchGroupOf: Map<string, number> | undefined;
let matchFieldGroups: number[] = [];
let matchGroups: Record<string, string | undefined> = {};

/** A named group of the match (undefined when it did not take part, or there is none of that name). */
function group(name: string): string | undefined {
  if (matchGroupOf === undefined) return matchGroups[name];
  const i = matchGroupOf.get(name);
  return i === undefined ? undefined : match![i];
}

/**
 * Matches a profile's pattern; false when it does not match or names no group. Its first matches
 * are compared with those of the named pattern, which is used from then on should they differ.
 */
function matchProfile(profile: LineProfile, line: string): boolean {
  const plain = plainPattern(profile.pattern);
  if (plain) {
    const m = plain.re.exec(line);
    if (plain.checks > 0 && plain.lines > 0) {
      plain.lines--;
      const named = profile.pattern.exec(line);
      if (m || named) plain.checks--;
      let same = (m === null) === (named === null);
      if (same && m && named) {
        same = m.index === named.index && m[0] === named[0];
        for (const [name, i] of plain.groupOf)
          if (named.groups?.[name] !== m[i]) same = false;
      }
      if (!same) {
        PLAIN_PATTERNS.set(profile.pattern, null);
        return matchProfile(profile, line);
      }
    }
    if (!m) return false;
    match = m;
    matchGroupOf = plain.groupOf;
    matchFieldGroups = plain.fieldGroups;
    return true;
  }
  const m = profile.pattern.exec(line);
  if (!m?.groups) return false;
  match = m;
  matchGroupOf = undefined;
  matchGroups = m.groups;
  return true;
}

/** Pairs of a profile's trailer, the first of a repeated key kept (as `readTrailer` keeps it). */
const trailerKeys: string[] = [];
const trailerValues: string[] = [];
let trailerSize = 0;

function trailerValue(key: string): string | undefined {
  for (let i = 0; i < trailerSize; i++)
    if (trailerKeys[i] === key) return trailerValues[i];
  return undefined;
}

/** What a plain object holds before anything is set on it (its prototype's members). */
const BARE: Record<string, unknown> = {};

/**
 * A field of a profile match as parseLine's `g` holds it: the defined group, else the trailer's
 * pair, else what `{}` has under that name.
 */
function profileField(key: string): any {
  const v = group(key);
  if (v !== undefined) return v;
  const t = trailerSize > 0 ? trailerValue(key) : undefined;
  return t !== undefined ? t : BARE[key];
}

/** The group of one of FIELDS. */
function fieldGroup(field: number): string | undefined {
  if (matchGroupOf === undefined) return matchGroups[FIELD_NAMES[field]];
  const i = matchFieldGroups[field];
  return i === 0 ? undefined : match![i];
}

/** One of FIELDS: its group's value, else the trailer's. */
function fieldOf(field: number): string | undefined {
  const v = fieldGroup(field);
  if (v !== undefined) return v;
  return trailerSize > 0 ? trailerValue(FIELD_NAMES[field]) : undefined;
}

/** `readTrailer`'s pairs, from `from` on. */
function scanTrailer(line: string, from: number) {
  let i = from;
  while (i < line.length) {
    while (line.charCodeAt(i) === 32) i++;
    let end = line.indexOf(' ', i);
    if (end < 0) end = line.length;
    const eq = line.indexOf('=', i);
    if (eq > i && eq < end) {
      const key = line.slice(i, eq);
      if (profileField(key) === undefined) {
        let value = line.slice(eq + 1, end);
        if (value.startsWith('"') && value.endsWith('"') && value.length > 1)
          value = value.slice(1, -1);
        trailerKeys[trailerSize] = key;
        trailerValues[trailerSize] = value;
        trailerSize++;
      }
    }
    i = end + 1;
  }
}

const TRACE_IN_TEXT = /\btrace_?id[=:]\s*"?([0-9a-f]{8,})/i;
const LEVEL_IN_TEXT =
  /\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|CRITICAL)\b/;

/**
 * What `parseLine` says of a line's format, level, message, trace id, status and latency (the same
 * values), without building its fields: for the ingest engine, which reads nothing else. Fills `out`.
 */
export function readLine(
  line: string,
  profiles: LineProfile[],
  out: LineFacts,
): LineFacts {
  const trimmed = line.trim();
  generation++;
  if (trimmed.charCodeAt(0) === 123) {
    let parsed: unknown;
    let ok = true;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      ok = false;
    }
    if (ok) {
      if (
        parsed !== null &&
        typeof parsed === 'object' &&
        !Array.isArray(parsed) &&
        !readJsonRoles(parsed as Record<string, unknown>)
      ) {
        // Nested objects: their fields are named by path, and may shadow others; flatten as parseLine does.
        generation++;
        readFieldRoles(flatten(parsed));
      }
      return factsFromRoles(out, 'json', trimmed);
    }
  }
  // As LOGFMT_START: a run of key characters, then `=`.
  let k = 0;
  while (k < trimmed.length && isKeyChar(trimmed.charCodeAt(k))) k++;
  if (k > 0 && trimmed.charCodeAt(k) === 61) {
    if (scanLogfmt(trimmed)) return factsFromRoles(out, 'logfmt', trimmed);
    generation++;
  }

  for (const profile of profiles) {
    if (!matchProfile(profile, trimmed)) continue;
    trailerSize = 0;
    let latency: string | undefined;
    let trace: string | undefined;
    if (profile.trailer) {
      scanTrailer(trimmed, match!.index + match![0].length);
      latency = fieldOf(F.latency);
      if (latency === undefined) {
        for (const key of profile.trailer.latency) {
          const v = profileField(key);
          if (v !== undefined && v !== '-') {
            latency = v;
            break;
          }
        }
      }
      trace = fieldOf(F.trace);
      if (trace === undefined) {
        const t =
          fieldOf(F.trace_id) ?? fieldOf(F.traceId) ?? fieldOf(F.trace_id_hex);
        if (t) trace = t;
      }
    } else {
      latency = fieldGroup(F.latency);
      trace = fieldGroup(F.trace);
    }
    const statusText = fieldOf(F.status);
    const status = statusText ? Number(statusText) : undefined;
    let level = normalizeLevel(
      fieldOf(F.lvl) ?? fieldOf(F.lvl2) ?? fieldOf(F.level),
    );
    if (!level) {
      const pri = fieldOf(F.pri);
      if (pri) level = SYSLOG_SEVERITY[Number(pri) % 8];
    }
    if (!level && status !== undefined) level = levelOfStatus(status);
    const factor = LATENCY_FACTOR[profile.latencyUnit ?? 'ms'];
    let message = fieldOf(F.message) ?? fieldOf(F.message2);
    if (message === undefined) {
      const method = fieldOf(F.method);
      message = method ? `${method} ${fieldOf(F.path)} ${statusText}` : trimmed;
    }
    out.format = profile.name;
    out.level = level;
    out.message = message;
    out.traceId =
      trace ??
      (trimmed.includes('race') || trimmed.includes('RACE')
        ? TRACE_IN_TEXT.exec(trimmed)?.[1]
        : undefined);
    out.statusCode = status;
    out.latencyMs = latency ? Number(latency) * factor : undefined;
    return out;
  }
  out.format = 'text';
  out.level = normalizeLevel(LEVEL_IN_TEXT.exec(trimmed)?.[1]);
  out.message = trimmed;
  out.traceId = undefined;
  out.statusCode = undefined;
  out.latencyMs = undefined;
  return out;
}
