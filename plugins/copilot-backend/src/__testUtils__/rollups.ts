// Rollup fixtures of the store tests: metric cells and batch aggregates as the ingest engine makes them.
import type { BatchAggregate, MetricCell } from '../engine/ingest/aggregate';
import { QuantileSketch } from '../engine/ingest/sketch';

/** One minute of one metric of one entity, from its raw values (with a quantile sketch when asked). */
export function metricCell(
  entityRef: string,
  metric: string,
  minuteMs: number,
  values: number[],
  options: { seriesKey?: string; sketch?: boolean } = {},
): MetricCell {
  let sketch: QuantileSketch | undefined;
  if (options.sketch) {
    sketch = new QuantileSketch();
    for (const v of values) sketch.add(v);
  }
  return {
    entityRef,
    metric,
    seriesKey: options.seriesKey ?? '',
    minuteMs,
    labels: {},
    min: Math.min(...values),
    max: Math.max(...values),
    sum: values.reduce((a, b) => a + b, 0),
    count: values.length,
    ...(sketch ? { sketch } : {}),
  };
}

/** A batch of metric cells and log line counts `[entityRef, minuteMs, level, lines]`, for RollupStore.write. */
export function rollupBatch(
  cells: MetricCell[],
  logs: Array<[string, number, string, number]> = [],
): BatchAggregate {
  return {
    logLevels: new Map(
      logs.map(([e, m, level, n]) => [`${e}\u0000${m}\u0000${level}`, n]),
    ),
    templateCounts: new Map(),
    newTemplates: [],
    samples: [],
    metrics: new Map(
      cells.map(c => [
        `${c.entityRef}\u0000${c.metric}\u0000${c.seriesKey}\u0000${c.minuteMs}`,
        c,
      ]),
    ),
    rows: [],
    logLines: logs.reduce((a, l) => a + l[3], 0),
    metricPoints: cells.reduce((a, c) => a + c.count, 0),
  };
}
