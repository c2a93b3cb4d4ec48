import { buildTopology, TopologyGraph } from '../correlate/topology';
import { blastRadius } from './blastRadius';
import { entity } from '../../__testUtils__/rca';

const ref = (name: string) => `component:default/${name}`;

/** A depends on B and C, both depend on D. */
function diamond() {
  return new TopologyGraph(
    buildTopology([
      entity('Component', 'a', {
        owner: 'team-a',
        dependsOn: ['component:b', 'component:c'],
      }),
      entity('Component', 'b', { owner: 'team-b', dependsOn: ['component:d'] }),
      // C reaches D through an API: C consumes d-api, which D provides.
      entity('Component', 'c', { owner: 'team-b', consumesApis: ['d-api'] }),
      entity('API', 'd-api', { owner: 'team-d' }),
      entity('Component', 'd', { owner: 'team-d', providesApis: ['d-api'] }),
      entity('Component', 'e', { owner: 'team-e' }),
    ]),
  );
}

describe('blastRadius', () => {
  it('walks a diamond once per entity, with shortest depths and owners', () => {
    const anomalous = new Set([ref('d'), ref('b'), ref('a')]);
    const r = blastRadius(diamond(), ref('d'), anomalous);
    expect(r.impacted).toEqual([
      {
        entityRef: ref('b'),
        depth: 1,
        anomalous: true,
        owner: 'group:default/team-b',
      },
      {
        entityRef: ref('c'),
        depth: 1,
        anomalous: false,
        owner: 'group:default/team-b',
      },
      {
        entityRef: ref('a'),
        depth: 2,
        anomalous: true,
        owner: 'group:default/team-a',
      },
    ]);
    expect(r.owners).toEqual([
      'group:default/team-a',
      'group:default/team-b',
      'group:default/team-d',
    ]);
    expect(r.risk.score).toBeGreaterThan(0);
  });

  it('reports SLOs of impacted entities, least budget first, and raises the risk with burnt budget', () => {
    const graph = diamond();
    const anomalous = new Set([ref('d'), ref('b'), ref('a'), ref('c')]);
    const slos = [
      {
        entityRef: ref('a'),
        name: 'a-availability',
        errorBudgetRemaining: 0.6,
      },
      { entityRef: ref('c'), name: 'c-latency', errorBudgetRemaining: 0.05 },
      { entityRef: ref('e'), name: 'e-unrelated', errorBudgetRemaining: 0 },
    ];
    const withSlos = blastRadius(graph, ref('d'), anomalous, slos);
    expect(withSlos.slosAtRisk.map(s => s.name)).toEqual([
      'c-latency',
      'a-availability',
    ]);
    expect(withSlos.risk.reason).toMatch(/c-latency/);
    const healthyBudget = blastRadius(graph, ref('d'), anomalous, [
      { entityRef: ref('a'), name: 'a', errorBudgetRemaining: 1 },
    ]);
    expect(withSlos.risk.score).toBeGreaterThan(healthyBudget.risk.score);
  });

  it('is low risk for a leaf nobody depends on', () => {
    const r = blastRadius(diamond(), ref('e'), new Set([ref('e')]));
    expect(r.impacted).toEqual([]);
    expect(r.owners).toEqual(['group:default/team-e']);
    expect(r.risk.level).toBe('low');
  });
});
