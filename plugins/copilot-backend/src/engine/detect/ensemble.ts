/*
 * The streaming ensemble behind every series: a robust seasonal baseline (level + wall-clock seasonal
 * profile, period found by autocorrelation, Huber-clipped updates, robust exponentially weighted scale)
 * and detectors on its residuals (seasonal-mad, kde-tail, gesd, cusum, bocpd, slope). Each detector's
 * evidence is a surprise (negative log tail probability); the strongest channel (point residual and step,
 * seasonal-baseline residual, CUSUM shift, anomaly likelihood of the recent surprises, novel value beyond
 * the historical range) gives the score. Inside an episode (opened by a surprising point) a point is
 * emitted in full only when it clearly exceeds the episode's peak, so one incident yields one high score
 * instead of one per point.
 */
import { createBocpd, stepBocpd, BocpdOptions, BocpdState } from './bocpd';
import { createCusum, stepCusum, CusumOptions, CusumState } from './cusum';
import { generalizedEsd } from './gesd';
import { addKde, createKde, kdeTail, KdeOptions, KdeState } from './kde';
import {
  createLikelihood,
  stepLikelihood,
  LikelihoodOptions,
  LikelihoodState,
} from './likelihood';
import {
  createHistory,
  detectPeriods,
  HistoryOptions,
  HistoryState,
  PeriodOptions,
  profileFromHistory,
  profileIndex,
  ProfileState,
  profileValue,
  pushHistory,
  updateProfile,
} from './seasonality';
import { slopeTest, SlopeOptions } from './slope';
import { ewAlpha, poissonUpperTail, t4TwoSidedSurprise } from './stats';
import type {
  Decision,
  DetectorFinding,
  Seasonality,
  SeriesDetector,
  SeriesDetectorState,
  SeriesPoint,
} from './types';

/** Options of the ensemble; `createSeriesDetector` merges a partial override into the defaults. */
export interface DetectorOptions {
  /** 'count' for event counts per interval (zeros are real; Poisson-aware scale floor). */
  kind: 'gauge' | 'count';
  /** A delta above this many sampling intervals is a gap (no change evidence across it). */
  gapSamples: number;
  /** Scores at or above this raise `anomalous` (when warm and not a repeat). */
  alertThreshold: number;
  /** Points needed before the series is warm. */
  warmupPoints: number;
  /** The expected band is expected +- bandSigmas robust scales. */
  bandSigmas: number;
  /** Half-life (points) of the fast level (the innovation channel: steps and spikes). */
  levelHalfLife: number;
  /**
   * Half-life (points) of the baseline level (the seasonal-baseline channel: sustained departures from
   * the usual pattern; the seasonal profile is learnt against this level).
   */
  baselineHalfLife: number;
  /** Weight of the baseline channel's surprise in the score (it also feeds the CUSUM and the evidence). */
  baselineWeight: number;
  /** Half-life (points) of the robust residual scale. */
  scaleHalfLife: number;
  /** Share of a (clipped) residual a seasonal bin absorbs per visit. */
  seasonalGain: number;
  /** Residuals are clipped to +- this many scales before they update level, profile and scale. */
  huberSigmas: number;
  /** Maximum seasonal profile bins. */
  profileBins: number;
  /**
   * The residual scale is at least this share of the series' long-run spread (mean absolute deviation
   * around a slow mean), so near-constant stretches cannot make ordinary variation look infinite.
   */
  spreadFloor: number;
  /** Half-life (points) of the long-run mean and spread. */
  spreadHalfLife: number;
  /** Seasonal volatility (per-phase residual scale, only ever widening the global one). */
  phaseScale: {
    /** Share of a visit's |residual| a bin absorbs. */
    gain: number;
    /** |residual| is clipped at this many global scales before it updates a bin. */
    clipSigmas: number;
  };
  /** Smallest Poisson mean assumed for 'count' series (the scale floor). */
  countFloorLambda: number;
  /** seasonal-mad fires at this many robust sigmas. */
  fireSigmas: number;
  history: HistoryOptions;
  period: PeriodOptions & {
    /** Closed history buckets between period re-checks. */
    checkEvery: number;
    /** Consecutive failed re-checks before an established period is dropped or replaced. */
    patience: number;
  };
  gesd: {
    window: number;
    maxOutliers: number;
    alpha: number;
    /** GESD runs only when the point is at least this many robust sigmas out. */
    gateSigmas: number;
  };
  kde: KdeOptions & {
    /** The density tail is consulted only beyond this many robust sigmas. */
    gateSigmas: number;
  };
  cusum: CusumOptions;
  bocpd: BocpdOptions;
  /** bocpd is reported when its recent-change posterior reaches this. */
  bocpdReport: number;
  slope: SlopeOptions & {
    /** Points between slope tests. */
    everyPoints: number;
    /** History (ms) needed before the slope is tested. */
    minHistoryMs: number;
  };
  likelihood: LikelihoodOptions & {
    /** Surprise that maps the raw score to 1/2 (raw = S / (S + half)). */
    rawHalf: number;
    /**
     * Cap of the likelihood surprise: the Gaussian model of the short-term mean is trusted down to a tail
     * probability of exp(-maxSurprise) (9.21 = 1e-4), not beyond.
     */
    maxSurprise: number;
  };
  /** Out-of-range (novel value) channel: values beyond the slowly forgotten historical [min, max]. */
  range: {
    /** Share of the range a value must exceed the extremes by. */
    tolerance: number;
    /** Half-life (points) with which the extremes relax towards the level. */
    halfLife: number;
    /** Surprise per tolerance of excess, on top of ln(points seen) (the chance of a new record). */
    perTolerance: number;
    /** The excess must also exceed this many robust scales. */
    toleranceSigmas: number;
    /** Points seen before the range is trusted. */
    minPoints: number;
  };
  suppression: {
    /** Surprise (nats) from which a point opens an episode. */
    minSurprise: number;
    /** Points an episode lasts after its last emitted point. */
    points: number;
    /** Inside an episode a point is emitted in full only above the episode's peak times (1 + margin). */
    margin: number;
    /** ... and otherwise its surprise is multiplied by this. */
    damping: number;
    /** A new episode's surprise is reduced by rateDiscount * ln(1 + recent episodes). */
    rateDiscount: number;
    /** Half-life (points) of the recent-episode count. */
    rateHalfLife: number;
  };
  /** Consecutive points below the alert threshold that close an open anomaly (re-arm). */
  rearmPoints: number;
  /** score = S / (S + scoreHalf) with S the emitted surprise in nats. */
  scoreHalf: number;
}

/** The default ensemble configuration (one configuration for every series). */
export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  kind: 'gauge',
  alertThreshold: 0.85,
  gapSamples: 3,
  warmupPoints: 120,
  bandSigmas: 3,
  levelHalfLife: 1,
  baselineHalfLife: 200,
  baselineWeight: 1,
  scaleHalfLife: 100,
  seasonalGain: 0.15,
  huberSigmas: 4,
  profileBins: 144,
  countFloorLambda: 1,
  phaseScale: { gain: 0.2, clipSigmas: 50 },
  spreadFloor: 0.05,
  spreadHalfLife: 2000,
  fireSigmas: 4.5,
  history: { capacity: 512, maxBucketMs: 3_600_000 },
  period: {
    minStrength: 0.3,
    minDip: 0.15,
    minCycles: 2.5,
    minPeriodSamples: 6,
    calendarBonus: 0.1,
    checkEvery: 48,
    patience: 3,
  },
  gesd: { window: 64, maxOutliers: 8, alpha: 0.05, gateSigmas: 3.5 },
  kde: {
    range: 8,
    bins: 64,
    bandwidth: 0.4,
    halfLife: 5000,
    priorWeight: 20,
    gateSigmas: 3,
  },
  cusum: { k: 0.5, h: 8, clip: 2 },
  bocpd: { hazard: 1 / 250, maxRuns: 32, kappa0: 0.05, recentRuns: 8 },
  bocpdReport: 0.95,
  slope: {
    window: 48,
    minTau: 0.6,
    minGrowthSigmas: 6,
    everyPoints: 60,
    minHistoryMs: 3 * 86_400_000,
  },
  likelihood: { shortWindow: 20, longHalfLife: 2000, minStd: 0.01, rawHalf: 4, maxSurprise: 9.21 },
  range: { tolerance: 0.02, halfLife: 20000, perTolerance: 1, minPoints: 300, toleranceSigmas: 0 },
  suppression: {
    minSurprise: 6,
    points: 150,
    margin: 0.2,
    damping: 0.1,
    rateDiscount: 0,
    rateHalfLife: 5000,
  },
  rearmPoints: 30,
  scoreHalf: 3,
};

/** Merges partial options into the defaults (nested option groups merged one level deep). */
export function resolveOptions(
  options: Partial<DetectorOptions> = {},
): DetectorOptions {
  const d = DEFAULT_DETECTOR_OPTIONS;
  return {
    ...d,
    ...options,
    history: { ...d.history, ...options.history },
    period: { ...d.period, ...options.period },
    gesd: { ...d.gesd, ...options.gesd },
    kde: { ...d.kde, ...options.kde },
    cusum: { ...d.cusum, ...options.cusum },
    bocpd: { ...d.bocpd, ...options.bocpd },
    slope: { ...d.slope, ...options.slope },
    likelihood: { ...d.likelihood, ...options.likelihood },
    range: { ...d.range, ...options.range },
    phaseScale: { ...d.phaseScale, ...options.phaseScale },
    suppression: { ...d.suppression, ...options.suppression },
  };
}

/** The persisted state of an ensemble (plain JSON, bounded size). */
export interface EnsembleState extends SeriesDetectorState {
  version: 1;
  /** Non-missing points seen. */
  n: number;
  lastTs: number | null;
  /** Last deseasonalised value (for the change channel). */
  lastDeseasonalised: number | null;
  /** Recent positive timestamp deltas and their median (the sampling interval, ms). */
  deltas: number[];
  sampleMs: number;
  level: number;
  /** Baseline (slow) level and EW mean of its clipped |residual|. */
  baseLevel: number;
  absBaseResidual: number;
  /** Slow EW mean and mean absolute deviation of the raw values (the spread floor). */
  slowMean: number;
  spread: number;
  /** EW mean of clipped |residual| (scale = 1.2533 x this). */
  absResidual: number;
  /** EW mean of clipped |change of the deseasonalised value|. */
  absChange: number;
  history: HistoryState;
  /** `history.closed` and `history.widthMs` at the last period check. */
  checkedAt: number;
  checkedWidth: number;
  /** Consecutive period checks that did not confirm the current profile's period. */
  periodMisses: number;
  seasonality: Seasonality[];
  profile: ProfileState | null;
  /**
   * Seasonal volatility: per profile bin, the EW mean |fast residual| at that phase (a recurring daily
   * burst widens the scale at its phase instead of alerting every day).
   */
  phaseScale: number[] | null;
  /** Recent standardised residuals for GESD (oldest first). */
  residuals: number[];
  kde: KdeState;
  /** Density of the baseline channel's standardised residuals. */
  baseKde: KdeState;
  cusum: CusumState;
  bocpd: BocpdState;
  likelihood: LikelihoodState;
  slope: { countdown: number; finding: DetectorFinding | null };
  /** Slowly forgotten extremes of the values. */
  min: number;
  max: number;
  /** The open episode: its peak surprise and points since its last emitted point; null when none. */
  episode: { peak: number; age: number } | null;
  /** Decayed count of recent episodes. */
  episodes: number;
  /** Open alert: points since it was raised and consecutive quiet points; null when re-armed. */
  open: { quiet: number } | null;
}

const MAD_FACTOR = 1.2533; // sigma / E|X| for a normal
const LN2 = Math.LN2;

function initialState(opts: DetectorOptions): EnsembleState {
  return {
    version: 1,
    n: 0,
    lastTs: null,
    lastDeseasonalised: null,
    deltas: [],
    sampleMs: 60_000,
    level: 0,
    baseLevel: 0,
    absBaseResidual: 0,
    slowMean: 0,
    spread: 0,
    absResidual: 0,
    absChange: 0,
    history: createHistory(),
    checkedAt: 0,
    checkedWidth: 0,
    periodMisses: 0,
    seasonality: [],
    profile: null,
    phaseScale: null,
    residuals: [],
    kde: createKde(opts.kde),
    baseKde: createKde(opts.kde),
    cusum: createCusum(),
    bocpd: createBocpd(),
    likelihood: createLikelihood(),
    slope: { countdown: opts.slope.everyPoints, finding: null },
    min: 0,
    max: 0,
    episode: null,
    episodes: 0,
    open: null,
  };
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Two-sided surprise (nats) of a standardised residual under the heavy-tailed (Student t4) model. */
function twoSided(z: number): number {
  return Math.max(0, t4TwoSidedSurprise(z));
}

const fmt = (x: number) =>
  Math.abs(x) >= 100 || x === Math.round(x)
    ? String(Math.round(x))
    : x.toPrecision(3);

/**
 * Creates a streaming detector for one series; with `state` (a previous `snapshot()`) it continues exactly
 * where that detector stopped.
 */
export function createSeriesDetector(
  options?: Partial<DetectorOptions>,
  state?: SeriesDetectorState,
): SeriesDetector {
  const opts = resolveOptions(options);
  const st: EnsembleState =
    state && state.version === 1
      ? (JSON.parse(JSON.stringify(state)) as EnsembleState)
      : initialState(opts);
  const levelAlpha = ewAlpha(opts.levelHalfLife);
  const baseAlpha = ewAlpha(opts.baselineHalfLife);
  const scaleAlpha = ewAlpha(opts.scaleHalfLife);
  const spreadAlpha = ewAlpha(opts.spreadHalfLife);
  const rangeAlpha = ewAlpha(opts.range.halfLife);
  const episodeDecay = Math.pow(0.5, 1 / opts.suppression.rateHalfLife);


  function scaleFloor(expected: number): number {
    const f = Math.max(1e-9 * (1 + Math.abs(st.level)), opts.spreadFloor * st.spread);
    if (opts.kind === 'count') {
      return Math.max(f, Math.sqrt(Math.max(expected, opts.countFloorLambda)));
    }
    return f;
  }

  function recheckSeasonality(): void {
    // Re-check every `checkEvery` closed buckets and whenever the history's resolution changed.
    const closed = st.history.closed;
    if (
      closed - st.checkedAt < opts.period.checkEvery &&
      st.history.widthMs === st.checkedWidth
    ) {
      return;
    }
    st.checkedAt = closed;
    st.checkedWidth = st.history.widthMs;
    const found = detectPeriods(st.history, st.sampleMs, opts.period);
    const current = st.profile;
    const primary = found[0];
    const same = (p: Seasonality | undefined) =>
      !!p && !!current && Math.abs(current.periodMs - p.periodMs) <= 0.05 * p.periodMs;
    // Hysteresis: an established profile survives until `patience` consecutive checks disagree.
    if (current && !same(primary)) {
      st.periodMisses++;
      if (st.periodMisses < opts.period.patience) return;
    }
    st.periodMisses = 0;
    st.seasonality = found;
    if (!primary) {
      st.profile = null;
      st.phaseScale = null;
      return;
    }
    if (same(primary)) return;
    const samplesPerPeriod = primary.periodMs / st.sampleMs;
    const nb = Math.max(4, Math.min(opts.profileBins, Math.round(samplesPerPeriod)));
    st.profile = profileFromHistory(
      st.history,
      primary.periodMs,
      nb,
      nb < 0.75 * samplesPerPeriod,
    );
    st.phaseScale = new Array<number>(nb).fill(0);
  }

  function update(point: SeriesPoint): Decision {
    const { ts, value } = point;
    const seasonal = st.profile ? profileValue(st.profile, ts) : 0;
    const expected0 = st.baseLevel + seasonal;
    const scale0 = Math.max(MAD_FACTOR * st.absBaseResidual, scaleFloor(expected0));
    const quiet = (): Decision => ({
      ts,
      value,
      score: 0,
      anomalous: false,
      direction: 'none',
      expected: expected0,
      band: [
        expected0 - opts.bandSigmas * scale0,
        expected0 + opts.bandSigmas * scale0,
      ],
      robustSigmas: 0,
      seasonality: st.seasonality,
      fired: [],
      cold: st.n < opts.warmupPoints,
      warmupRemaining: Math.max(0, opts.warmupPoints - st.n),
    });
    if (!Number.isFinite(value)) return { ...quiet(), value: NaN };

    // ---- bookkeeping -----------------------------------------------------------------------------
    if (st.lastTs !== null && ts > st.lastTs) {
      st.deltas.push(ts - st.lastTs);
      if (st.deltas.length > 15) st.deltas.shift();
      if (st.n < 32 || st.n % 16 === 0) st.sampleMs = medianOf(st.deltas);
    }
    st.n++;
    if (st.n === 1) {
      st.level = value;
      st.baseLevel = value;
      st.slowMean = value;
      st.min = value;
      st.max = value;
      st.lastTs = ts;
      st.lastDeseasonalised = value;
      pushHistory(st.history, ts, value, opts.history);
      return { ...quiet(), expected: value, band: [value, value] };
    }

    // Fast channel (innovation against the last level) and baseline channel (against level + season).
    const expectedFast = st.level + seasonal;
    const phaseBin =
      st.profile && st.phaseScale ? profileIndex(st.profile, ts) : null;
    const phaseAbs =
      phaseBin && st.phaseScale
        ? phaseBin[2] * st.phaseScale[phaseBin[0]] + (1 - phaseBin[2]) * st.phaseScale[phaseBin[1]]
        : 0;
    const globalScale = Math.max(MAD_FACTOR * st.absResidual, scaleFloor(expectedFast));
    const scale = Math.max(globalScale, MAD_FACTOR * phaseAbs);
    const r = value - expectedFast;
    const z = r / scale;
    const expected = expected0;
    const baseScale = scale0;
    const rb = value - expected;
    const zb = rb / baseScale;
    const deseasonalised = value - seasonal;
    const warm = st.n > opts.warmupPoints;

    // ---- point evidence ---------------------------------------------------------------------------
    let pointSurprise = twoSided(z);
    if (opts.kind === 'count' && r > 0) {
      const lambda = Math.max(expected, opts.countFloorLambda);
      const pois = -Math.log(Math.max(poissonUpperTail(Math.round(value), lambda), 1e-300));
      pointSurprise = Math.min(pointSurprise, pois);
    }
    let baseSurprise = Math.max(0, twoSided(zb) - LN2);
    if (opts.kind === 'count' && rb > 0) {
      const lambda = Math.max(expected, opts.countFloorLambda);
      const pois = -Math.log(Math.max(poissonUpperTail(Math.round(value), lambda), 1e-300));
      baseSurprise = Math.min(baseSurprise, Math.max(0, pois - LN2));
    }
    if (Math.abs(zb) >= opts.kde.gateSigmas && st.n > 30) {
      const p = kdeTail(st.baseKde, zb, opts.kde);
      baseSurprise = Math.min(baseSurprise, Math.max(0, -Math.log(Math.max(2 * p, 1e-300)) - LN2));
    }
    const findings: DetectorFinding[] = [];
    if (Math.abs(z) >= opts.kde.gateSigmas && st.n > 30) {
      const p = kdeTail(st.kde, z, opts.kde);
      const kdeSurprise = Math.max(0, -Math.log(Math.max(2 * p, 1e-300)));
      pointSurprise = Math.min(pointSurprise, kdeSurprise);
      if (p < 1e-4) {
        findings.push({
          detector: 'kde-tail',
          score: kdeSurprise / (kdeSurprise + opts.scoreHalf),
          detail: `tail probability ${p.toExponential(1)} under this series' residual density`,
        });
      }
    }
    const useFast = Math.abs(z) > Math.abs(zb);
    const zMax = useFast ? z : zb;
    if (Math.abs(zMax) >= opts.fireSigmas) {
      const s0 = Math.max(pointSurprise, baseSurprise);
      findings.push({
        detector: 'seasonal-mad',
        score: s0 / (s0 + opts.scoreHalf),
        detail: `${fmt(value)} vs expected ${fmt(useFast ? expectedFast : expected)} (${fmt(
          zMax,
        )} robust sigmas${useFast ? ', sudden step' : ''})`,
      });
    }
    // Change channel: the step of the deseasonalised value against its usual step size.
    let changeSurprise = 0;
    // Not across a gap: a step after missing data is not a sudden change.
    const gap = st.lastTs !== null && ts - st.lastTs > opts.gapSamples * st.sampleMs;
    if (st.lastDeseasonalised !== null && st.n > 2 && !gap) {
      const step = deseasonalised - st.lastDeseasonalised;
      const stepScale = Math.max(MAD_FACTOR * st.absChange, scaleFloor(expected) * Math.SQRT2);
      changeSurprise = Math.max(0, twoSided(step / stepScale) - LN2);
      changeSurprise = Math.min(changeSurprise, pointSurprise + 2);
    }
    pointSurprise = Math.max(pointSurprise, changeSurprise);

    if (Math.abs(z) >= opts.gesd.gateSigmas && st.residuals.length >= 16) {
      const sample = [...st.residuals, z];
      const g = generalizedEsd(sample, opts.gesd.maxOutliers, opts.gesd.alpha);
      if (g.indices.includes(sample.length - 1)) {
        const k = g.indices.indexOf(sample.length - 1);
        const ratio = g.statistics[k] / g.critical[k];
        findings.push({
          detector: 'gesd',
          score: Math.min(1, 0.5 + 0.5 * (ratio - 1)),
          detail: `${g.outliers} outlier(s) among the last ${sample.length} points (R=${fmt(
            g.statistics[k],
          )} > ${fmt(g.critical[k])})`,
        });
      }
    }

    // ---- shift evidence -----------------------------------------------------------------------------
    const cus = stepCusum(st.cusum, zb, opts.cusum);
    const cusumSurprise = Math.max(0, cus.surprise - Math.log(opts.cusum.h * 4));
    if (cus.fired) {
      const shift = (Math.abs(cus.statistic) / Math.max(cus.run, 1) + opts.cusum.k) * baseScale;
      const rel = Math.abs(st.baseLevel) > 1e-9 ? (100 * shift) / Math.abs(st.baseLevel) : NaN;
      findings.push({
        detector: 'cusum',
        score: cusumSurprise / (cusumSurprise + opts.scoreHalf),
        detail: `level shift ${cus.statistic > 0 ? '+' : '-'}${fmt(shift)}${
          Number.isFinite(rel) ? ` (${cus.statistic > 0 ? '+' : '-'}${fmt(rel)}%)` : ''
        } over the last ${cus.run} points`,
      });
      // Re-centre the level on the new regime so one shift is one episode.
      st.baseLevel += Math.sign(cus.statistic) * shift;
    }
    const bo = stepBocpd(st.bocpd, deseasonalised / baseScale, st.baseLevel / baseScale, opts.bocpd);
    // Reported only while the point itself is off the baseline (the change is still visible).
    if (bo.changeProbability >= opts.bocpdReport && Math.abs(zb) >= 3 && st.n > 30) {
      findings.push({
        detector: 'bocpd',
        score: bo.changeProbability,
        detail: `change point ${bo.runLength} points ago (posterior ${fmt(bo.changeProbability)})`,
      });
    }

    // ---- slope (periodic) ---------------------------------------------------------------------------
    st.slope.countdown--;
    const h0 = st.history;
    const historySpan = (h0.means.length + 1) * h0.widthMs;
    // Leaks are judged only once seasonality detection has seen enough data (half a daily cycle is
    // not a trend).
    if (st.slope.countdown <= 0 && historySpan >= opts.slope.minHistoryMs) {
      st.slope.countdown = opts.slope.everyPoints;
      const h = st.history;
      const prof = st.profile;
      const values = h.means.map((v, i) =>
        v === null ? null : v - (prof ? profileValue(prof, (h.startIdx + i + 0.5) * h.widthMs) : 0),
      );
      const res = slopeTest(values, baseScale, opts.slope);
      st.slope.finding =
        res && res.fired
          ? {
              detector: 'slope',
              score: res.score,
              detail: `slope ${res.slope > 0 ? '+' : ''}${fmt(
                (res.slope / h.widthMs) * 60_000,
              )}/min for ${fmt((Math.min(opts.slope.window, h.means.length) * h.widthMs) / 3_600_000)} h (tau ${fmt(res.tau)})`,
            }
          : null;
    }
    if (st.slope.finding) findings.push(st.slope.finding);

    // ---- novel value (beyond the historical range) ----------------------------------------------------
    const span = st.max - st.min;
    let rangeSurprise = 0;
    if (span > 0 && st.n >= opts.range.minPoints) {
      // Tolerance: a share of the range, and at least `toleranceSigmas` robust scales of noise.
      const tol = Math.max(opts.range.tolerance, (opts.range.toleranceSigmas * baseScale) / span);
      const excess = Math.max(value - st.max, st.min - value) / span;
      if (excess > tol) {
        // A record has probability ~1/n; its excess beyond the tolerance adds exponentially.
        rangeSurprise =
          Math.log(st.n) +
          (opts.range.perTolerance * (excess - tol)) / tol;
      }
    }

    // ---- combine --------------------------------------------------------------------------------------
    const rawSurprise = Math.max(pointSurprise, baseSurprise);
    const raw = rawSurprise / (rawSurprise + opts.likelihood.rawHalf);
    const likelihoodSurprise = Math.min(
      opts.likelihood.maxSurprise,
      stepLikelihood(st.likelihood, raw, opts.likelihood),
    );
    let surprise = Math.max(
      pointSurprise,
      opts.baselineWeight * baseSurprise,
      cusumSurprise,
      likelihoodSurprise,
      rangeSurprise,
    );
    const ep = st.episode;
    let suppressed = false;
    if (ep) {
      ep.age++;
      if (surprise > ep.peak * (1 + opts.suppression.margin)) {
        ep.peak = surprise;
        ep.age = 0;
      } else {
        suppressed = true;
        surprise *= opts.suppression.damping;
      }
      if (ep.age > opts.suppression.points) st.episode = null;
    } else if (surprise >= opts.suppression.minSurprise && warm) {
      st.episode = { peak: surprise, age: 0 };
      // A series that has had many episodes lately is less surprising: discount by their (decayed) count.
      surprise = Math.max(0, surprise - opts.suppression.rateDiscount * Math.log1p(st.episodes));
      st.episodes += 1;
    }
    st.episodes *= episodeDecay;
    const score = warm ? surprise / (surprise + opts.scoreHalf) : 0;

    // ---- learn ------------------------------------------------------------------------------------------
    // No clipping while the scale itself is still being learnt.
    const clip = st.n > 20 ? opts.huberSigmas * scale : Infinity;
    const rc = Math.max(-clip, Math.min(clip, value - st.level - seasonal));
    const a = Math.max(levelAlpha, 1 / st.n);
    st.level += a * rc;
    const baseClip = st.n > 20 ? opts.huberSigmas * baseScale : Infinity;
    const ab = Math.max(baseAlpha, 1 / st.n);
    st.baseLevel += ab * Math.max(-baseClip, Math.min(baseClip, value - st.baseLevel - seasonal));
    if (st.profile) {
      const rs = Math.max(-baseClip, Math.min(baseClip, value - st.baseLevel - seasonal));
      updateProfile(st.profile, ts, rs, opts.seasonalGain);
    }
    const sa = Math.max(scaleAlpha, 1 / st.n);
    const ma = Math.max(spreadAlpha, 1 / st.n);
    st.spread += ma * (Math.abs(value - st.slowMean) - st.spread);
    st.slowMean += ma * (value - st.slowMean);
    st.min = Math.min(st.min, value);
    st.max = Math.max(st.max, value);
    st.min += rangeAlpha * (st.baseLevel - st.min);
    st.max += rangeAlpha * (st.baseLevel - st.max);
    st.absResidual += sa * (Math.min(Math.abs(r), clip) - st.absResidual);
    if (phaseBin && st.phaseScale) {
      const g = opts.phaseScale.gain;
      const pr = Math.min(Math.abs(r), opts.phaseScale.clipSigmas * globalScale);
      const [b0, b1, w0] = phaseBin;
      st.phaseScale[b0] += g * w0 * (pr - st.phaseScale[b0]);
      if (b1 !== b0) st.phaseScale[b1] += g * (1 - w0) * (pr - st.phaseScale[b1]);
    }
    st.absBaseResidual += sa * (Math.min(Math.abs(rb), baseClip) - st.absBaseResidual);
    if (st.lastDeseasonalised !== null) {
      const step = Math.abs(deseasonalised - st.lastDeseasonalised);
      const stepClip = opts.huberSigmas * Math.max(MAD_FACTOR * st.absChange, scaleFloor(expected));
      st.absChange += sa * (Math.min(step, st.n > 20 ? stepClip : step) - st.absChange);
    }
    st.lastDeseasonalised = deseasonalised;
    st.lastTs = ts;
    addKde(st.kde, z, opts.kde);
    addKde(st.baseKde, zb, opts.kde);
    // Stored rounded (GESD needs no more) to keep the snapshot small.
    st.residuals.push(Math.round(z * 1e4) / 1e4);
    if (st.residuals.length > opts.gesd.window - 1) st.residuals.shift();
    pushHistory(st.history, ts, value, opts.history);
    recheckSeasonality();

    // ---- decision ---------------------------------------------------------------------------------------
    findings.sort((x, y) => y.score - x.score);
    let anomalous = false;
    if (warm && score >= opts.alertThreshold) {
      if (!st.open) {
        anomalous = true;
        st.open = { quiet: 0 };
      } else st.open.quiet = 0;
    } else if (st.open) {
      st.open.quiet++;
      if (st.open.quiet >= opts.rearmPoints) st.open = null;
    }
    let direction: Decision['direction'] = 'none';
    if (cus.fired) direction = cus.statistic > 0 ? 'up' : 'down';
    else if (Math.abs(zMax) >= 1) direction = zMax > 0 ? 'up' : 'down';
    return {
      ts,
      value,
      score,
      anomalous,
      direction,
      expected,
      band: [expected - opts.bandSigmas * baseScale, expected + opts.bandSigmas * baseScale],
      robustSigmas: zb,
      seasonality: st.seasonality,
      fired: findings,
      cold: !warm,
      warmupRemaining: Math.max(0, opts.warmupPoints - st.n),
      evidence: {
        point: Math.max(pointSurprise, baseSurprise),
        change: changeSurprise,
        shift: cusumSurprise,
        likelihood: likelihoodSurprise,
        range: rangeSurprise,
        suppressed,
      },
    };
  }

  return {
    update,
    snapshot: () => JSON.parse(JSON.stringify(st)) as EnsembleState,
  };
}

/**
 * Evidence text for a decision (or a stored copy of one whose findings name their detector as a plain
 * string), e.g. "p95 latency 840 ms vs expected 120-180 ms, 6.2 robust sigmas, daily
 * seasonality; fired: seasonal-mad, gesd".
 */
export function describeDecision(
  decision: Omit<Decision, 'fired'> & {
    fired: ReadonlyArray<{ detector: string }>;
  },
  ctx: { metric: string; unit?: string },
): string {
  const u = ctx.unit ? ` ${ctx.unit}` : '';
  if (!Number.isFinite(decision.value)) return `${ctx.metric}: missing point`;
  const parts = [
    `${ctx.metric} ${fmt(decision.value)}${u} vs expected ${fmt(decision.band[0])}-${fmt(decision.band[1])}${u}`,
    `${fmt(Math.abs(decision.robustSigmas))} robust sigmas`,
  ];
  const season = decision.seasonality[0];
  parts.push(season ? `${season.label} seasonality` : 'no seasonality');
  let text = parts.join(', ');
  if (decision.cold) text += ` (cold: ${decision.warmupRemaining} more points needed)`;
  if (decision.fired.length) {
    text += `; fired: ${decision.fired.map(f => f.detector).join(', ')}`;
  }
  return text;
}
