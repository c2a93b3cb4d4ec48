import { signalInputSchema } from '@devops-copilot/backstage-plugin-copilot-common';
import { fastSignal } from './validate';

const good = {
  source: 'shipper',
  kind: 'log',
  ts: '2026-03-01T12:00:00Z',
  text: 'hello',
  labels: { service: 'checkout' },
};

/** Items around every rule of the schema, good and bad. */
const CASES: unknown[] = [
  good,
  { ...good, ts: 1772366400000 },
  { ...good, ts: -1 },
  { ...good, ts: Infinity },
  { ...good, ts: 'yesterday' },
  { ...good, ts: null },
  { ...good, source: '' },
  { ...good, source: 'x'.repeat(200) },
  { ...good, source: 'x'.repeat(201) },
  { ...good, source: 3 },
  { ...good, kind: 'trace' },
  { ...good, text: undefined },
  { ...good, text: 'x'.repeat(64 * 1024) },
  { ...good, text: 'x'.repeat(64 * 1024 + 1) },
  { ...good, text: 5 },
  { ...good, labels: { a: 'x'.repeat(2048) } },
  { ...good, labels: { a: 'x'.repeat(2049) } },
  { ...good, labels: { a: 1 } },
  { ...good, labels: ['a'] },
  { ...good, labels: null },
  { ...good, extra: 'ignored' },
  { source: 's', kind: 'metric', ts: 1, key: 'cpu', value: 0.5 },
  { source: 's', kind: 'metric', ts: 1, key: 'cpu' },
  { source: 's', kind: 'metric', ts: 1, value: 0.5 },
  { source: 's', kind: 'metric', ts: 1, key: 'cpu', value: NaN },
  { source: 's', kind: 'metric', ts: 1, key: '', value: 1 },
  { source: 's', kind: 'metric', ts: 1, key: 'k'.repeat(501), value: 1 },
  { source: 's', kind: 'metric', ts: 1, key: 'cpu', value: '1' },
  { source: 's', kind: 'event', ts: 1 },
  { source: 's', kind: 'event', ts: 1, key: 'flag_change' },
  { source: 's', kind: 'deploy', ts: 1 },
  { source: 's', kind: 'deploy', ts: 1, key: 'deploy', text: 'v2' },
  null,
  'a string',
  [good],
];

describe('fastSignal', () => {
  it.each(CASES.map((c, i) => [i, c]))(
    'agrees with the ingest schema on case %p',
    (_i, item) => {
      const fast = fastSignal(item);
      const schema = signalInputSchema.safeParse(item);
      // Whatever the fast path accepts, the schema accepts with the same result; the fast path
      // defers only what the schema rejects.
      expect({ accepted: fast !== undefined, value: fast }).toEqual({
        accepted: schema.success,
        value: schema.success ? schema.data : undefined,
      });
    },
  );
});
