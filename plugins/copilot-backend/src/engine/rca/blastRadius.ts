// Blast radius: from the root cause, walk to everything depending on it (transitively, via
// dependsOn and consumesApi -> providesApi), with depth, anomaly, owners, SLOs at risk and a risk
// estimate.
import type { TopologyGraph } from '../correlate/topology';
import type { BlastRadius, ImpactedEntity, SloStatus } from './types';

/**
 * Computes the blast radius of `rootEntityRef`. `anomalous` says which entities showed anomalies;
 * `slos` are optional SLO statuses (those of the root and impacted entities are reported, least
 * remaining budget first).
 *
 * Risk score in [0, 1]: with SLOs, 0.35 * reach + 0.35 * anomalous share + 0.3 * budget burnt
 * (1 - the least remaining budget, clamped); without, 0.5 * reach + 0.5 * anomalous share. Reach is
 * 1 - exp(-impacted / 5). Level: high >= 0.6, medium >= 0.3, else low.
 */
export function blastRadius(
  graph: TopologyGraph,
  rootEntityRef: string,
  anomalous: { has(ref: string): boolean },
  slos: ReadonlyArray<SloStatus> = [],
): BlastRadius {
  const impacted: ImpactedEntity[] = [
    ...graph.transitiveDependents(rootEntityRef),
  ]
    .map(([entityRef, depth]) => {
      const calls =
        depth === 1 ? graph.callVolume(entityRef, rootEntityRef) : undefined;
      return {
        entityRef,
        depth,
        anomalous: anomalous.has(entityRef),
        owner: graph.node(entityRef)?.owner,
        ...(calls !== undefined ? { callsPerMinute: calls } : {}),
      };
    })
    .sort(
      (a, b) => a.depth - b.depth || a.entityRef.localeCompare(b.entityRef),
    );
  const owners = new Set<string>();
  const rootOwner = graph.node(rootEntityRef)?.owner;
  if (rootOwner) owners.add(rootOwner);
  for (const i of impacted) if (i.owner) owners.add(i.owner);
  const inScope = new Set([rootEntityRef, ...impacted.map(i => i.entityRef)]);
  const slosAtRisk = slos
    .filter(s => inScope.has(s.entityRef.toLocaleLowerCase('en-US')))
    .sort((a, b) => a.errorBudgetRemaining - b.errorBudgetRemaining);

  const n = impacted.length;
  const anomalousCount = impacted.filter(i => i.anomalous).length;
  const reach = 1 - Math.exp(-n / 5);
  const share = n ? anomalousCount / n : 0;
  let score: number;
  let budgetNote = '';
  if (slosAtRisk.length) {
    const least = slosAtRisk[0].errorBudgetRemaining;
    const burnt = 1 - Math.max(0, Math.min(1, least));
    score = 0.35 * reach + 0.35 * share + 0.3 * burnt;
    budgetNote = `, least error budget left ${(least * 100).toFixed(0)}% (${
      slosAtRisk[0].name
    })`;
  } else {
    score = 0.5 * reach + 0.5 * share;
  }
  let level: BlastRadius['risk']['level'] = 'low';
  if (score >= 0.6) level = 'high';
  else if (score >= 0.3) level = 'medium';
  return {
    rootEntityRef,
    impacted,
    owners: [...owners].sort(),
    slosAtRisk,
    risk: {
      level,
      score,
      reason: `${n} dependent entities, ${anomalousCount} of them anomalous${budgetNote}`,
    },
  };
}
