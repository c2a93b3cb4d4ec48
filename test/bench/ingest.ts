// yarn bench:ingest [--lines 1000000] [--batch 5000] [--concurrency 4] [--ndjson-mb 200]
//                   [--server-heap-mb 512] [--engine-only]
//
// Pushes realistic mixed-service log lines (test/bench/loggen.ts) through
//   1. the engine alone, on this one thread: entity resolution, parsing, template mining, rollups and
//      sampling (SignalAggregator), as the ingest service runs them per batch;
//   2. the HTTP endpoint POST /api/copilot/v1/signals/ingest of a copilot backend started in its own
//      process as a production install runs it (backend-defaults, static token, SQLite store), with
//      `concurrency` batches in flight; before that, one NDJSON stream of `ndjson-mb` MB, to show that a
//      large streamed body does not take its size in memory.
// Prints progress on stderr and ends with one JSON line of figures on stdout. To profile the backend:
// BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' yarn bench:ingest ...
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { SignalAggregator } from '../../plugins/copilot-backend/src/engine/ingest/aggregate';
import { DrainMiner } from '../../plugins/copilot-backend/src/engine/ingest/drain';
import {
  buildEntityIndex,
  resolveEntity,
} from '../../plugins/copilot-backend/src/engine/ingest/resolve';
import { benchLines, SERVICES, type BenchSignal } from './loggen';
import { startBackendProcess } from '../support/backend';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    console.error(
      `--${name} needs a positive integer, got ${process.argv[i + 1]}`,
    );
    process.exit(2);
  }
  return v;
}

const LINES = arg('lines', 1_000_000);
const BATCH = arg('batch', 5000);
const CONCURRENCY = arg('concurrency', 4);
const NDJSON_MB = arg('ndjson-mb', 200);
const SERVER_HEAP_MB = arg('server-heap-mb', 512);
const log = (s: string) => console.error(`[bench:ingest] ${s}`);
const percentile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

/** The bench's lines in batches, generated as they are asked for. */
function* batches(endMs: number): Generator<BenchSignal[]> {
  let current: BenchSignal[] = [];
  for (const s of benchLines(LINES, endMs)) {
    current.push(s);
    if (current.length === BATCH) {
      yield current;
      current = [];
    }
  }
  if (current.length) yield current;
}

/** Runs the engine batch by batch; only the engine's own work is timed, not generating the lines. */
function engineBench(): { linesPerS: number; p95BatchMs: number } {
  const index = buildEntityIndex(
    SERVICES.map(s => ({
      ref: `component:default/${s.name}`,
      kind: 'Component',
      name: s.name,
      annotations: {},
    })),
  );
  const aggregator = new SignalAggregator();
  const miners = new Map<string, DrainMiner>();
  const minerOf = (ref: string) => {
    let m = miners.get(ref);
    if (!m) {
      m = new DrainMiner();
      miners.set(ref, m);
    }
    return m;
  };
  const times: number[] = [];
  let lines = 0;
  let templates = 0;
  for (const batch of batches(Date.now())) {
    const b0 = performance.now();
    const attributed = batch.map(s => ({
      entityRef: resolveEntity(s.labels, index),
      source: s.source,
      kind: s.kind,
      tsMs: s.ts,
      text: s.text,
      labels: s.labels,
    }));
    const out = aggregator.aggregate(attributed, minerOf);
    lines += out.logLines;
    templates += out.newTemplates.length;
    times.push(performance.now() - b0);
  }
  const engineS = times.reduce((a, b) => a + b, 0) / 1000;
  log(
    `engine: ${lines} lines in ${engineS.toFixed(
      2,
    )} s on one thread; ${templates} templates over ${miners.size} entities`,
  );
  return { linesPerS: lines / engineS, p95BatchMs: percentile(times, 0.95) };
}

/** Streams `bytes` of NDJSON log signals in one request, with backpressure; returns what was stored. */
function streamNdjson(
  port: number,
  token: string,
  bytes: number,
): Promise<{ bytes: number; accepted: number; seconds: number }> {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    let sent = 0;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/copilot/v1/signals/ingest',
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          authorization: `Bearer ${token}`,
        },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', d => (text += d));
        res.on('end', () => {
          if (res.statusCode !== 202) {
            fail(new Error(`ndjson stream: ${res.statusCode} ${text}`));
            return;
          }
          ok({
            bytes: sent,
            accepted: JSON.parse(text).accepted,
            seconds: (performance.now() - t0) / 1000,
          });
        });
      },
    );
    req.on('error', fail);
    // About 350 bytes a line: enough lines for the size asked, stamped up to now.
    const lines = benchLines(Math.ceil(bytes / 200), Date.now(), 11);
    const write = () => {
      while (sent < bytes) {
        let chunk = '';
        for (let i = 0; i < 500; i++)
          chunk += `${JSON.stringify(lines.next().value)}\n`;
        sent += Buffer.byteLength(chunk);
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

async function httpBench(): Promise<{
  linesPerS: number;
  p95BatchMs: number;
  peakRssMb: number;
  accepted: number;
  ndjsonMb: number;
  ndjsonRssGrowthMb: number;
}> {
  const backend = await startBackendProcess({
    script: join(__dirname, 'server.ts'),
    subject: 'bench-shipper',
    // A heap well under the NDJSON body's size: the stream must be read, not buffered.
    nodeArgs: [`--max-old-space-size=${SERVER_HEAP_MB}`],
    copilot: { ingest: { maxBodyBytes: 64 * 1024 * 1024 } },
  });
  const { port, token, child } = backend;
  try {
    log(`backend up on port ${port} (pid ${child.pid})`);
    // A large NDJSON stream first, on the fresh backend: it is read line by line, so the backend's
    // peak RSS must not grow by anything like the body's size.
    const rssBefore = peakRssMb(child.pid!);
    const ndjson = await streamNdjson(port, token, NDJSON_MB * 1024 * 1024);
    const ndjsonGrowth = peakRssMb(child.pid!) - rssBefore;
    log(
      `ndjson: ${(ndjson.bytes / 1048576).toFixed(0)} MB (${
        ndjson.accepted
      } lines) streamed in ${ndjson.seconds.toFixed(
        1,
      )} s; backend peak RSS ${rssBefore.toFixed(0)} -> ${(
        rssBefore + ndjsonGrowth
      ).toFixed(0)} MB`,
    );
    log('serializing batches');
    // Timestamps end now, so none is in the future when the batches arrive.
    const bodies = [...batches(Date.now())].map(b =>
      Buffer.from(JSON.stringify(b)),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const post = (body: Buffer) =>
      new Promise<{ status: number; body: string }>((ok, fail) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/api/copilot/v1/signals/ingest',
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': body.length,
              authorization: `Bearer ${token}`,
            },
          },
          res => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', d => (text += d));
            res.on('end', () =>
              ok({ status: res.statusCode ?? 0, body: text }),
            );
          },
        );
        req.on('error', fail);
        req.end(body);
      });
    // Warm up (JIT, first miner templates) with one batch, not counted.
    const warm = await post(bodies[0]);
    if (warm.status !== 202)
      throw new Error(`warm-up batch: ${warm.status} ${warm.body}`);
    const times: number[] = [];
    let accepted = 0;
    let next = 1;
    const t0 = performance.now();
    const worker = async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const b0 = performance.now();
        const res = await post(body);
        times.push(performance.now() - b0);
        if (res.status !== 202)
          throw new Error(`batch: ${res.status} ${res.body}`);
        accepted += JSON.parse(res.body).accepted;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const wallS = (performance.now() - t0) / 1000;
    const rss = peakRssMb(child.pid!);
    log(
      `http: ${accepted} lines in ${wallS.toFixed(
        2,
      )} s with ${CONCURRENCY} batches of ${BATCH} in flight; backend peak RSS ${rss.toFixed(
        0,
      )} MB`,
    );
    agent.destroy();
    return {
      linesPerS: accepted / wallS,
      p95BatchMs: percentile(times, 0.95),
      peakRssMb: rss,
      accepted,
      ndjsonMb: ndjson.bytes / 1048576,
      ndjsonRssGrowthMb: ndjsonGrowth,
    };
  } finally {
    await backend.stop();
  }
}

async function main() {
  log(`${LINES} lines from ${SERVICES.length} services, batches of ${BATCH}`);
  const engine = engineBench();
  const engineRss = process.resourceUsage().maxRSS / 1024;
  if (process.argv.includes('--engine-only')) {
    console.log(
      JSON.stringify({
        engine_lines_per_s: Math.round(engine.linesPerS),
        engine_p95_batch_ms: round(engine.p95BatchMs),
      }),
    );
    return;
  }
  const http = await httpBench();
  console.log(
    JSON.stringify({
      lines: LINES,
      batch: BATCH,
      concurrency: CONCURRENCY,
      engine_lines_per_s: Math.round(engine.linesPerS),
      engine_p95_batch_ms: round(engine.p95BatchMs),
      engine_peak_rss_mb: Math.round(engineRss),
      http_lines_per_s: Math.round(http.linesPerS),
      p95_batch_ms: round(http.p95BatchMs),
      peak_rss_mb: Math.round(http.peakRssMb),
      ndjson_mb: Math.round(http.ndjsonMb),
      ndjson_rss_growth_mb: Math.round(http.ndjsonRssGrowthMb),
      backend_heap_limit_mb: SERVER_HEAP_MB,
    }),
  );
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
