/* eslint-disable no-console */
// yarn bench:detect [--series 10000] [--days 7] [--workers 2] [--checkpoint-minutes 30]
//
// Streams `series` synthetic minute series of `days` days through the detect stage's in-memory path
// (pipeline/DetectorPool: one streaming ensemble per series, anomaly windows opened and closed, periodic
// checkpoint snapshots), minute by minute, as the stage runs them: at each minute's close the points of
// every series for that minute arrive together, and each is decided on in turn. The decision latency of
// a point is the time from its minute's arrival to its decision. Series are split over `workers`
// threads (the machine's cores), each replaying its share as fast as it can (no queueing between
// minutes). Series: daily and weekly seasonal gauges, latency-like skewed gauges, Poisson counts (log
// volume and sparse log templates), flat noisy gauges and slow leaks; 2% carry one injected anomaly
// (spike, level shift or leak), to report how many of them opened a window.
// Prints progress on stderr and ends with one JSON line of figures on stdout.
import {
  Worker,
  isMainThread,
  parentPort,
  workerData,
} from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  DetectorPool,
  metricSeriesSpec,
  templateSeriesSpec,
  logSeriesSpec,
  type SeriesSpec,
} from '../../plugins/copilot-backend/src/pipeline/DetectorPool';
import { mulberry32 } from '../../plugins/copilot-backend/src/engine/detect/stats';

const MINUTE = 60_000;
const DAY = 1440;

function arg(name: string, fallback: number, min = Number.MIN_VALUE): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < min) {
    console.error(
      `--${name} needs a positive number, got ${process.argv[i + 1]}`,
    );
    process.exit(2);
  }
  return v;
}

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

function poisson(r: () => number, lambda: number): number {
  if (lambda > 30)
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(r)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

type Shape = 'seasonal' | 'latency' | 'volume' | 'template' | 'flat' | 'leak';
const SHAPES: Array<[Shape, number]> = [
  ['seasonal', 0.3],
  ['latency', 0.15],
  ['volume', 0.15],
  ['template', 0.3],
  ['flat', 0.07],
  ['leak', 0.03],
];

interface Injected {
  kind: 'spike' | 'shift' | 'leak';
  atMinute: number;
}

/** One synthetic series: its spec, a value generator and its injected anomaly (if any). */
function makeSeries(index: number, minutes: number) {
  const r = mulberry32(0x9e3779b9 ^ (index * 2654435761));
  let u = r();
  let shape: Shape = 'seasonal';
  for (const [s, w] of SHAPES) {
    if (u < w) {
      shape = s;
      break;
    }
    u -= w;
  }
  const entity = `component:default/svc-${index % 500}`;
  const spec: SeriesSpec =
    shape === 'template'
      ? templateSeriesSpec(entity, `t${index}`, `request <*> took <*> ms`)
      : shape === 'volume'
      ? {
          ...logSeriesSpec(entity, 'volume'),
          key: `logs:${entity}:volume:${index}`,
        }
      : metricSeriesSpec(
          entity,
          `${shape}_metric_${index}`,
          shape === 'latency',
        );
  const base = 50 + r() * 500;
  const amp = 0.2 + r() * 0.5;
  const phase = r() * 2 * Math.PI;
  const noise = 0.02 + r() * 0.08;
  const weekly = r() < 0.5;
  const rate = shape === 'template' ? 0.05 + r() * 5 : 200 + r() * 2000;
  const injected: Injected | undefined =
    r() < 0.02
      ? {
          kind: shape === 'leak' ? 'leak' : r() < 0.5 ? 'spike' : 'shift',
          atMinute: Math.floor(minutes * (0.6 + 0.35 * r())),
        }
      : undefined;
  const value = (m: number): number => {
    const daily = Math.sin((2 * Math.PI * m) / DAY + phase);
    const weekend = weekly && Math.floor(m / DAY) % 7 >= 5 ? 0.6 : 1;
    let v: number;
    switch (shape) {
      case 'template':
      case 'volume':
        v = poisson(r, rate * (1 + amp * daily) * weekend);
        break;
      case 'latency':
        v = base * (1 + 0.3 * amp * daily) * Math.exp(0.15 * gaussian(r));
        break;
      case 'flat':
        v = base * (1 + noise * gaussian(r));
        break;
      case 'leak':
        v = base * (1 + noise * gaussian(r)) + (m / minutes) * base * 0.05;
        break;
      default:
        v = base * (1 + amp * daily) * weekend * (1 + noise * gaussian(r));
    }
    if (injected && m >= injected.atMinute) {
      if (injected.kind === 'spike' && m < injected.atMinute + 5)
        v = v * 4 + 10;
      else if (injected.kind === 'shift') v = v * 2 + 5;
      else if (injected.kind === 'leak')
        v += (m - injected.atMinute) * base * 0.002;
    }
    return v;
  };
  return { spec, value, injected };
}

/** A log-bucketed latency histogram (1 µs .. ~100 s, 2% relative buckets). */
class Histogram {
  private readonly counts = new Float64Array(1000);
  private total = 0;
  max = 0;
  add(ms: number) {
    const us = Math.max(1, ms * 1000);
    const b = Math.min(999, Math.floor(Math.log(us) / Math.log(1.02)));
    this.counts[b]++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }
  merge(other: { counts: number[]; total: number; max: number }) {
    other.counts.forEach((c, i) => {
      this.counts[i] += c;
    });
    this.total += other.total;
    this.max = Math.max(this.max, other.max);
  }
  quantile(q: number): number {
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= q * this.total) return 1.02 ** (i + 1) / 1000;
    }
    return this.max;
  }
  toJSON() {
    return { counts: [...this.counts], total: this.total, max: this.max };
  }
}

interface WorkerResult {
  points: number;
  busyMs: number;
  latency: ReturnType<Histogram['toJSON']>;
  checkpoint: ReturnType<Histogram['toJSON']>;
  checkpointBytes: number;
  opened: number;
  injected: number;
  injectedFound: number;
  series: number;
}

/** Replays series [from, to) minute by minute through one DetectorPool. */
function runShard(
  from: number,
  to: number,
  minutes: number,
  checkpointMinutes: number,
): WorkerResult {
  const series = [];
  for (let i = from; i < to; i++) series.push(makeSeries(i, minutes));
  const pool = new DetectorPool();
  const latency = new Histogram();
  const checkpoint = new Histogram();
  const values = new Float64Array(series.length);
  const start = Date.UTC(2026, 10, 2);
  const openedAt = new Map<string, number[]>();
  let opened = 0;
  let points = 0;
  let busyMs = 0;
  let checkpointBytes = 0;
  const now = new Date(start);
  for (let m = 0; m < minutes; m++) {
    for (let k = 0; k < series.length; k++) values[k] = series[k].value(m);
    const ts = start + m * MINUTE;
    const arrived = performance.now();
    for (let k = 0; k < series.length; k++) {
      const change = pool.feed(series[k].spec, ts, values[k], now);
      latency.add(performance.now() - arrived);
      if (change?.change === 'opened') {
        opened++;
        const list = openedAt.get(series[k].spec.key) ?? [];
        list.push(m);
        openedAt.set(series[k].spec.key, list);
      }
    }
    points += series.length;
    if ((m + 1) % checkpointMinutes === 0) {
      const t0 = performance.now();
      const dirty = pool.takeDirty();
      let bytes = 0;
      for (const d of dirty) bytes += JSON.stringify(d.state).length;
      checkpoint.add(performance.now() - t0);
      checkpointBytes = Math.max(checkpointBytes, bytes);
    }
    busyMs += performance.now() - arrived;
    if (from === 0 && m % DAY === DAY - 1)
      console.error(
        `[bench:detect] worker 0: day ${(m + 1) / DAY} done, ${points} points`,
      );
  }
  let injected = 0;
  let injectedFound = 0;
  for (const s of series) {
    if (!s.injected) continue;
    injected++;
    const hits = openedAt.get(s.spec.key) ?? [];
    if (
      hits.some(
        h => h >= s.injected!.atMinute && h <= s.injected!.atMinute + 120,
      )
    )
      injectedFound++;
  }
  return {
    points,
    busyMs,
    latency: latency.toJSON(),
    checkpoint: checkpoint.toJSON(),
    checkpointBytes,
    opened,
    injected,
    injectedFound,
    series: series.length,
  };
}

async function main() {
  const SERIES = Math.floor(arg('series', 10_000));
  const DAYS = arg('days', 7);
  // --workers 0: everything on the main thread (to profile with --cpu-prof or --trace-gc).
  const WORKERS = Math.floor(
    arg('workers', Math.min(2, availableParallelism()), 0),
  );
  const CHECKPOINT = Math.floor(arg('checkpoint-minutes', 30));
  const minutes = Math.round(DAYS * DAY);
  console.error(
    `[bench:detect] ${SERIES} series x ${minutes} minutes (${
      SERIES * minutes
    } points) on ${WORKERS} worker threads`,
  );
  const started = performance.now();
  // --workers 0: everything on the main thread (for profiling with --cpu-prof or --trace-gc).
  const per = Math.ceil(SERIES / Math.max(1, WORKERS));
  const results =
    WORKERS === 0
      ? [runShard(0, SERIES, minutes, CHECKPOINT)]
      : await Promise.all(
          Array.from({ length: WORKERS }, (_, w) => {
            const from = w * per;
            const to = Math.min(SERIES, from + per);
            return new Promise<WorkerResult>((resolveResult, reject) => {
              const worker = new Worker(__filename, {
                execArgv: process.execArgv,
                workerData: { from, to, minutes, checkpoint: CHECKPOINT },
              });
              worker.once('message', resolveResult);
              worker.once('error', reject);
              worker.once('exit', code => {
                if (code !== 0)
                  reject(new Error(`worker ${w} exited with ${code}`));
              });
            });
          }),
        );
  const wallS = (performance.now() - started) / 1000;
  const latency = new Histogram();
  const checkpoint = new Histogram();
  let points = 0;
  let opened = 0;
  let injected = 0;
  let found = 0;
  let checkpointBytes = 0;
  let busiestMs = 0;
  for (const r of results) {
    busiestMs = Math.max(busiestMs, r.busyMs);
    latency.merge(r.latency);
    checkpoint.merge(r.checkpoint);
    points += r.points;
    opened += r.opened;
    injected += r.injected;
    found += r.injectedFound;
    checkpointBytes += r.checkpointBytes;
  }
  const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
  const out = {
    series: SERIES,
    minutes,
    points,
    workers: WORKERS,
    // Detection throughput: points over the busiest worker's time spent deciding and checkpointing
    // (generating the synthetic values is left out); wall_s includes generation.
    points_per_s: Math.round(points / (busiestMs / 1000)),
    p95_decision_ms: round(latency.quantile(0.95), 2),
    p99_decision_ms: round(latency.quantile(0.99), 2),
    max_decision_ms: round(latency.max, 2),
    checkpoint_p95_ms: round(checkpoint.quantile(0.95), 1),
    checkpoint_mb: round(checkpointBytes / 1e6, 1),
    windows_opened: opened,
    injected_anomalies: injected,
    injected_found: found,
    wall_s: round(wallS, 1),
  };
  console.error(
    `[bench:detect] ${points} points in ${out.wall_s} s; decision latency p95 ${out.p95_decision_ms} ms, ` +
      `max ${out.max_decision_ms} ms; ${opened} anomaly windows opened; ${found}/${injected} injected anomalies found`,
  );
  console.log(JSON.stringify(out));
}

if (isMainThread) {
  main().catch(e => {
    console.error(e);
    process.exit(1);
  });
} else {
  const { from, to, minutes, checkpoint } = workerData as {
    from: number;
    to: number;
    minutes: number;
    checkpoint: number;
  };
  parentPort!.postMessage(runShard(from, to, minutes, checkpoint));
}
