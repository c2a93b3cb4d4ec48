/* eslint-disable no-console */
// yarn eval:anomaly --data ../shared/datasets/nab [--files <group>|<glob>[,...]] [--detector <module.ts>]
// Numenta Anomaly Benchmark (NAB v1.1): self-checks our scorer against NAB's shipped results, prints the
// reference detectors' normalised scores over the selected files, then scores our streaming detector
// (plugins/copilot-backend/src/engine/detect/detector.ts, when present). Per-file lines go to stderr;
// the last stdout line is one JSON object. Exit code 1 when the self-check fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  FileSweep,
  NAB_PROFILES,
  NabProfileName,
  WindowRows,
  WindowTimestamps,
  normalize,
  nullScore,
  optimizeThreshold,
  parseNabTimestamp,
  perfectScore,
  scoreFile,
  scoreSweep,
  sweepFile,
  windowsToRows,
  parseNabCsv,
} from '../../../plugins/copilot-backend/src/engine/detect/nab';

const PROFILES = Object.keys(NAB_PROFILES) as NabProfileName[];
const OUT_KEY: Record<NabProfileName, string> = {
  standard: 'standard',
  reward_low_FP_rate: 'reward_low_fp',
  reward_low_FN_rate: 'reward_low_fn',
};
/** Agreement required between rescored values and NAB's shipped ones. */
const TOLERANCE = 1e-6;

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

function readCsv(path: string): Record<string, string>[] {
  return parseNabCsv(readFileSync(path, 'utf8'));
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** `*` and `?` glob (no path separators crossed by `*`) to an anchored regex. */
function globToRegex(glob: string): RegExp {
  const body = glob
    .split('')
    .map(c => {
      if (c === '*') return '[^/]*';
      if (c === '?') return '[^/]';
      return c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`);
}

/** Whether `file` ("group/name.csv") is selected by `--files` (groups or globs, comma-separated). */
function selector(spec: string | undefined): (file: string) => boolean {
  if (!spec) return () => true;
  const tests = spec
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)
    .map(s => {
      if (!s.includes('/') && !s.includes('*') && !s.includes('?')) {
        return (f: string) => f.startsWith(`${s}/`);
      }
      const re = globToRegex(
        s.endsWith('.csv') || s.includes('*') ? s : `${s}.csv`,
      );
      return (f: string) => re.test(f);
    });
  return f => tests.some(t => t(f));
}

const round = (x: number | null) =>
  x === null ? null : Math.round(x * 10000) / 10000;

const root = resolve(process.cwd(), arg('data'));
const select = selector(
  process.argv.includes('--files') ? arg('files') : undefined,
);
const windowsJson = readJson<Record<string, WindowTimestamps[]>>(
  join(root, 'labels/combined_windows.json'),
);
const profilesJson = readJson<
  Record<string, { CostMatrix: Record<string, number> }>
>(join(root, 'config/profiles.json'));
const finalResults = readJson<Record<string, Record<string, number>>>(
  join(root, 'results/final_results.json'),
);
const failures: string[] = [];
const fail = (msg: string) => {
  failures.push(msg);
  console.error(`SELF-CHECK FAIL ${msg}`);
};

for (const p of PROFILES) {
  const cm = profilesJson[p]?.CostMatrix;
  const ours = NAB_PROFILES[p];
  if (
    !cm ||
    cm.tpWeight !== ours.tpWeight ||
    cm.fpWeight !== ours.fpWeight ||
    cm.fnWeight !== ours.fnWeight
  ) {
    fail(`profile ${p} in config/profiles.json differs from NAB_PROFILES`);
  }
}

// ---- corpus: data files present in this copy, restricted by --files ----------------------------------
interface CorpusFile {
  file: string;
  timestamps: string[];
  values: number[];
  windows: WindowRows[];
}
const corpus: CorpusFile[] = [];
for (const group of readdirSync(join(root, 'data'), { withFileTypes: true })
  .filter(d => d.isDirectory())
  .map(d => d.name)
  .sort()) {
  for (const name of readdirSync(join(root, 'data', group))
    .filter(n => n.endsWith('.csv'))
    .sort()) {
    const file = `${group}/${name}`;
    if (!select(file)) continue;
    if (!windowsJson[file]) {
      console.error(`skip ${file}: not in labels/combined_windows.json`);
      continue;
    }
    const rows = readCsv(join(root, 'data', group, name));
    const timestamps = rows.map(r => r.timestamp);
    corpus.push({
      file,
      timestamps,
      values: rows.map(r => Number(r.value)),
      windows: windowsToRows(timestamps, windowsJson[file]),
    });
  }
}
if (corpus.length === 0) throw new Error('no data files selected');
const windowCount = corpus.reduce((a, f) => a + f.windows.length, 0);
console.error(
  `corpus: ${corpus.length} files, ${windowCount} windows (${root})`,
);

// ---- shipped per-file score rows ---------------------------------------------------------------------
type ScoreRow = Record<string, string>;
const detectors = readdirSync(join(root, 'results'), { withFileTypes: true })
  .filter(d => d.isDirectory())
  .map(d => d.name)
  .filter(d =>
    PROFILES.every(p =>
      existsSync(join(root, 'results', d, `${d}_${p}_scores.csv`)),
    ),
  )
  .sort();
const shipped = new Map<
  string,
  Record<NabProfileName, Map<string, ScoreRow>>
>();
for (const det of detectors) {
  const byProfile = {} as Record<NabProfileName, Map<string, ScoreRow>>;
  for (const p of PROFILES) {
    const rows = readCsv(join(root, 'results', det, `${det}_${p}_scores.csv`));
    byProfile[p] = new Map(
      rows.map(r => [r.Detector === 'Totals' ? 'Totals' : r.File, r]),
    );
  }
  shipped.set(det, byProfile);
}
if (!shipped.has('null'))
  throw new Error('results/null/null_<profile>_scores.csv are required');
const nullRows = shipped.get('null')!;

// ---- self-check 1: per-timestep result files rescored row by row -------------------------------------
console.error(
  '\n== self-check: per-timestep result files (S(t) per row, Score/TP/TN/FP/FN per file)',
);
for (const det of detectors) {
  const dir = join(root, 'results', det);
  for (const group of readdirSync(dir, { withFileTypes: true })
    .filter(d => d.isDirectory())
    .map(d => d.name)) {
    for (const name of readdirSync(join(dir, group)).filter(
      n => n.startsWith(`${det}_`) && n.endsWith('.csv'),
    )) {
      const file = `${group}/${name.slice(det.length + 1)}`;
      const rows = readCsv(join(dir, group, name));
      const windows = windowsToRows(
        rows.map(r => r.timestamp),
        windowsJson[file],
      );
      const scores = rows.map(r => Number(r.anomaly_score));
      for (const p of PROFILES) {
        const expected = shipped.get(det)![p].get(file);
        if (!expected) {
          fail(`${det} ${file}: no row in ${det}_${p}_scores.csv`);
          continue;
        }
        const r = scoreFile({
          scores,
          windows,
          profile: NAB_PROFILES[p],
          threshold: Number(expected.Threshold),
          perRow: true,
        });
        const column = `S(t)_${p}`;
        let maxRowDiff = 0;
        if (rows[0][column] !== undefined) {
          rows.forEach((row, i) => {
            maxRowDiff = Math.max(
              maxRowDiff,
              Math.abs(r.perRow![i] - Number(row[column])),
            );
          });
        }
        const scoreDiff = Math.abs(r.score - Number(expected.Score));
        const counts = [r.tp, r.tn, r.fp, r.fn, r.total].join('/');
        const expectedCounts = ['TP', 'TN', 'FP', 'FN', 'Total_Count']
          .map(c => expected[c])
          .join('/');
        const ok =
          maxRowDiff < TOLERANCE &&
          scoreDiff < TOLERANCE &&
          counts === expectedCounts;
        console.error(
          `${ok ? 'ok  ' : 'FAIL'} ${det} ${file} ${p}: score ${r.score.toFixed(
            9,
          )} vs ${expected.Score}, ` +
            `TP/TN/FP/FN/total ${counts} vs ${expectedCounts}, max |S(t) diff| ${maxRowDiff.toExponential(
              2,
            )}`,
        );
        if (!ok) fail(`${det} ${file} ${p} per-timestep rescoring differs`);
      }
    }
  }
}

// ---- self-check 2: the null detector (constant 0.5 at threshold 0.6) on every selected data file ------
console.error(
  '\n== self-check: null detector rescored on the selected data files',
);
for (const p of PROFILES) {
  let bad = 0;
  for (const f of corpus) {
    const expected = nullRows[p].get(f.file);
    if (!expected) {
      fail(`null ${f.file}: no row in null_${p}_scores.csv`);
      continue;
    }
    const r = scoreFile({
      scores: new Array<number>(f.values.length).fill(0.5),
      windows: f.windows,
      profile: NAB_PROFILES[p],
      threshold: Number(expected.Threshold),
    });
    const computedNull = nullScore(
      [{ rowCount: f.values.length, windows: f.windows }],
      NAB_PROFILES[p],
    );
    const got = [r.score, r.tp, r.tn, r.fp, r.fn, r.total].join('/');
    const want = ['Score', 'TP', 'TN', 'FP', 'FN', 'Total_Count']
      .map(c => Number(expected[c]))
      .join('/');
    if (got !== want || computedNull !== r.score) {
      bad++;
      fail(
        `null ${f.file} ${p}: ${got} vs ${want} (nullScore ${computedNull})`,
      );
    }
  }
  console.error(
    `${bad ? 'FAIL' : 'ok  '} null ${p}: ${corpus.length - bad}/${
      corpus.length
    } files match Score/TP/TN/FP/FN/Total_Count`,
  );
}

// ---- self-check 3: shipped Totals normalised over the full label set vs final_results.json ------------
console.error(
  '\n== self-check: Totals rows normalised over all labelled files vs results/final_results.json',
);
const labelledFiles = Object.keys(windowsJson);
const allWindows = labelledFiles.reduce((a, f) => a + windowsJson[f].length, 0);
for (const det of detectors) {
  for (const p of PROFILES) {
    const rows = shipped.get(det)![p];
    const totals = rows.get('Totals');
    const reference = finalResults[det]?.[p];
    if (!totals) {
      fail(`${det} ${p}: no Totals row`);
      continue;
    }
    const fileRows = [...rows.keys()].filter(k => k !== 'Totals');
    const sum = fileRows.reduce((a, k) => a + Number(rows.get(k)!.Score), 0);
    const value = normalize(
      Number(totals.Score),
      Number(nullRows[p].get('Totals')!.Score),
      perfectScore(allWindows, NAB_PROFILES[p]),
    );
    const complete = labelledFiles.every(f => rows.has(f));
    let status: string;
    if (Math.abs(sum - Number(totals.Score)) > TOLERANCE) {
      status = 'FAIL';
      fail(
        `${det} ${p}: Totals ${totals.Score} is not the sum of its file rows ${sum}`,
      );
    } else if (reference === undefined) {
      status = 'n/a ';
    } else if (Math.abs(value - reference) < TOLERANCE) {
      status = 'ok  ';
    } else if (!complete) {
      // The shipped CSV does not cover the corpus, so it cannot be the run final_results.json came from.
      status = 'WARN';
    } else {
      status = 'FAIL';
      fail(`${det} ${p}: normalised ${value} vs final_results ${reference}`);
    }
    console.error(
      `${status} ${det} ${p}: ${value.toFixed(6)} vs final_results ${
        reference === undefined ? '(none)' : reference.toFixed(6)
      }` +
        (complete
          ? ''
          : ` [CSV covers ${fileRows.length}/${labelledFiles.length} files; not the final_results run, excluded from pass/fail]`),
    );
  }
}

// ---- reference detectors over the selected files ------------------------------------------------------
const selectedNull = {} as Record<NabProfileName, number>;
const selectedPerfect = {} as Record<NabProfileName, number>;
for (const p of PROFILES) {
  selectedNull[p] = nullScore(
    corpus.map(f => ({ rowCount: f.values.length, windows: f.windows })),
    NAB_PROFILES[p],
  );
  selectedPerfect[p] = perfectScore(windowCount, NAB_PROFILES[p]);
}
console.error(
  `\n== reference detectors over the ${
    corpus.length
  } selected files (null raw ${PROFILES.map(p => selectedNull[p]).join(
    '/',
  )}, perfect raw ${PROFILES.map(p => selectedPerfect[p]).join('/')})`,
);
const reference: Record<string, Record<string, number | null>> = {};
for (const det of detectors) {
  const out: Record<string, number | null> = {};
  const missing = corpus.filter(
    f => !shipped.get(det)!.standard.has(f.file),
  ).length;
  for (const p of PROFILES) {
    if (missing > 0) {
      out[OUT_KEY[p]] = null;
      continue;
    }
    const raw = corpus.reduce(
      (a, f) => a + Number(shipped.get(det)![p].get(f.file)!.Score),
      0,
    );
    out[OUT_KEY[p]] = round(
      normalize(raw, selectedNull[p], selectedPerfect[p]),
    );
  }
  reference[det] = out;
  console.error(
    `${det.padEnd(18)} ${PROFILES.map(
      p => `${OUT_KEY[p]} ${out[OUT_KEY[p]] ?? 'null'}`,
    ).join('  ')}` +
      (missing ? `  (its CSV lacks ${missing} selected files)` : ''),
  );
}

// ---- our detector ---------------------------------------------------------------------------------------
type ScoreSeriesFn = (
  values: number[],
  timestamps: number[],
) => ArrayLike<number | { score: number }>;
const detectorPath = process.argv.includes('--detector')
  ? resolve(process.cwd(), arg('detector'))
  : resolve(
      __dirname,
      '../../../plugins/copilot-backend/src/engine/detect/detector.ts',
    );
const ours: Record<string, number | null> = {
  standard: null,
  reward_low_fp: null,
  reward_low_fn: null,
};
if (!existsSync(detectorPath)) {
  console.error(`\nours: ${detectorPath} does not exist yet; reporting null`);
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(detectorPath) as { scoreSeries?: ScoreSeriesFn };
  if (typeof mod.scoreSeries !== 'function') {
    throw new Error(
      `${detectorPath} does not export scoreSeries(values, timestamps)`,
    );
  }
  console.error('\n== ours: scoreSeries from detector.ts');
  const perFileScores = corpus.map(f => {
    const started = Date.now();
    const raw = mod.scoreSeries!(f.values, f.timestamps.map(parseNabTimestamp));
    if (raw.length !== f.values.length) {
      throw new Error(
        `scoreSeries returned ${raw.length} scores for ${f.values.length} rows of ${f.file}`,
      );
    }
    const scores = Array.from(raw, v => (typeof v === 'number' ? v : v.score));
    return { scores, ms: Date.now() - started };
  });
  for (const p of PROFILES) {
    const sweeps: FileSweep[] = corpus.map((f, k) =>
      sweepFile(perFileScores[k].scores, f.windows, NAB_PROFILES[p]),
    );
    const best = optimizeThreshold(sweeps, NAB_PROFILES[p]);
    const value = normalize(best.score, selectedNull[p], selectedPerfect[p]);
    ours[OUT_KEY[p]] = round(value);
    console.error(
      `-- ${p}: threshold ${best.threshold}, raw ${best.score.toFixed(
        4,
      )}, normalised ${value.toFixed(4)}, TP/TN/FP/FN rows ${best.tp}/${
        best.tn
      }/${best.fp}/${best.fn}`,
    );
    corpus.forEach((f, k) => {
      const r = scoreSweep(sweeps[k], NAB_PROFILES[p], best.threshold);
      const detectedWindows = f.windows.filter(([s, e]) =>
        perFileScores[k].scores
          .slice(Math.max(s, sweeps[k].probationRows), e + 1)
          .some(v => v >= best.threshold),
      ).length;
      console.error(
        `   ${f.file}: raw ${r.score.toFixed(
          4,
        )}, windows hit ${detectedWindows}/${f.windows.length}, FP rows ${
          r.fp
        }, ${perFileScores[k].ms} ms`,
      );
    });
  }
}

if (failures.length)
  console.error(`\nSELF-CHECK FAILED: ${failures.length} problem(s)`);
else console.error('\nself-check passed');
console.log(
  JSON.stringify({
    files: corpus.length,
    ...ours,
    reference,
  }),
);
process.exitCode = failures.length ? 1 : 0;
