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
