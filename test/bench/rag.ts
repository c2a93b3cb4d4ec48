/* eslint-disable no-console */
// yarn bench:rag [--chunks 100000] [--queries 300] [--nprobe 8] [--data ../shared/datasets/runbooks_k8s]
//
// Query latency of knowledge retrieval at scale with the in-process store: `chunks` synthetic runbook chunks
// (generated deterministically from the runbook corpus' own sentences and vocabulary: CamelCase alert-like
// titles, Meaning/Impact/Diagnosis/Mitigation sections, prose with words swapped by corpus frequency, list
// steps and PromQL/shell code blocks with the corpus' metric names) plus the real runbooks, indexed with BM25F
// and the local LSA embedder (IVF-partitioned vectors). Each query is an alert of alert_to_runbook_index.csv
// (name withheld) or a paraphrase of a random synthetic chunk; its time covers query embedding, BM25, dense
// probing, RRF fusion, reranking and snippets. Progress on stderr; the last stdout line is one JSON object.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  alertQueryText,
  chunkDocument,
  chunkEmbeddingText,
  KnowledgeError,
  KnowledgeIndex,
  LocalEmbedder,
  parseDocument,
  type Chunk,
} from '../../plugins/copilot-backend/src/engine/knowledge';
import { mulberry32 } from '../../plugins/copilot-backend/src/engine/knowledge/svd';
import { parseCsv } from '../support/csv';

const ROOT = resolve(__dirname, '../..');

function num(name: string, fallback: number): number {
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
function str(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const CHUNKS = num('chunks', 100_000);
const QUERIES = num('queries', 300);
/** IVF lists probed per query; `--nprobe 0` turns the partition off (exact full scan). */
const NPROBE = process.argv.includes('--nprobe') ? Number(str('nprobe')) : 8;
const DATA = str('data')
  ? resolve(process.cwd(), str('data')!)
  : resolve(ROOT, '../shared/datasets/runbooks_k8s');
const log = (s: string) => console.error(`[bench:rag] ${s}`);
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const percentile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

interface Doc {
  docId: string;
  title: string;
  chunks: Chunk[];
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap(n => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : /\.md$/.test(n) ? [p] : [];
    });
}

function loadRunbooks(): Doc[] {
  const docs: Doc[] = [];
  for (const file of walk(join(DATA, 'prometheus-operator-runbooks'))) {
    try {
      const parsed = parseDocument({
        content: readFileSync(file),
        format: 'markdown',
      });
      docs.push({
        docId: file.slice(DATA.length + 1),
        title: parsed.title,
        chunks: chunkDocument(parsed),
      });
    } catch (e) {
      if (!(e instanceof KnowledgeError)) throw e;
    }
  }
  return docs;
}

/** Deterministic synthetic runbooks whose language is the real corpus' language. */
function synthesize(real: Doc[], target: number, seed: number): Doc[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const sentences: string[] = [];
  const steps: string[] = [];
  const code: string[] = [];
  const freq = new Map<string, number>();
  const metrics = new Set<string>();
  const nameParts = new Set<string>();
  for (const d of real) {
    for (const w of d.title.split(/\s+/))
      if (/^[A-Za-z]{3,}$/.test(w))
        nameParts.add(w[0].toUpperCase() + w.slice(1));
    for (const c of d.chunks) {
      if (c.kind === 'code') code.push(c.text);
      else if (c.kind === 'list')
        steps.push(...c.text.split('\n').filter(l => /^\s*[-*\d]/.test(l)));
      else
        sentences.push(
          ...c.text
            .split(/(?<=[.!?])\s+/)
            .filter(s => s.split(' ').length >= 4),
        );
      for (const w of c.text.match(/[A-Za-z][A-Za-z_]+/g) ?? []) {
        freq.set(w.toLowerCase(), (freq.get(w.toLowerCase()) ?? 0) + 1);
        if (/^[a-z]+(_[a-z]+){2,}$/.test(w)) metrics.add(w);
      }
    }
  }
  // Word sampler proportional to corpus frequency (cumulative table).
  const words = [...freq.keys()].filter(w => w.length > 3);
  const cum = new Float64Array(words.length);
  let total = 0;
  words.forEach((w, i) => {
    total += freq.get(w)!;
    cum[i] = total;
  });
  const sampleWord = () => {
    const x = rand() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo];
  };
  const mutate = (s: string) =>
    s.replace(/[A-Za-z]{4,}/g, w => (rand() < 0.3 ? sampleWord() : w));
  const parts = [...nameParts];
  const metricList = [...metrics];
  const docs: Doc[] = [];
  let made = 0;
  for (let d = 0; made < target; d++) {
    const name = Array.from({ length: 3 + Math.floor(rand() * 2) }, () =>
      pick(parts),
    ).join('');
    const title = name.replace(/([a-z])([A-Z])/g, '$1 $2');
    const chunks: Chunk[] = [];
    let line = 6;
    for (const section of ['Meaning', 'Impact', 'Diagnosis', 'Mitigation']) {
      if (made + chunks.length >= target) break;
      const r = rand();
      let text: string;
      let kind: Chunk['kind'];
      if (section === 'Diagnosis' && r < 0.4 && code.length) {
        kind = 'code';
        text = `\`\`\`promql\n${pick(
          metricList,
        )}{job="${sampleWord()}"}\n${mutate(pick(code)).slice(0, 300)}\n\`\`\``;
      } else if (section === 'Mitigation' && r < 0.5 && steps.length) {
        kind = 'list';
        text = Array.from({ length: 2 + Math.floor(rand() * 4) }, () =>
          mutate(pick(steps)),
        ).join('\n');
      } else {
        kind = 'prose';
        text = Array.from({ length: 2 + Math.floor(rand() * 6) }, () =>
          mutate(pick(sentences)),
        ).join(' ');
      }
      const lines = text.split('\n').length;
      chunks.push({
        ordinal: chunks.length,
        text,
        headingPath: [name, section],
        lineStart: line + 2,
        lineEnd: line + 1 + lines,
        kind,
      });
      line += lines + 3;
    }
    made += chunks.length;
    docs.push({ docId: `synthetic/${d}/${name}.md`, title, chunks });
  }
  return docs;
}

async function main() {
  const real = loadRunbooks();
  const realChunks = real.reduce((n, d) => n + d.chunks.length, 0);
  const t0 = performance.now();
  const synthetic = synthesize(
    real,
    Math.max(0, CHUNKS - realChunks),
    20261202,
  );
  const docs = [...real, ...synthetic];
  const texts = docs.flatMap(d =>
    d.chunks.map(c => chunkEmbeddingText(d.title, c)),
  );
  log(
    `${docs.length} documents, ${texts.length} chunks generated in ${round(
      (performance.now() - t0) / 1000,
    )} s`,
  );

  const embedder = new LocalEmbedder();
  let t = performance.now();
  embedder.fit(texts);
  const fitS = (performance.now() - t) / 1000;
  log(
    `embedder fitted on ${Math.min(texts.length, 8000)} chunks in ${round(
      fitS,
    )} s (${embedder.id})`,
  );
  t = performance.now();
  const vectors = texts.map(x => embedder.embedSync(x));
  const embedS = (performance.now() - t) / 1000;
  log(`embedded ${texts.length} chunks in ${round(embedS)} s`);

  t = performance.now();
  const index = new KnowledgeIndex();
  let k = 0;
  for (const d of docs) {
    index.upsertDocument(d, vectors.slice(k, k + d.chunks.length));
    k += d.chunks.length;
  }
  const indexS = (performance.now() - t) / 1000;
  t = performance.now();
  if (NPROBE > 0) index.partitionVectors();
  const partitionS = (performance.now() - t) / 1000;
  log(
    `BM25F + vectors indexed in ${round(indexS)} s, IVF partition in ${round(
      partitionS,
    )} s`,
  );

  // Queries: real alerts (name withheld) and paraphrased synthetic chunks, interleaved.
  const rows = parseCsv(
    readFileSync(join(DATA, 'alert_to_runbook_index.csv'), 'utf8'),
  );
  const h = rows[0];
  const alerts = rows.slice(1).map(r => ({
    text: alertQueryText({
      summary: r[h.indexOf('summary')],
      description: r[h.indexOf('description')],
      expr: r[h.indexOf('expr')],
    }),
    target: r[h.indexOf('local_runbook_path')] || undefined,
  }));
  const rand = mulberry32(99);
  const queries: { text: string; target?: string }[] = [];
  for (let i = 0; i < QUERIES; i++) {
    if (i % 2 === 0) queries.push(alerts[(i / 2) % alerts.length]);
    else {
      const d = synthetic[Math.floor(rand() * synthetic.length)];
      const c = d.chunks[0];
      const words = c.text
        .split(/\s+/)
        .filter(() => rand() < 0.5)
        .slice(0, 25);
      queries.push({ text: `${d.title} ${words.join(' ')}`, target: d.docId });
    }
  }
  // Warm-up (JIT) on a few queries, not timed.
  for (const q of queries.slice(0, 10))
    index.search({ text: q.text, vector: embedder.embedSync(q.text) });

  const times: number[] = [];
  let alertHits = 0;
  let alertPositives = 0;
  let syntheticHits = 0;
  let syntheticQueries = 0;
  for (const q of queries) {
    const start = performance.now();
    const vector = (await embedder.embed([q.text]))[0];
    const res = index.search(
      { text: q.text, vector },
      { limit: 10, nprobe: NPROBE },
    );
    times.push(performance.now() - start);
    const top5 = res.documents.slice(0, 5).map(d => d.docId);
    if (q.target?.startsWith('synthetic/')) {
      syntheticQueries++;
      if (top5.includes(q.target)) syntheticHits++;
    } else if (q.target) {
      alertPositives++;
      if (top5.includes(q.target)) alertHits++;
    }
  }
  const mem = process.memoryUsage();
  const out = {
    chunks: index.chunkCount,
    nprobe: NPROBE,
    p95_ms: round(percentile(times, 0.95), 2),
    p50_ms: round(percentile(times, 0.5), 2),
    max_ms: round(Math.max(...times), 2),
    queries: queries.length,
    alert_recall_at_5: round(alertHits / Math.max(1, alertPositives), 3),
    synthetic_recall_at_5: round(
      syntheticHits / Math.max(1, syntheticQueries),
      3,
    ),
    fit_s: round(fitS),
    embed_s: round(embedS),
    index_s: round(indexS),
    partition_s: round(partitionS),
    heap_mb: Math.round(mem.heapUsed / 2 ** 20),
    rss_mb: Math.round(mem.rss / 2 ** 20),
  };
  console.log(JSON.stringify(out));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
