import { TestDatabases } from '@backstage/backend-test-utils';
import { parseSloAnnotation } from '@devops-copilot/backstage-plugin-copilot-common';
import type { MetricCell } from '../engine/ingest/aggregate';
import { metricCell, rollupBatch } from '../__testUtils__/rollups';
import { applyDatabaseMigrations } from '../stores/migrations';
import { RollupStore } from '../stores/RollupStore';
import type { CatalogIndex } from '../pipeline/CatalogIndex';
import { SloService } from './SloService';

jest.setTimeout(60_000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const END = Date.UTC(2026, 10, 30, 12);
const DAY = 24 * HOUR;

const cell = (
  entityRef: string,
  metric: string,
  minuteMs: number,
  values: number[],
  sketch = false,
) => metricCell(entityRef, metric, minuteMs, values, { sketch });
const batch = rollupBatch;

const catalogWith = (slos: Record<string, string>) =>
  ({
    get: async () => ({
      slos: new Map(
        Object.entries(slos).map(([ref, v]) => [ref, parseSloAnnotation(v)]),
      ),
    }),
  } as unknown as CatalogIndex);

describe('SloService', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'computes SLIs, error budgets and burn rates from rollups on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const rollups = RollupStore.create({ database: knex });
      const checkout = 'component:default/checkout';
      const web = 'component:default/web';
      const db = 'resource:default/orders-db';
      const worker = 'component:default/worker';
      const cells: MetricCell[] = [];
      const logs: Array<[string, number, string, number]> = [];
      // Two days of minutes.
      for (let m = END - 2 * DAY; m < END; m += MINUTE) {
        const lastHour = m >= END - HOUR;
        // checkout: 100 requests a minute, 0.05% errors, 2% in the last hour.
        cells.push(cell(checkout, 'http_requests_total', m, [100]));
        cells.push(
          cell(checkout, 'http_5xx_rate', m, [lastHour ? 0.02 : 0.0005]),
        );
        // web: availability in percent, 99.95 then 98 in the last hour; latency p95 sketched.
        cells.push(cell(web, 'availability', m, [lastHour ? 98 : 99.95]));
        cells.push(
          cell(
            web,
            'latency_ms',
            m,
            Array.from({ length: 20 }, (_, i) =>
              lastHour ? 400 + i : 100 + i,
            ),
            true,
          ),
        );
        // orders-db: query latency mean over 50 in one minute of 40.
        cells.push(
          cell(db, 'query_ms', m, [(m / MINUTE) % 40 === 0 ? 80 : 20]),
        );
        // worker: logs only, 1 error line in 200.
        logs.push([worker, m, 'info', 199], [worker, m, 'error', 1]);
      }
      for (let i = 0; i < cells.length; i += 2000)
        await knex.transaction(tx =>
          rollups.write(
            tx,
            batch(cells.slice(i, i + 2000), i === 0 ? logs : []),
            () => '',
          ),
        );
      const slo = new SloService({
        catalog: catalogWith({
          [checkout]: 'availability: 99.9% over 1d',
          [web]:
            'availability: 99.5% over 2d; latency_ms:p95 < 300 for 95% over 1d',
          [db]: 'query_ms < 50 over 2d',
          [worker]: 'availability: 99% over 1d; throughput: 99% over 1d',
        }),
        rollups,
      });
      const reports = await slo.reports(
        [checkout, web, db, worker, 'component:default/none'],
        END,
      );
      const by = (ref: string, name: string) =>
        reports.find(r => r.entityRef === ref && r.name === name)!;
      expect(reports).toHaveLength(6);

      // checkout: 1380 minutes at 0.05%, 60 at 2% of 100 requests: 69 + 120 bad of 144000.
      const c = by(checkout, 'availability');
      expect(c).toMatchObject({
        type: 'ratio',
        objective: 0.999,
        source: 'metric:http_5xx_rate x http_requests_total',
        total: 144000,
        minutesWithData: 1440,
        window: '1d',
        windowTo: new Date(END).toISOString(),
      });
      expect(c.good).toBeCloseTo(144000 - 189, 3);
      expect(c.errorBudgetRemaining).toBeCloseTo(1 - 189 / 144, 6);
      expect(c.burnRate1h).toBeCloseTo(20, 6);

      // web availability: mean of 2880 minutes in percent.
      const w = by(web, 'availability');
      const mean = (2820 * 0.9995 + 60 * 0.98) / 2880;
      expect(w.source).toBe('metric:availability');
      expect(w.sli).toBeCloseTo(mean, 9);
      expect(w.errorBudgetRemaining).toBeCloseTo(1 - (1 - mean) / 0.005, 6);
      // web latency p95 < 300 in 1380 of 1440 minutes: 95.83% against 95%.
      const l = by(web, 'latency_ms:p95');
      expect(l).toMatchObject({
        type: 'threshold',
        comparator: '<',
        threshold: 300,
        objective: 0.95,
        good: 1380,
        total: 1440,
      });
      expect(l.errorBudgetRemaining).toBeCloseTo(1 - 60 / 1440 / 0.05, 6);
      expect(l.burnRate1h).toBeCloseTo(1 / 0.05, 6);
      // orders-db: 72 of 2880 minutes over 50; no share given -> 99% of minutes.
      const d = by(db, 'query_ms');
      expect(d).toMatchObject({
        objective: 0.99,
        good: 2808,
        total: 2880,
        minutesWithData: 2880,
      });
      expect(d.errorBudgetRemaining).toBeCloseTo(1 - 0.025 / 0.01, 6);
      // worker: from logs; no data for throughput.
      const k = by(worker, 'availability');
      expect(k).toMatchObject({
        source: 'logs',
        total: 288000,
        good: 286560,
        minutesWithData: 1440,
      });
      expect(k.errorBudgetRemaining).toBeCloseTo(0.5, 9);
      const t = by(worker, 'throughput');
      expect(t.sli).toBeUndefined();
      expect(t.missing).toMatch(
        /no data for throughput: no metric 'throughput'/,
      );
    },
  );
});
