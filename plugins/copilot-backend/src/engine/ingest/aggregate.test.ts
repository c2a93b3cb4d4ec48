import {
  LOG_LATENCY_METRIC,
  LogSampler,
  MINUTE_MS,
  SignalAggregator,
  type AttributedSignal,
} from './aggregate';
import { DrainMiner } from './drain';

describe('LogSampler', () => {
  it('keeps the first lines per template and minute within the entity and unattributed caps', () => {
    const sampler = new LogSampler({
      perTemplateMinute: 2,
      perEntityMinute: 3,
      unattributedPerMinute: 2,
    });
    const m0 = 0;
    const m1 = MINUTE_MS;
    expect(
      [1, 1, 1, 2, 2, 3].map(id => sampler.take('component:a', m0, id)),
    ).toEqual([true, true, false, true, false, false]);
    // Another entity and another minute have budgets of their own.
    expect(sampler.take('component:b', m0, 1)).toBe(true);
    expect(sampler.take('component:a', m1, 1)).toBe(true);
    // Back to a minute seen before: its counters are still there.
    expect(sampler.take('component:a', m0, 4)).toBe(false);
    expect([0, 1, 2].map(() => sampler.take(undefined, m0, undefined))).toEqual(
      [true, true, false],
    );
  });

  it('forgets the oldest minute beyond its memory; a line older than every kept minute gets a fresh budget', () => {
    const sampler = new LogSampler({
      perTemplateMinute: 1,
      perEntityMinute: 10,
      unattributedPerMinute: 10,
    });
    for (let m = 1; m <= 180; m++)
      expect(sampler.take('component:a', m * MINUTE_MS, 1)).toBe(true);
    // Minute 0 is older than all 180 kept: its counters are dropped as soon as they are made.
    expect(sampler.take('component:a', 0, 1)).toBe(true);
    expect(sampler.take('component:a', 0, 1)).toBe(true);
    // Minute 181 pushes minute 1 out; minute 1 then starts afresh (and pushes minute 2 out).
    expect(sampler.take('component:a', 181 * MINUTE_MS, 1)).toBe(true);
    expect(sampler.take('component:a', 181 * MINUTE_MS, 1)).toBe(false);
    expect(sampler.take('component:a', MINUTE_MS, 1)).toBe(true);
    expect(sampler.take('component:a', 3 * MINUTE_MS, 1)).toBe(false);
  });
});

describe('SignalAggregator', () => {
  const log = (
    entityRef: string | undefined,
    tsMs: number,
    text: string,
    labels: Record<string, string> = {},
  ): AttributedSignal => ({
    entityRef,
    source: 'test',
    kind: 'log',
    tsMs,
    text,
    labels,
  });

  it('counts lines per entity, minute and level in the order they first came, and mines per minute', () => {
    const miners = new Map<string, DrainMiner>();
    const minerOf = (ref: string) => {
      if (!miners.has(ref)) miners.set(ref, new DrainMiner());
      return miners.get(ref)!;
    };
    const out = new SignalAggregator().aggregate(
      [
        log('component:a', 1_000, 'level=info msg="job 1 done" duration_ms=5'),
        log('component:b', 2_000, 'level=error msg="disk full" status=507'),
        log('component:a', 3_000, 'level=info msg="job 2 done" duration_ms=7'),
        log(undefined, 4_000, 'no one claims this line'),
        log('component:a', MINUTE_MS + 1, 'level=warn msg="job 3 slow"'),
        log('component:a', 5_000, 'job 4 done', { level: 'DEBUG' }),
        {
          entityRef: 'component:a',
          source: 'test',
          kind: 'metric',
          tsMs: 6_000,
          key: LOG_LATENCY_METRIC,
          value: 100,
          labels: { service: 'a' },
        },
      ],
      minerOf,
    );
    expect([...out.logLevels]).toEqual([
      ['component:a\u00000\u0000info', 2],
      ['component:b\u00000\u0000error', 1],
      ['\u00000\u0000unknown', 1],
      [`component:a\u0000${MINUTE_MS}\u0000warn`, 1],
      ['component:a\u00000\u0000debug', 1],
    ]);
    expect(out.logLines).toBe(6);
    expect(out.metricPoints).toBe(1);
    const a = miners.get('component:a')!;
    const minute0 = out.templateCounts.get('component:a')!.get(0)!;
    expect([...minute0].map(([id, n]) => [a.text(id), n])).toEqual([
      ['job <*> done', 3],
    ]);
    // The latencies read from lines and the metric point of the same series share one cell.
    const cell = out.metrics.get(
      `component:a\u0000${LOG_LATENCY_METRIC}\u0000\u00000`,
    )!;
    expect(cell).toMatchObject({ min: 5, max: 100, sum: 112, count: 3 });
    expect(cell.sketch?.count).toBe(3);
    expect(out.samples).toHaveLength(6);
    expect(out.newTemplates.map(t => t.entityRef)).toEqual([
      'component:a',
      'component:b',
      'component:a',
    ]);
  });
});
