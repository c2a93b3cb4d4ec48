// A fast path for the ingest schema: plain, well-formed signals (nearly all of them) are checked and
// copied without zod's per-field machinery. Anything it does not accept goes to the zod schema, which
// names what is wrong; so the two must agree on what is valid (validate.test.ts checks that).
import type {
  SignalInput,
  SignalKind,
} from '@devops-copilot/backstage-plugin-copilot-common';

const KINDS = new Set<string>(['log', 'metric', 'event', 'deploy']);
const MAX_TEXT = 64 * 1024;
const MAX_LABEL = 2048;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The signal as the ingest schema would parse it, or undefined when the fast path cannot tell (the
 * caller then asks the schema, which explains the problem).
 */
export function fastSignal(item: unknown): SignalInput | undefined {
  if (!isRecord(item)) return undefined;
  const { source, kind, ts, key, value, text, labels } = item;
  if (typeof source !== 'string' || source.length < 1 || source.length > 200)
    return undefined;
  if (typeof kind !== 'string' || !KINDS.has(kind)) return undefined;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts) || ts < 0) return undefined;
  } else if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) {
    return undefined;
  }
  if (
    key !== undefined &&
    (typeof key !== 'string' || key.length < 1 || key.length > 500)
  )
    return undefined;
  if (
    value !== undefined &&
    (typeof value !== 'number' || !Number.isFinite(value))
  )
    return undefined;
  if (
    text !== undefined &&
    (typeof text !== 'string' || text.length > MAX_TEXT)
  )
    return undefined;
  let copied: Record<string, string> | undefined;
  if (labels !== undefined) {
    if (!isRecord(labels)) return undefined;
    copied = {};
    for (const k in labels) {
      if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
      const v = labels[k];
      if (typeof v !== 'string' || v.length > MAX_LABEL) return undefined;
      copied[k] = v;
    }
  }
  if (kind === 'metric' && (key === undefined || value === undefined))
    return undefined;
  if (kind === 'log' && text === undefined) return undefined;
  if (kind === 'event' && key === undefined) return undefined;
  const out: SignalInput = { source, kind: kind as SignalKind, ts };
  if (key !== undefined) out.key = key as string;
  if (value !== undefined) out.value = value as number;
  if (text !== undefined) out.text = text as string;
  if (copied !== undefined) out.labels = copied;
  return out;
}
