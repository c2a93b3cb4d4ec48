import { TestDatabases } from '@backstage/backend-test-utils';
import { mulberry32 } from '../engine/detect/stats';
import type { SignalInput } from '@devops-copilot/backstage-plugin-copilot-common';
import { applyDatabaseMigrations } from '../stores/migrations';
import { AnomalyStore } from '../stores/AnomalyStore';
import {
  component,
  createTestIngest,
  fakeCatalog,
} from '../__testUtils__/ingest';
import { DetectStage, type AnomaliesDetectedEvent } from './DetectStage';

jest.setTimeout(180_000);

const MINUTE = 60_000;
const CHECKOUT = 'component:default/checkout';
/** Minutes of normal traffic, then minutes of incident. */
const NORMAL = 600;
const INCIDENT = 6;

/**
 * Minute `m` of checkout's signals: 5 latency samples (about 120 ms, 10x in the incident), a CPU gauge,
 * 8 access log lines and, in the incident, a burst of errors.
 */
function minuteOf(m: number, startMs: number, r: () => number): SignalInput[] {
  const ts = startMs + m * MINUTE + 1000;
  const incident = m >= NORMAL;
  const out: SignalInput[] = [];
  for (let i = 0; i < 5; i++) {
    out.push({
      source: 'test',
      kind: 'metric',
      ts: ts + i,
      key: 'http_request_duration_ms',
      value: (incident ? 1200 : 120) * (0.9 + 0.2 * r()),
      labels: { service: 'checkout' },
    });
  }
  out.push({
    source: 'test',
    kind: 'metric',
    ts,
    key: 'cpu_usage',
    value: 0.4 + 0.05 * r(),
    labels: { service: 'checkout' },
  });
  for (let i = 0; i < 8; i++) {
    out.push({
      source: 'test',
      kind: 'log',
      ts: ts + 10 + i,
      text: `level=info msg="order ${Math.floor(
        r() * 1e6,
      )} placed" duration_ms=${Math.floor(100 + r() * 40)}`,
      labels: { service: 'checkout' },
    });
  }
  if (m % 97 === 3) {
    out.push({
      source: 'test',
      kind: 'log',
      ts: ts + 30,
      text: `level=error msg="card declined for order ${Math.floor(
        r() * 1e6,
      )}"`,
      labels: { service: 'checkout' },
    });
  }
  if (incident) {
    for (let i = 0; i < 40; i++) {
      out.push({
        source: 'test',
        kind: 'log',
        ts: ts + 40 + i,
        text: `level=error msg="payment gateway timeout after ${Math.floor(
          5000 + r() * 100,
        )} ms for order ${Math.floor(r() * 1e6)}"`,
        labels: { service: 'checkout' },
      });
    }
  }
  return out;
}

async function ingestMinutes(
  ingest: ReturnType<typeof createTestIngest>['ingest'],
  from: number,
  to: number,
  startMs: number,
) {
  const r = mulberry32(7);
  const all: SignalInput[][] = [];
  for (let m = 0; m < to; m++) all.push(minuteOf(m, startMs, r));
  for (let m = from; m < to; m += 60) {
    const batch = all.slice(m, Math.min(to, m + 60)).flat();
    const result = await ingest.ingest(batch);
    expect(result.rejected).toBe(0);
  }
}

describe('DetectStage', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function setup(databaseId: Parameters<typeof databases.init>[0]) {
    const knex = await databases.init(databaseId);
    await applyDatabaseMigrations(knex);
    const test = createTestIngest(knex, {
      catalog: fakeCatalog([component('checkout')]),
    });
    const anomalies = AnomalyStore.create({ database: knex });
    const stage = () =>
      DetectStage.create({
        rollups: test.rollups,
        templates: test.templateStore,
        anomalies,
        bus: test.bus,
        logger: test.logger,
        options: { graceMs: 0 },
      });
    return { ...test, anomalies, stage };
  }

  const endMs = Math.floor(Date.now() / MINUTE) * MINUTE;
  const startMs = endMs - (NORMAL + INCIDENT) * MINUTE;

  it.each(databases.eachSupportedId())(
    'finds the latency jump and the error burst, and nothing in the normal hours, on %p',
    async databaseId => {
      const { ingest, anomalies, stage, bus } = await setup(databaseId);
      await ingestMinutes(ingest, 0, NORMAL + INCIDENT, startMs);
      const events: AnomaliesDetectedEvent[] = [];
      bus.subscribe<AnomaliesDetectedEvent>('signal.detect', m => {
        events.push(m.payload);
      });

      const detect = stage();
      const changed = await detect.run(endMs);
      expect(changed.length).toBeGreaterThan(0);

      const found = await anomalies.list({ entityRef: CHECKOUT });
      const incidentFrom = startMs + NORMAL * MINUTE;
      // Nothing fired in the ten normal hours once the detectors were warm.
      const early = found.filter(a => Date.parse(a.windowFrom) < incidentFrom);
      expect(early.map(a => `${a.seriesKey} ${a.summary}`)).toEqual([]);

      const latency = found.find(
        a => a.seriesKey === `metric:${CHECKOUT}:http_request_duration_ms:p95`,
      );
      expect(latency).toBeDefined();
      expect(latency).toMatchObject({
        kind: 'metric',
        status: 'open',
        direction: 'up',
        metric: 'http_request_duration_ms',
      });
      expect(latency!.value!).toBeGreaterThan(latency!.band![1]);
      expect(latency!.summary).toMatch(
        /p95 http_request_duration_ms .*expected/,
      );

      const errors = found.find(a => a.kind === 'log-errors');
      expect(errors).toMatchObject({ direction: 'up', status: 'open' });
      const cpu = found.find(a => a.metric === 'cpu_usage');
      expect(cpu).toBeUndefined();

      const published = () => events.flatMap(e => e.anomalies.map(a => a.id));
      for (let i = 0; i < 100 && !published().includes(errors!.id); i++)
        await new Promise(r => setTimeout(r, 20));
      expect(published()).toEqual(
        expect.arrayContaining([latency!.id, errors!.id]),
      );
      const status = await anomalies.status(CHECKOUT);
      // Warm: the series of the ten normal hours. Cold: the one template first seen in the incident.
      expect(status.warm).toBeGreaterThanOrEqual(5);
      expect(status.cold).toBe(1);
      expect(status.maxWarmupRemaining).toBeGreaterThan(100);
      expect(status.lastMinute).toBe(new Date(endMs - MINUTE).toISOString());
    },
  );

  it.each(databases.eachSupportedId())(
    'resumes after a restart from its checkpoint with the same decisions, on %p',
    async databaseId => {
      // Uninterrupted.
      const a = await setup(databaseId);
      await ingestMinutes(a.ingest, 0, NORMAL + INCIDENT, startMs);
      await a.stage().run(endMs);
      const straight = await a.anomalies.list({ limit: 1000 });

      // Stopped three minutes into the incident, with windows open (checkpoint), then restarted.
      const b = await setup(databaseId);
      await ingestMinutes(b.ingest, 0, NORMAL + INCIDENT, startMs);
      const first = b.stage();
      const split = startMs + (NORMAL + 3) * MINUTE;
      await first.run(split);
      await first.checkpoint(new Date(split));
      expect(await b.anomalies.list({ status: 'open' })).not.toEqual([]);
      const second = b.stage();
      await second.run(endMs);
      const resumed = await b.anomalies.list({ limit: 1000 });

      const comparable = (xs: typeof straight) =>
        xs
          .map(({ id: _id, createdAt: _c, updatedAt: _u, ...rest }) => rest)
          .sort((x, y) => x.seriesKey.localeCompare(y.seriesKey));
      expect(resumed.length).toBeGreaterThan(0);
      expect(comparable(resumed)).toEqual(comparable(straight));
    },
  );

  it.each(databases.eachSupportedId())(
    'turns a novel error signature into an anomaly at once, on %p',
    async databaseId => {
      const { ingest, anomalies, stage } = await setup(databaseId);
      const detect = stage();
      const unlisten = detect.listen();
      await ingestMinutes(ingest, 0, 120, startMs);
      const before = await anomalies.list({ kind: 'novel-template' });
      await ingest.ingest([
        {
          source: 'test',
          kind: 'log',
          ts: startMs + 121 * MINUTE,
          text: 'level=error msg="FATAL: connection pool exhausted (max=50) for db primary"',
          labels: { service: 'checkout' },
        },
      ]);
      // The bus delivers on a later tick: wait for the stage to store it.
      let after = await anomalies.list({ kind: 'novel-template' });
      for (let i = 0; i < 100 && after.length === before.length; i++) {
        await new Promise(r => setTimeout(r, 50));
        after = await anomalies.list({ kind: 'novel-template' });
      }
      unlisten();
      expect(after.length).toBe(before.length + 1);
      expect(after[0]).toMatchObject({
        entityRef: CHECKOUT,
        kind: 'novel-template',
        direction: 'up',
      });
      expect(after[0].summary).toContain('connection pool exhausted');
      expect(after[0].detectors[0].detector).toBe('novel-template');
    },
  );
});
