// Numenta Anomaly Benchmark (NAB v1.1) scoring, reimplemented from nab/sweeper.py, nab/optimizer.py and
// nab/runner.py (github.com/numenta/NAB, commit ea702d7) and checked against the shipped per-timestep
// S(t) columns, the per-file score CSVs and results/final_results.json (see nab.test.ts).
//
// Scoring in one paragraph: every row whose anomaly score is >= the threshold is a detection. Rows of the
// probationary period (the first min(floor(0.15 * N), 750) rows) are never scored. Each row gets a weight
// from its position: inside window [L, R] of width W it is scaledSigmoid(-(R - i + 1) / W) * tpWeight /
// scaledSigmoid(-1), so a detection on the first row of a window is worth exactly tpWeight; outside every
// window it is -fpWeight before the first window ends, and scaledSigmoid(|i - R'| / (W' - 1)) * fpWeight
// after a window [L', R'] of width W' (a smaller penalty right after a window). The file score is the sum
// of the weights of all detections outside windows plus, for each window with a scorable row, the largest
// weight among its detections (its earliest detection) or -fnWeight when it has none.
//
// Pure module: no I/O, no framework imports.

/** NAB cost matrix (config/profiles.json). tnWeight is carried for completeness; NAB never uses it. */
export interface CostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
  tnWeight?: number;
}

/** Names of the three NAB application profiles. */
export type NabProfileName =
  | 'standard'
  | 'reward_low_FP_rate'
  | 'reward_low_FN_rate';

/** The three profiles of NAB v1.1 config/profiles.json. */
export const NAB_PROFILES: Readonly<Record<NabProfileName, CostMatrix>> = {
  standard: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0, tnWeight: 1.0 },
  reward_low_FP_rate: {
    tpWeight: 1.0,
    fpWeight: 0.22,
    fnWeight: 1.0,
    tnWeight: 1.0,
  },
  reward_low_FN_rate: {
    tpWeight: 1.0,
    fpWeight: 0.11,
    fnWeight: 2.0,
    tnWeight: 1.0,
  },
};

/** NAB's probationaryPercent (runner.py). */
export const NAB_PROBATIONARY_PERCENT = 0.15;

/** The threshold NAB's sweep starts at: above every anomaly score, i.e. no detections. */
export const NAB_NO_DETECTION_THRESHOLD = 1.1;

/** A labelled window as inclusive row indexes [start, end] of its file. */
export type WindowRows = readonly [start: number, end: number];

/** A labelled window as timestamps, as in labels/combined_windows.json. */
export type WindowTimestamps = readonly [start: string, end: string];

/** Anomaly scores of one file: plain numbers, or rows carrying a `score`. */
export type ScoreSeries = ArrayLike<number> | readonly { score: number }[];

/** The logistic function, as in sweeper.py `sigmoid`. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * NAB's scaled sigmoid (sweeper.py `scaledSigmoid`): 2 * sigmoid(-5y) - 1, and -1 for y > 3. It is
 * 0.98661 at y = -1 (first row of a window), 0 at y = 0 and tends to -1 as y grows.
 */
export function scaledSigmoid(relativePositionInWindow: number): number {
  if (relativePositionInWindow > 3.0) return -1.0;
  return 2 * sigmoid(-5 * relativePositionInWindow) - 1.0;
}

/**
 * Rows of the probationary period of a file with `rowCount` rows (sweeper.py `_getProbationaryLength`):
 * min(floor(percent * rowCount), percent * 5000), i.e. at most 750 rows with the default 15 %.
 */
export function probationaryLength(
  rowCount: number,
  probationaryPercent: number = NAB_PROBATIONARY_PERCENT,
): number {
  return Math.min(
    Math.floor(probationaryPercent * rowCount),
    probationaryPercent * 5000,
  );
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * Parses a NAB timestamp ("2014-02-19 10:50:00" or "2014-02-19 10:50:00.000000") as UTC epoch
 * milliseconds; numbers are taken to be epoch milliseconds already. Throws on any other format.
 */
export function parseNabTimestamp(timestamp: string | number): number {
  if (typeof timestamp === 'number') return timestamp;
  const m = TIMESTAMP.exec(timestamp.trim());
  if (!m) throw new Error(`not a NAB timestamp: ${JSON.stringify(timestamp)}`);
  const micros = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + micros / 1000;
}

/**
 * Converts label windows given as timestamps to inclusive row indexes of a file's timestamps, sorted by
 * start. Like NAB, both ends must be timestamps of the file (NAB enters a window on the row whose time
 * equals the window start and looks the end up with `timestamps.index`); a missing end or start, an
 * inverted window or overlapping windows throw.
 */
export function windowsToRows(
  timestamps: readonly (string | number)[],
  windows: readonly WindowTimestamps[],
): WindowRows[] {
  const rowOf = new Map<number, number>();
  timestamps.forEach((t, i) => {
    const ms = parseNabTimestamp(t);
    if (!rowOf.has(ms)) rowOf.set(ms, i);
  });
  const rows = windows.map(([start, end]): WindowRows => {
    const s = rowOf.get(parseNabTimestamp(start));
    const e = rowOf.get(parseNabTimestamp(end));
    if (s === undefined || e === undefined) {
      throw new Error(`window [${start}, ${end}] does not match file rows`);
    }
    if (e < s)
      throw new Error(`window [${start}, ${end}] ends before it starts`);
    return [s, e];
  });
  return validateWindows(rows);
}

function validateWindows(windows: readonly WindowRows[]): WindowRows[] {
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  for (let k = 0; k < sorted.length; k++) {
    const [s, e] = sorted[k];
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e < s) {
      throw new Error(`invalid window [${s}, ${e}]`);
    }
    if (k > 0 && s <= sorted[k - 1][1]) {
      throw new Error(
        `overlapping windows ending at ${
          sorted[k - 1][1]
        } and starting at ${s}`,
      );
    }
  }
  return sorted;
}

/** Row marker in {@link FileSweep.window}: the row lies in the probationary period. */
export const PROBATION = -2;
/** Row marker in {@link FileSweep.window}: the row lies outside every window. */
export const OUTSIDE = -1;

/**
 * One file prepared for scoring under one profile (sweeper.py `calcSweepScore`): per-row anomaly score,
 * the weight a detection on that row contributes, and which window (if any) the row belongs to.
 */
export interface FileSweep {
  rowCount: number;
  probationRows: number;
  /** Anomaly score per row (NaN never counts as a detection). */
  scores: Float64Array;
  /** NAB `sweepScore` per row: the weighted TP value inside windows, the weighted FP value outside. */
  weights: Float64Array;
  /** Window index of the row, {@link OUTSIDE}, or {@link PROBATION}. */
  window: Int32Array;
  /** Windows of the file, sorted. */
  windows: WindowRows[];
  /** First scorable row of each window, or -1 when the whole window is probationary (never scored). */
  firstScoredRow: Int32Array;
  /** Windows with at least one scorable row: the ones that can be TPs or FNs. */
  scoredWindows: number;
}

function toScores(series: ScoreSeries): Float64Array {
  const n = series.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = (series as ArrayLike<number | { score: number }>)[i];
    out[i] = typeof v === 'number' ? v : v.score;
  }
  return out;
}

/**
 * Prepares one file for scoring (sweeper.py `calcSweepScore`). `windows` are inclusive row indexes;
 * `probationRows` defaults to {@link probationaryLength} of the file.
 */
export function sweepFile(
  scores: ScoreSeries,
  windows: readonly WindowRows[],
  profile: CostMatrix,
  probationRows?: number,
): FileSweep {
  const s = toScores(scores);
  const n = s.length;
  const wins = validateWindows(windows);
  const last = wins[wins.length - 1];
  if (last && last[1] >= n) {
    throw new Error(`window [${last[0]}, ${last[1]}] is beyond ${n} rows`);
  }
  const probation = probationRows ?? probationaryLength(n);
  const maxTP = scaledSigmoid(-1.0);
  const weights = new Float64Array(n);
  const window = new Int32Array(n);
  const firstScoredRow = new Int32Array(wins.length).fill(-1);
  let next = 0;
  let cur = -1;
  let curRight = -1;
  let curWidth = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    if (next < wins.length && i === wins[next][0]) {
      cur = next;
      curRight = wins[next][1];
      curWidth = curRight - wins[next][0] + 1;
      next++;
    }
    if (cur >= 0) {
      const positionInWindow = -(curRight - i + 1) / curWidth;
      weights[i] = (scaledSigmoid(positionInWindow) * profile.tpWeight) / maxTP;
    } else if (prevRight < 0) {
      weights[i] = -1.0 * profile.fpWeight;
    } else {
      const positionPastWindow = Math.abs(prevRight - i) / (prevWidth - 1);
      weights[i] = scaledSigmoid(positionPastWindow) * profile.fpWeight;
    }
    if (i < probation) window[i] = PROBATION;
    else {
      window[i] = cur >= 0 ? cur : OUTSIDE;
      if (cur >= 0 && firstScoredRow[cur] < 0) firstScoredRow[cur] = i;
    }
    if (cur >= 0 && i === curRight) {
      prevRight = i;
      prevWidth = curWidth;
      cur = -1;
    }
  }
  let scoredWindows = 0;
  for (const r of firstScoredRow) if (r >= 0) scoredWindows++;
  return {
    rowCount: n,
    probationRows: probation,
    scores: s,
    weights,
    window,
    windows: wins,
    firstScoredRow,
    scoredWindows,
  };
}

/** Score and confusion counts of one file or corpus at one threshold, as in NAB's score CSVs. */
export interface NabScore {
  /** Raw (unnormalised) NAB score. */
  score: number;
  /** Detected rows inside windows (NAB counts rows, not windows). */
  tp: number;
  /** Detected rows outside windows. */
  fp: number;
  /** Undetected rows inside windows. */
  fn: number;
  /** Undetected rows outside windows. */
  tn: number;
  /** All rows including the probationary ones (NAB's Total_Count). */
  total: number;
}

/** A {@link NabScore} for the detections `anomaly_score >= threshold`. */
export interface ThresholdScore extends NabScore {
  threshold: number;
}

/** Result of {@link scoreFile}. */
export interface FileScore extends NabScore {
  /**
   * Per-row contribution laid out as NAB's `S(t)_<profile>` result column: each counted FP on its row,
   * each scored window's value (its best detection, or -fnWeight) on the window's first scorable row,
   * 0 elsewhere. Sums to `score`.
   */
  perRow?: Float64Array;
}

/** Input of {@link scoreFile}. */
export interface ScoreFileInput {
  scores: ScoreSeries;
  /** Inclusive row indexes, see {@link windowsToRows}. */
  windows: readonly WindowRows[];
  profile: CostMatrix;
  threshold: number;
  /** Defaults to {@link probationaryLength} of the file. */
  probationRows?: number;
  /** Also return the per-row S(t) layout. */
  perRow?: boolean;
}

/**
 * Scores one file at a threshold (sweeper.py `scoreDataSet`): detections are rows with
 * anomaly score >= threshold outside the probationary period.
 */
export function scoreFile(input: ScoreFileInput): FileScore {
  const sweep = sweepFile(
    input.scores,
    input.windows,
    input.profile,
    input.probationRows,
  );
  return scoreSweep(sweep, input.profile, input.threshold, input.perRow);
}

/** Scores an already prepared file at a threshold; see {@link scoreFile}. */
export function scoreSweep(
  sweep: FileSweep,
  profile: CostMatrix,
  threshold: number,
  perRow = false,
): FileScore {
  const parts = new Float64Array(sweep.windows.length).fill(-profile.fnWeight);
  const rows = perRow ? new Float64Array(sweep.rowCount) : undefined;
  let fpSum = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < sweep.rowCount; i++) {
    const w = sweep.window[i];
    if (w === PROBATION) continue;
    const detected = sweep.scores[i] >= threshold;
    if (w === OUTSIDE) {
      if (detected) {
        fp++;
        fpSum += sweep.weights[i];
        if (rows) rows[i] = sweep.weights[i];
      } else tn++;
    } else if (detected) {
      tp++;
      if (sweep.weights[i] > parts[w]) parts[w] = sweep.weights[i];
    } else fn++;
  }
  let score = fpSum;
  for (let k = 0; k < parts.length; k++) {
    const first = sweep.firstScoredRow[k];
    if (first < 0) continue;
    score += parts[k];
    if (rows) rows[first] = parts[k];
  }
  const result: FileScore = { score, tp, fp, fn, tn, total: sweep.rowCount };
  if (rows) result.perRow = rows;
  return result;
}

/**
 * Score of a set of prepared files at every candidate threshold (sweeper.py `calcScoreByThreshold`):
 * {@link NAB_NO_DETECTION_THRESHOLD} first, then every distinct scorable anomaly score in descending
 * order. The entry for threshold t counts the detections `score >= t`; between two candidates the score
 * is constant, so this is the score at every possible threshold. Counts are summed over the files.
 */
export function scoresByThreshold(
  sweeps: readonly FileSweep[],
  profile: CostMatrix,
): ThresholdScore[] {
  let points = 0;
  let windowCount = 0;
  for (const s of sweeps) {
    for (let i = 0; i < s.rowCount; i++) {
      if (s.window[i] !== PROBATION && !Number.isNaN(s.scores[i])) points++;
    }
    windowCount += s.windows.length;
  }
  const score = new Float64Array(points);
  const weight = new Float64Array(points);
  const win = new Int32Array(points);
  const parts = new Float64Array(windowCount);
  let tn = 0;
  let fn = 0;
  let total = 0;
  let windowSum = 0;
  let p = 0;
  let offset = 0;
  for (const s of sweeps) {
    total += s.rowCount;
    for (let k = 0; k < s.windows.length; k++) {
      parts[offset + k] = -profile.fnWeight;
      if (s.firstScoredRow[k] >= 0) windowSum -= profile.fnWeight;
    }
    for (let i = 0; i < s.rowCount; i++) {
      const w = s.window[i];
      if (w === PROBATION) continue;
      if (w === OUTSIDE) tn++;
      else fn++;
      if (Number.isNaN(s.scores[i])) continue;
      score[p] = s.scores[i];
      weight[p] = s.weights[i];
      win[p] = w === OUTSIDE ? OUTSIDE : offset + w;
      p++;
    }
    offset += s.windows.length;
  }
  const order = new Uint32Array(points);
  for (let i = 0; i < points; i++) order[i] = i;
  order.sort((a, b) => score[b] - score[a]);

  const out: ThresholdScore[] = [];
  let fpSum = 0;
  let tp = 0;
  let fp = 0;
  let prev = NAB_NO_DETECTION_THRESHOLD;
  const snapshot = (threshold: number) =>
    out.push({ threshold, score: fpSum + windowSum, tp, tn, fp, fn, total });
  for (let j = 0; j < points; j++) {
    const i = order[j];
    if (score[i] !== prev) {
      snapshot(prev);
      prev = score[i];
    }
    if (win[i] === OUTSIDE) {
      fp++;
      tn--;
      fpSum += weight[i];
    } else {
      tp++;
      fn--;
      const old = parts[win[i]];
      if (weight[i] > old) {
        parts[win[i]] = weight[i];
        windowSum += weight[i] - old;
      }
    }
  }
  snapshot(prev);
  return out;
}

/** One file for corpus-level functions. */
export interface NabFileInput {
  scores: ScoreSeries;
  /** Inclusive row indexes, see {@link windowsToRows}. */
  windows: readonly WindowRows[];
  /** Defaults to {@link probationaryLength} of the file. */
  probationRows?: number;
}

/**
 * The single threshold for a whole corpus that maximises the summed raw score (optimizer.py
 * `optimizeThreshold`). NAB v1.1 sorts the sweep of {@link scoresByThreshold} by score and keeps the
 * first (stable sort, so the highest threshold wins ties); this does the same. Because the sweep
 * evaluates every distinct anomaly score (and 1.1, no detections), the result is the global optimum.
 */
export function optimizeThreshold(
  files: readonly (NabFileInput | FileSweep)[],
  profile: CostMatrix,
): ThresholdScore {
  const sweeps = files.map(f =>
    'weights' in f
      ? f
      : sweepFile(f.scores, f.windows, profile, f.probationRows),
  );
  const candidates = scoresByThreshold(sweeps, profile);
  let best = candidates[0];
  for (const c of candidates) if (c.score > best.score) best = c;
  return best;
}

/** Row count and windows of a file, for {@link nullScore}. */
export interface NabFileShape {
  rowCount: number;
  windows: readonly WindowRows[];
  probationRows?: number;
}

/**
 * Raw score of the null detector (never detects) over the files: -fnWeight per window that has a
 * scorable row. Windows that lie wholly inside the probationary period are not scored by NAB at all.
 */
export function nullScore(
  files: readonly NabFileShape[],
  profile: CostMatrix,
): number {
  let windows = 0;
  for (const f of files) {
    const probation = f.probationRows ?? probationaryLength(f.rowCount);
    for (const [, end] of f.windows) if (end >= probation) windows++;
  }
  return windows === 0 ? 0 : -profile.fnWeight * windows;
}

/**
 * Raw score of a perfect detector (runner.py `normalize`): tpWeight per labelled window, which is what
 * detecting every window on its first row earns since TP weights are divided by scaledSigmoid(-1).
 */
export function perfectScore(windowCount: number, profile: CostMatrix): number {
  return windowCount * profile.tpWeight;
}

/** NAB's normalised score: 100 * (raw - nullRaw) / (perfectRaw - nullRaw); 0 = null, 100 = perfect. */
export function normalize(
  raw: number,
  nullRaw: number,
  perfectRaw: number,
): number {
  return (100 * (raw - nullRaw)) / (perfectRaw - nullRaw);
}

/** NAB's plain comma-separated CSV (no quoting) as header-keyed records. */
export function parseNabCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map(line => {
    const cells = line.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
  });
}
