import { TestDatabases } from '@backstage/backend-test-utils';
import type { MetricCell } from '../engine/ingest/aggregate';
import { metricCell, rollupBatch } from '../__testUtils__/rollups';
import { applyDatabaseMigrations } from './migrations';
import { RollupStore } from './RollupStore';
import { TemplateStore } from './TemplateStore';

jest.setTimeout(60_000);

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

const cell = metricCell;
const batch = rollupBatch;

describe('RollupStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'metricMinutes merges series and writers, sketches included, and reads only the entities asked for on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const a = RollupStore.create({ database: knex, writer: 'a' });
      const b = RollupStore.create({ database: knex, writer: 'b' });
      const write = (store: RollupStore, cells: MetricCell[]) =>
        knex.transaction(tx => store.write(tx, batch(cells), () => ''));
      const checkout = 'component:default/checkout';
      const payments = 'component:default/payments';
      const low = Array.from({ length: 90 }, (_, i) => 10 + (i % 10));
      const high = Array.from({ length: 10 }, () => 500);
      // Minute 0: two writers and two label sets of the same latency metric; the p95 needs all three.
      await write(a, [
        cell(checkout, 'latency_ms', T0, low.slice(0, 45), { sketch: true }),
        cell(checkout, 'latency_ms', T0, low.slice(45), {
          seriesKey: 'pod-2',
          sketch: true,
        }),
        cell(checkout, 'cpu', T0, [0.5]),
        cell(payments, 'cpu', T0, [0.9]),
      ]);
      await write(b, [
        cell(checkout, 'latency_ms', T0, high, { sketch: true }),
        cell(checkout, 'cpu', T0 + MINUTE, [0.7]),
      ]);

      const all = await a.metricMinutes({ fromMs: T0, toMs: T0 + 2 * MINUTE });
      expect(
        all.map(p => [p.minuteMs - T0, p.entityRef, p.metric, p.count]),
      ).toEqual([
        [0, checkout, 'cpu', 1],
        [0, checkout, 'latency_ms', 100],
        [0, payments, 'cpu', 1],
        [MINUTE, checkout, 'cpu', 1],
      ]);
      const latency = all.find(p => p.metric === 'latency_ms')!;
      expect(latency.min).toBe(10);
      expect(latency.max).toBe(500);
      expect(latency.sum).toBe(
        low.reduce((x, y) => x + y, 0) + high.reduce((x, y) => x + y, 0),
      );
      // 10 of 100 values are 500: the 95th percentile is one of them (within the sketch's 1%).
      expect(latency.p95).toBeGreaterThan(490);
      expect(latency.p95).toBeLessThan(510);
      expect(all.find(p => p.metric === 'cpu')!.p95).toBeUndefined();
      const scoped = await a.metricMinutes({
        fromMs: T0,
        toMs: T0 + 2 * MINUTE,
        entityRefs: [payments],
      });
      expect(scoped.map(p => [p.entityRef, p.metric])).toEqual([
        [payments, 'cpu'],
      ]);
      expect(
        await a.metricMinutes({
          fromMs: T0 + MINUTE,
          toMs: T0 + 2 * MINUTE,
          entityRefs: [],
        }),
      ).toEqual([]);
      // Rows stored before the p95 column (null there) are decoded from their sketches instead.
      await write(a, [
        cell(payments, 'latency_ms', T0, high, { sketch: true }),
      ]);
      await knex('metric_rollups').update({ p95: null });
      const again = await a.metricMinutes({
        fromMs: T0,
        toMs: T0 + MINUTE,
      });
      expect(
        again.find(p => p.entityRef === checkout && p.metric === 'latency_ms')!
          .p95,
      ).toBe(latency.p95);
      expect(
        again.find(p => p.entityRef === payments && p.metric === 'latency_ms')!
          .p95,
      ).toBeCloseTo(500, -1);
    },
  );

  it.each(databases.eachSupportedId())(
    'logVolume and minuteCounts read only the entities asked for on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const rollups = RollupStore.create({ database: knex });
      const templates = TemplateStore.create({ database: knex });
      const checkout = 'component:default/checkout';
      const payments = 'component:default/payments';
      await knex.transaction(async tx => {
        await rollups.write(
          tx,
          {
            ...batch([]),
            logLevels: new Map([
              [`${checkout}\u0000${T0}\u0000error`, 3],
              [`${checkout}\u0000${T0}\u0000info`, 7],
              [`${payments}\u0000${T0}\u0000info`, 5],
            ]),
          },
          () => '',
        );
        for (const [ref, n] of [
          [checkout, 4],
          [payments, 6],
        ] as const)
          await templates.save(
            tx,
            ref,
            [
              {
                id: 1,
                tokens: ['connection', 'refused', '<*>'],
                path: [],
                count: n,
                exemplars: [],
              } as any,
            ],
            new Map([[T0, new Map([[1, n]])]]),
            new Date(T0),
          );
      });
      const volume = await rollups.logVolume({
        fromMs: T0,
        toMs: T0 + MINUTE,
        entityRefs: [checkout],
      });
      expect(volume).toEqual([
        { entityRef: checkout, minuteMs: T0, total: 10, errors: 3 },
      ]);
      const every = await templates.minuteCounts(T0, T0 + MINUTE);
      expect(every.map(c => [c.entityRef, c.count]).sort()).toEqual([
        [checkout, 4],
        [payments, 6],
      ]);
      const scoped = await templates.minuteCounts(T0, T0 + MINUTE, {
        entityRefs: [payments],
      });
      expect(scoped).toEqual([
        expect.objectContaining({
          entityRef: payments,
          template: 'connection refused <*>',
          minuteMs: T0,
          count: 6,
        }),
      ]);
    },
  );

  it.each(databases.eachSupportedId())(
    'the bulk series reads agree with the per-minute reads on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const a = RollupStore.create({ database: knex, writer: 'a' });
      const b = RollupStore.create({ database: knex, writer: 'b' });
      const templates = TemplateStore.create({ database: knex });
      const refs = ['component:default/cart', 'component:default/search'];
      // Ten minutes written out of order by two writers, with two label sets, sketches on one metric,
      // gaps, error and info lines, and a template merged into another.
      let seed = 7;
      const rnd = () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      for (const minute of [3, 0, 7, 1, 9, 4, 2, 8, 5]) {
        const t = T0 + minute * MINUTE;
        for (const [store, ref] of [
          [a, refs[0]],
          [b, refs[0]],
          [a, refs[1]],
        ] as const) {
          const values = Array.from({ length: 5 }, () => 100 + 50 * rnd());
          await knex.transaction(async tx => {
            await store.write(
              tx,
              {
                ...batch([
                  cell(ref, 'latency_ms', t, values, { sketch: true }),
                  cell(ref, 'latency_ms', t, values.slice(2), {
                    seriesKey: 'pod-2',
                    sketch: true,
                  }),
                  ...(minute % 3 ? [cell(ref, 'cpu', t, [rnd()])] : []),
                ]),
                logLevels: new Map([
                  [`${ref}\u0000${t}\u0000info`, 10 + minute],
                  [`${ref}\u0000${t}\u0000error`, minute % 2],
                ]),
              },
              () => '',
            );
            await templates.save(
              tx,
              ref,
              [
                {
                  id: 1,
                  tokens: ['timeout', 'after', '<*>'],
                  path: [],
                  count: 1,
                  exemplars: [],
                } as any,
                {
                  id: 2,
                  tokens: ['timeout', '<*>', '<*>'],
                  path: [],
                  count: 1,
                  exemplars: [],
                  mergedInto: 1,
                } as any,
              ],
              new Map([
                [
                  t,
                  new Map([
                    [1, 1 + minute],
                    [2, 2],
                  ]),
                ],
              ]),
              new Date(t),
            );
          });
        }
      }
      const range = { fromMs: T0 + MINUTE, toMs: T0 + 9 * MINUTE };
      for (const entityRefs of [undefined, [refs[0]]]) {
        const flat = await a.metricMinutes({ ...range, entityRefs });
        const bulk = await a.metricMinuteSeries({ ...range, entityRefs });
        const expected = new Map<string, Array<[number, number]>>();
        for (const p of flat) {
          const push = (k: string, v: number) =>
            expected.set(k, [...(expected.get(k) ?? []), [p.minuteMs, v]]);
          push(`${p.entityRef} ${p.metric}`, p.sum / p.count);
          if (p.p95 !== undefined)
            push(`${p.entityRef} ${p.metric}:p95`, p.p95);
        }
        const got = new Map<string, Array<[number, number]>>();
        for (const s of bulk) {
          got.set(
            `${s.entityRef} ${s.metric}`,
            s.minutesMs.map((m, i) => [m, s.means[i]]),
          );
          if (s.p95)
            got.set(
              `${s.entityRef} ${s.metric}:p95`,
              s.p95.minutesMs.map((m, i) => [m, s.p95!.values[i]]),
            );
        }
        expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
        expect(got.size).toBe(entityRefs ? 3 : 6);
        for (const [k, points] of expected) {
          const g = got.get(k)!;
          expect(g.map(p => p[0])).toEqual(points.map(p => p[0]));
          g.forEach((p, i) => expect(p[1]).toBeCloseTo(points[i][1], 9));
        }

        const volume = await a.logVolume({ ...range, entityRefs });
        const volumeSeries = await a.logVolumeSeries({ ...range, entityRefs });
        expect(
          volumeSeries.flatMap(v =>
            v.minutesMs.map((m, i) => ({
              entityRef: v.entityRef,
              minuteMs: m,
              total: v.totals[i],
              errors: v.errors[i],
            })),
          ),
        ).toEqual(volume);

        const counts = await templates.minuteCounts(range.fromMs, range.toMs, {
          entityRefs,
        });
        const countSeries = await templates.templateMinuteSeries(
          range.fromMs,
          range.toMs,
          { entityRefs },
        );
        expect(countSeries.length).toBe(entityRefs ? 1 : 2);
        expect(
          countSeries
            .flatMap(c =>
              c.minutesMs.map(m => [c.templateId, c.entityRef, c.template, m]),
            )
            .sort(),
        ).toEqual(
          counts
            .map(c => [c.templateId, c.entityRef, c.template, c.minuteMs])
            .sort(),
        );
        for (const c of counts) {
          const series = countSeries.find(x => x.templateId === c.templateId)!;
          expect(series.counts[series.minutesMs.indexOf(c.minuteMs)]).toBe(
            c.count,
          );
        }
        // The merged template's two lines a minute count towards the one it merged into (cart's are
        // written twice a minute, by both writers).
        const cart = countSeries.find(c => c.entityRef === refs[0])!;
        expect(cart.minutesMs[0]).toBe(T0 + MINUTE);
        expect(cart.counts[0]).toBe(2 * (1 + 1 + 2));
      }
    },
  );
});
