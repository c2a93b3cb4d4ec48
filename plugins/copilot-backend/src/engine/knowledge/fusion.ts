// Rank fusion of result lists: reciprocal rank fusion (Cormack, Clarke & Buettcher 2009, k = 60) and
// weighted min-max score fusion (CombSUM over normalised scores, Fox & Shaw 1994).

export interface Ranked {
  id: number;
  score: number;
}

export const RRF_K = 60;

/** sum over lists of weight / (k + rank), rank 1-based; best first. */
export function reciprocalRankFusion(
  lists: Ranked[][],
  options: { k?: number; weights?: number[] } = {},
): Ranked[] {
  const k = options.k ?? RRF_K;
  const acc = new Map<number, number>();
  lists.forEach((list, li) => {
    const w = options.weights?.[li] ?? 1;
    list.forEach((r, rank) =>
      acc.set(r.id, (acc.get(r.id) ?? 0) + w / (k + rank + 1)),
    );
  });
  return [...acc]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

/** sum over lists of weight * (score - min) / (max - min); an id missing from a list gets 0 there. */
export function weightedScoreFusion(
  lists: Ranked[][],
  weights: number[],
): Ranked[] {
  const acc = new Map<number, number>();
  lists.forEach((list, li) => {
    if (list.length === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of list) {
      lo = Math.min(lo, r.score);
      hi = Math.max(hi, r.score);
    }
    const span = hi - lo || 1;
    for (const r of list)
      acc.set(
        r.id,
        (acc.get(r.id) ?? 0) + (weights[li] ?? 1) * ((r.score - lo) / span),
      );
  });
  return [...acc]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
