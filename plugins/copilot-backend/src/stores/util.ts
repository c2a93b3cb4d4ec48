import type { Knex } from 'knex';
import { InputError } from '@backstage/errors';
/** Timestamps come back as Date (PostgreSQL), epoch ms (SQLite) or strings; normalise to ISO-8601. */
export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  if (typeof value === 'string') {
    const asNumber = Number(value);
    return Number.isFinite(asNumber) && /^\d+$/.test(value)
      ? new Date(asNumber).toISOString()
      : new Date(value).toISOString();
  }
  throw new TypeError(`not a timestamp: ${String(value)}`);
}

export function toMs(value: unknown): number {
  // Hot in bulk reads (a row per series and minute): no string round trip for the common shapes.
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime()))
    return value.getTime();
  return Date.parse(toIso(value));
}

export function parseJson<T>(value: unknown, fallback: T): T {
  if (typeof value !== 'string' || value.length === 0) return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

/** The SQL dialects with a list aggregate the bulk series reads use. */
export type ListAggDialect = 'pg' | 'sqlite';

/** Which list aggregate `db` has, if any (PostgreSQL string_agg, SQLite group_concat). */
export function listAggDialect(db: Knex): ListAggDialect | undefined {
  const dialect = String(
    (db.client as { dialect?: string } | undefined)?.dialect ?? '',
  );
  if (dialect === 'postgresql' || dialect === 'pg') return 'pg';
  if (dialect === 'sqlite3' || dialect === 'better-sqlite3') return 'sqlite';
  return undefined;
}

/**
 * An aggregate joining the text of `expr` over a group with commas; `expr` is raw SQL whose values
 * contain no commas. Unordered (an ORDER BY inside the aggregate costs a sort per column): the
 * aggregates of one query see a group's rows in the same sequence, so lists of the same group align
 * entry by entry, and callers order by a listed column themselves.
 */
export function listAgg(
  db: Knex,
  dialect: ListAggDialect,
  expr: string,
  alias: string,
): Knex.Raw {
  return db.raw(
    dialect === 'pg'
      ? `string_agg(cast(${expr} as text), ',') as ??`
      : `group_concat(cast(${expr} as text), ',') as ??`,
    [alias],
  );
}

/** The order of `keys` ascending (indices), or undefined when they already are. */
export function ascendingOrder(keys: number[]): number[] | undefined {
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++)
    if (keys[i] < keys[i - 1]) sorted = false;
  if (sorted) return undefined;
  return keys.map((_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
}

/** Epoch milliseconds of a timestamp column, as an integer SQL expression. */
export function epochMsSql(
  db: Knex,
  dialect: ListAggDialect,
  column: string,
): string {
  const id = db.raw('??', [column]).toQuery();
  return dialect === 'pg'
    ? `cast(floor(extract(epoch from ${id}) * 1000) as bigint)`
    : id;
}

/** Splits a list aggregate's text into numbers (empty entries -> NaN). */
export function splitNumbers(text: unknown): number[] {
  if (text === null || text === undefined || text === '') return [];
  const parts = String(text).split(',');
  const out = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++)
    out[i] = parts[i] === '' ? NaN : Number(parts[i]);
  return out;
}

/** Orders strings by UTF-16 code units, as SQLite's BINARY collation does (not by locale). */
export function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * One page of a newest-first list in keyset order (`timeColumn` desc, then `id` desc): applies the cursor
 * of the previous page to `query`, reads `limit` (1..500, default 50) rows plus one, and returns the
 * items with the next cursor when there are more. A cursor that does not decode is an InputError.
 */
export async function keysetPage<Row extends { id: string }, T>(
  query: Knex.QueryBuilder,
  timeColumn: string,
  options: { limit?: number; cursor?: string },
  toItem: (row: Row) => T,
): Promise<{ items: T[]; nextCursor?: string }> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  if (options.cursor) {
    const [ms, id] = decodeKeysetCursor(options.cursor);
    const at = new Date(ms);
    query.where(w =>
      w
        .where(timeColumn, '<', at)
        .orWhere(w2 => w2.where(timeColumn, '=', at).andWhere('id', '<', id)),
    );
  }
  const rows: Row[] = await query
    .orderBy([
      { column: timeColumn, order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(toItem);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  if (!last) return { items };
  const lastMs = toMs((last as Record<string, unknown>)[timeColumn]);
  return {
    items,
    nextCursor: Buffer.from(JSON.stringify([lastMs, last.id])).toString(
      'base64url',
    ),
  };
}

function decodeKeysetCursor(cursor: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      typeof v[0] === 'number' &&
      typeof v[1] === 'string'
    )
      return [v[0], v[1]];
  } catch {
    // fall through to the error below
  }
  throw new InputError(
    'cursor is not valid: pass the nextCursor value of the previous page unchanged',
  );
}
