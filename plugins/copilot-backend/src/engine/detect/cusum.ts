/*
 * Two-sided CUSUM on standardised residuals for level shifts. With reference value k, the statistic's
 * exceedance probability of h under no shift is about exp(-2 k h), so the statistic maps to a surprise
 * (negative log tail probability) of 2 k S.
 */

/** CUSUM state: the upward and downward cumulative sums and how long each has been positive. */
export interface CusumState {
  up: number;
  down: number;
  upRun: number;
  downRun: number;
}

/** CUSUM parameters. */
export interface CusumOptions {
  /** Reference value (half the shift to detect, in robust sigmas). */
  k: number;
  /** Decision interval: the statistic fires at h. */
  h: number;
  /** Each standardised residual is clipped to +-clip so one spike cannot look like a shift. */
  clip: number;
}

/** A zeroed CUSUM. */
export function createCusum(): CusumState {
  return { up: 0, down: 0, upRun: 0, downRun: 0 };
}

/** Result of a CUSUM step. */
export interface CusumStep {
  /** Signed statistic of the stronger side (positive = upward shift). */
  statistic: number;
  /** Surprise in nats (2 k S). */
  surprise: number;
  /** Points since the stronger side became positive (roughly when the shift started). */
  run: number;
  fired: boolean;
}

/** Feeds one standardised residual; resets the side that fired. */
export function stepCusum(
  s: CusumState,
  z: number,
  opts: CusumOptions,
): CusumStep {
  const zc = Math.max(-opts.clip, Math.min(opts.clip, z));
  s.up = Math.max(0, s.up + zc - opts.k);
  s.down = Math.max(0, s.down - zc - opts.k);
  s.upRun = s.up > 0 ? s.upRun + 1 : 0;
  s.downRun = s.down > 0 ? s.downRun + 1 : 0;
  const upSide = s.up >= s.down;
  const stat = upSide ? s.up : s.down;
  const step: CusumStep = {
    statistic: upSide ? stat : -stat,
    surprise: 2 * opts.k * stat,
    run: upSide ? s.upRun : s.downRun,
    fired: stat >= opts.h,
  };
  if (step.fired) {
    if (upSide) {
      s.up = 0;
      s.upRun = 0;
    } else {
      s.down = 0;
      s.downRun = 0;
    }
  }
  return step;
}
