/*
 * Density tail score: a binned kernel density estimate of the standardised residuals seen so far
 * (exponentially forgotten; kept on the log-compressed scale sign(z) ln(1 + |z|) so extremes stay in
 * range), giving the empirical probability of a residual at least as extreme as the
 * current one. Residuals that are rare for a Gaussian but routine for this series (recurring spikes) get
 * a modest tail probability here; never-seen extremes keep a tiny one.
 */
import { normalUpperTail } from './stats';

/** Binned KDE state: decayed counts per bin over [-range, range] (values beyond go to the edge bins). */
export interface KdeState {
  counts: number[];
  /** Sum of `counts`. */
  total: number;
  /** Weight given to the next sample (grows instead of decaying every bin; renormalised when large). */
  weight: number;
}

/** Binned KDE parameters. */
export interface KdeOptions {
  /** Bins cover [-range, range] on the compressed scale sign(z) ln(1 + |z|). */
  range: number;
  bins: number;
  /** Kernel bandwidth on the compressed scale. */
  bandwidth: number;
  /** Samples after which an observation's weight has halved. */
  halfLife: number;
  /** Pseudo-count of a standard normal prior mixed into the estimate. */
  priorWeight: number;
}

/** An empty binned KDE. */
export function createKde(opts: KdeOptions): KdeState {
  return { counts: new Array<number>(opts.bins).fill(0), total: 0, weight: 1 };
}

/** The log-compressed residual scale the density lives on. */
function compress(z: number): number {
  return Math.sign(z) * Math.log1p(Math.abs(z));
}

function binOf(z: number, opts: KdeOptions): number {
  const b = Math.floor(((z + opts.range) / (2 * opts.range)) * opts.bins);
  return Math.max(0, Math.min(opts.bins - 1, b));
}

/** Adds one standardised residual. */
export function addKde(s: KdeState, z: number, opts: KdeOptions): void {
  s.counts[binOf(compress(z), opts)] += s.weight;
  s.total += s.weight;
  s.weight *= Math.pow(2, 1 / opts.halfLife);
  if (s.weight > 1e6) {
    const f = 1 / s.weight;
    for (let i = 0; i < s.counts.length; i++) s.counts[i] *= f;
    s.total *= f;
    s.weight = 1;
  }
}

/**
 * Estimated probability of a residual at least as extreme as `z` in its own direction (upper tail for
 * z >= 0, lower tail otherwise), mixing the binned KDE with a standard-normal prior.
 */
export function kdeTail(s: KdeState, z: number, opts: KdeOptions): number {
  const width = (2 * opts.range) / opts.bins;
  const sign = z >= 0 ? 1 : -1;
  const c = compress(z);
  let mass = 0;
  for (let b = 0; b < opts.bins; b++) {
    const count = s.counts[b];
    if (count === 0) continue;
    const centre = -opts.range + (b + 0.5) * width;
    mass += count * normalUpperTail((sign * c - sign * centre) / opts.bandwidth);
  }
  const prior = opts.priorWeight * s.weight;
  return (mass + prior * normalUpperTail(Math.abs(z))) / (s.total + prior);
}
