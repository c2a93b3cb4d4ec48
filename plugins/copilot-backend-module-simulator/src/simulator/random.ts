// Counter-based pseudo-random numbers (a 32-bit integer hash, "lowbias32" by C. Wellons): every value is
// a pure function of (seed, stream, slot), so a window generated in any chunking is identical.

function hash32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) determined by its arguments. */
export function uniform(
  seed: number,
  stream: number,
  slot: number,
  draw = 0,
): number {
  const h = hash32(hash32(hash32(hash32(seed) ^ stream) ^ slot) ^ draw);
  return h / 4294967296;
}

/** A standard normal number (Box-Muller) determined by its arguments. */
export function normal(
  seed: number,
  stream: number,
  slot: number,
  draw = 0,
): number {
  const u1 = Math.max(uniform(seed, stream, slot, draw * 2), 1e-12);
  const u2 = uniform(seed, stream, slot, draw * 2 + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Stable small integer for a string, to derive per-entity streams. */
export function streamOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
