/* eslint-disable no-console */
// yarn eval:rag [--data ../shared/datasets/runbooks_k8s] [--verbose]
// Alert -> runbook retrieval: every runbook page is parsed, chunked and indexed (BM25F + the local LSA
// embedder fitted on these chunks); every alert rule of alert_to_runbook_index.csv is a query built from its
// summary, description and PromQL expression with the alert NAME WITHHELD, and its target is the runbook page.
// Prints recall@1/@5 and MRR for BM25 alone, dense alone and hybrid (fusion + rerank), how often an alert
// without a runbook gets a confident answer, and p95 hybrid query latency; the last stdout line is one JSON object.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  alertQueryText,
  chunkDocument,
  chunkEmbeddingText,
  KnowledgeError,
  KnowledgeIndex,
  LocalEmbedder,
  parseDocument,
  type SearchMode,
} from '../../../plugins/copilot-backend/src/engine/knowledge';
import { parseCsv } from '../../support/csv';

const ROOT = resolve(__dirname, '../../..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : undefined;
}

const dataArg = arg('data');
const data = dataArg
  ? resolve(process.cwd(), dataArg)
  : resolve(ROOT, '../shared/datasets/runbooks_k8s');
const verbose = process.argv.includes('--verbose');
const log = (s: string) => console.error(`[eval:rag] ${s}`);
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap(name => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return walk(p);
      return /\.(md|markdown|txt|html?|pdf)$/i.test(name) ? [p] : [];
    });
}

function formatOf(path: string) {
  if (/\.pdf$/i.test(path)) return 'pdf' as const;
  if (/\.html?$/i.test(path)) return 'html' as const;
  if (/\.txt$/i.test(path)) return 'text' as const;
  return 'markdown' as const;
}

async function main() {
  // 1. Corpus: every document file under the dataset's runbook folders.
  const docDirs = readdirSync(data).filter(
    n => statSync(join(data, n)).isDirectory() && !/alert-rules/.test(n),
  );
  const index = new KnowledgeIndex();
  const embedder = new LocalEmbedder();
  const docs: {
    docId: string;
    title: string;
    chunks: ReturnType<typeof chunkDocument>;
  }[] = [];
  let skipped = 0;
  const t0 = performance.now();
  for (const dir of docDirs) {
    for (const file of walk(join(data, dir))) {
      const docId = relative(data, file);
      try {
        const parsed = parseDocument({
          content: readFileSync(file),
          format: formatOf(file),
        });
        docs.push({
          docId,
          title: parsed.title,
          chunks: chunkDocument(parsed),
        });
      } catch (e) {
        if (!(e instanceof KnowledgeError)) throw e;
        skipped++; // e.g. Hugo `_index.md` section files holding only front matter
      }
    }
  }
  const texts = docs.flatMap(d =>
    d.chunks.map(c => chunkEmbeddingText(d.title, c)),
  );
  embedder.fit(texts);
  let k = 0;
  const vectors = await embedder.embed(texts);
  for (const d of docs) {
    index.upsertDocument(d, vectors.slice(k, k + d.chunks.length));
    k += d.chunks.length;
  }
  log(
    `${docs.length} documents (${skipped} without content skipped), ${index.chunkCount} chunks, ` +
      `embedder ${embedder.id}, indexed in ${Math.round(
        performance.now() - t0,
      )} ms`,
  );

  // 2. Queries.
  const rows = parseCsv(
    readFileSync(join(data, 'alert_to_runbook_index.csv'), 'utf8'),
  );
  const header = rows[0];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0)
      throw new Error(`alert_to_runbook_index.csv has no ${name} column`);
    return i;
  };
  const [cAlert, cSummary, cDescription, cExpr, cTarget] = [
    'alert',
    'summary',
    'description',
    'expr',
    'local_runbook_path',
  ].map(col);
  const queries = rows.slice(1).map(r => ({
    alert: r[cAlert],
    target: r[cTarget] || undefined,
    text: alertQueryText({
      summary: r[cSummary],
      description: r[cDescription],
      expr: r[cExpr],
    }),
  }));
  const known = new Set(docs.map(d => d.docId));
  for (const q of queries) {
    if (q.target && !known.has(q.target))
      throw new Error(`target ${q.target} of ${q.alert} is not in the corpus`);
  }

  // 3. Retrieval per mode.
  const modes: SearchMode[] = ['bm25', 'dense', 'hybrid'];
  const result: Record<
    string,
    { recall_at_1: number; recall_at_5: number; mrr: number }
  > = {};
  const latencies: number[] = [];
  let negatives = 0;
  let negativeConfident = 0;
  let positiveConfident = 0;
  let positiveConfidentCorrect = 0;
  const positives = queries.filter(q => q.target);
  for (const mode of modes) {
    let r1 = 0;
    let r5 = 0;
    let mrr = 0;
    for (const q of queries) {
      const start = performance.now();
      const vector =
        mode === 'bm25' ? undefined : (await embedder.embed([q.text]))[0];
      const res = index.search(
        { text: q.text, vector },
        { mode, limit: 10, rerank: mode === 'hybrid' },
      );
      const ms = performance.now() - start;
      const docsRanked = res.documents.map(d => d.docId);
      if (mode === 'hybrid') {
        latencies.push(ms);
        if (!q.target) {
          negatives++;
          if (res.confidence.confident) negativeConfident++;
        } else if (res.confidence.confident) {
          positiveConfident++;
          if (docsRanked[0] === q.target) positiveConfidentCorrect++;
        }
      }
      if (verbose && mode === 'hybrid') {
        const rank = q.target ? docsRanked.indexOf(q.target) + 1 : 0;
        log(
          `${
            q.target ? `rank ${rank || '>10'}` : 'no runbook'
          } conf ${res.confidence.value.toFixed(2)} ` +
            `margin ${res.confidence.margin.toFixed(2)} name ${(
              res.documents[0]?.features?.nameRecall ?? 0
            ).toFixed(2)} coverage ${res.confidence.coverage.toFixed(2)} ` +
            `${q.alert} -> ${docsRanked[0] ?? '-'}`,
        );
      }
      if (!q.target) continue;
      const rank = docsRanked.indexOf(q.target) + 1;
      if (rank === 1) r1++;
      if (rank >= 1 && rank <= 5) r5++;
      if (rank >= 1) mrr += 1 / rank;
    }
    result[mode] = {
      recall_at_1: round(r1 / positives.length),
      recall_at_5: round(r5 / positives.length),
      mrr: round(mrr / positives.length),
    };
    log(`${mode}: ${JSON.stringify(result[mode])}`);
  }
  latencies.sort((a, b) => a - b);
  const p95 =
    latencies[
      Math.min(latencies.length - 1, Math.floor(0.95 * latencies.length))
    ];
  log(
    `confident answers: ${positiveConfident}/${positives.length} alerts with a runbook ` +
      `(${positiveConfidentCorrect} of them right at rank 1), ${negativeConfident}/${negatives} alerts without one`,
  );
  console.log(
    JSON.stringify({
      queries: queries.length,
      bm25: result.bm25,
      dense: result.dense,
      hybrid: result.hybrid,
      no_runbook_confident_rate: round(
        negatives ? negativeConfident / negatives : 0,
      ),
      p95_ms: round(p95, 2),
    }),
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
