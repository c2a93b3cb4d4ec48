import { buildTopology, TopologyGraph } from './topology';
import { normalizeEntityRef } from './refs';

describe('normalizeEntityRef', () => {
  it('completes short refs as the catalog does', () => {
    expect(normalizeEntityRef('component:Checkout')).toBe(
      'component:default/checkout',
    );
    expect(normalizeEntityRef('team-a', { kind: 'group' })).toBe(
      'group:default/team-a',
    );
    expect(normalizeEntityRef('api:shop/orders')).toBe('api:shop/orders');
    expect(normalizeEntityRef('x', { kind: 'api', namespace: 'ns' })).toBe(
      'api:ns/x',
    );
    expect(normalizeEntityRef('nokind')).toBeUndefined();
    expect(normalizeEntityRef('')).toBeUndefined();
  });
});

describe('buildTopology', () => {
  it('reads spec fields of raw descriptors', () => {
    const t = buildTopology([
      {
        kind: 'Component',
        metadata: { name: 'web', namespace: 'shop', title: 'Web' },
        spec: {
          type: 'website',
          owner: 'team-web',
          system: 'store',
          dependsOn: ['component:api', 'resource:default/cache'],
          consumesApis: ['orders-api'],
        },
      },
      {
        kind: 'Component',
        metadata: { name: 'orders', namespace: 'shop' },
        spec: {
          owner: 'group:default/team-orders',
          providesApis: ['orders-api'],
        },
      },
      { kind: 'User', metadata: { name: 'alice' }, spec: {} },
    ]);
    const web = t.nodes.find(n => n.entityRef === 'component:shop/web')!;
    expect(web).toEqual({
      entityRef: 'component:shop/web',
      kind: 'Component',
      type: 'website',
      owner: 'group:shop/team-web',
      system: 'system:shop/store',
      title: 'Web',
    });
    expect(t.nodes.some(n => n.entityRef.startsWith('user:'))).toBe(false);
    const edges = t.edges.map(e => `${e.from} ${e.type} ${e.to}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        'component:shop/web dependsOn component:shop/api',
        'component:shop/web dependsOn resource:default/cache',
        'component:shop/web consumesApi api:shop/orders-api',
        'component:shop/orders providesApi api:shop/orders-api',
        'component:shop/web partOf system:shop/store',
        'component:shop/web ownedBy group:shop/team-web',
      ]),
    );
  });

  it('reads relations as the catalog returns them, including reverse ones', () => {
    const t = buildTopology([
      {
        kind: 'Component',
        metadata: { name: 'a' },
        relations: [
          { type: 'dependsOn', targetRef: 'component:default/b' },
          { type: 'ownedBy', targetRef: 'group:default/team-a' },
        ],
      },
      {
        kind: 'Resource',
        metadata: { name: 'db' },
        relations: [{ type: 'dependencyOf', targetRef: 'component:default/b' }],
      },
    ]);
    const graph = new TopologyGraph(t);
    expect([...graph.dependenciesOf('component:default/a')]).toEqual([
      'component:default/b',
    ]);
    expect([...graph.dependenciesOf('component:default/b')]).toEqual([
      'resource:default/db',
    ]);
    expect(graph.node('component:default/a')?.owner).toBe(
      'group:default/team-a',
    );
  });
});

describe('TopologyGraph', () => {
  const graph = new TopologyGraph(
    buildTopology([
      {
        kind: 'Component',
        metadata: { name: 'x' },
        spec: { consumesApis: ['y-api'] },
      },
      {
        kind: 'Component',
        metadata: { name: 'y' },
        spec: { providesApis: ['y-api'], dependsOn: ['resource:z'] },
      },
      { kind: 'Resource', metadata: { name: 'z' }, spec: {} },
      { kind: 'API', metadata: { name: 'y-api' }, spec: {} },
    ]),
  );

  it('derives "X calls Y" from consumesApi and providesApi', () => {
    expect([...graph.dependenciesOf('component:default/x')]).toEqual([
      'component:default/y',
    ]);
    expect([...graph.dependentsOf('component:default/y')]).toEqual([
      'component:default/x',
    ]);
  });

  it('walks transitively with shortest depths', () => {
    expect([...graph.transitiveDependencies('component:default/x')]).toEqual([
      ['component:default/y', 1],
      ['resource:default/z', 2],
    ]);
    expect([...graph.transitiveDependents('resource:default/z')]).toEqual([
      ['component:default/y', 1],
      ['component:default/x', 2],
    ]);
    expect(graph.related('component:default/x', 'resource:default/z')).toBe(
      true,
    );
    expect(graph.related('api:default/y-api', 'resource:default/z')).toBe(
      false,
    );
  });

  it('survives cycles', () => {
    const cyclic = new TopologyGraph(
      buildTopology([
        {
          kind: 'Component',
          metadata: { name: 'p' },
          spec: { dependsOn: ['component:q'] },
        },
        {
          kind: 'Component',
          metadata: { name: 'q' },
          spec: { dependsOn: ['component:p'] },
        },
      ]),
    );
    expect([...cyclic.transitiveDependencies('component:default/p')]).toEqual([
      ['component:default/q', 1],
    ]);
  });
});

describe('TopologyGraph.analysisScope', () => {
  // edge -> {cart, search}; cart -> {db, cache}; search -> index; reports -> db; batch -> index;
  // lonely has no calls.
  const comp = (name: string, dependsOn: string[] = []) => ({
    kind: 'Component',
    metadata: { name },
    spec: { dependsOn },
  });
  const res = (name: string) => ({ kind: 'Resource', metadata: { name } });
  const graph = new TopologyGraph(
    buildTopology([
      comp('edge', ['component:cart', 'component:search']),
      comp('cart', ['resource:db', 'resource:cache']),
      comp('search', ['resource:index']),
      comp('reports', ['resource:db']),
      comp('batch', ['resource:index']),
      comp('lonely'),
      res('db'),
      res('cache'),
      res('index'),
    ]),
  );
  const scope = (ref: string) => [...(graph.analysisScope(ref) ?? [])].sort();

  it('holds the entity, its dependencies and dependents, and the other callers of its dependencies', () => {
    expect(scope('Component:default/Cart')).toEqual([
      'component:default/cart',
      'component:default/edge', // calls it
      'component:default/reports', // shares its database
      'resource:default/cache',
      'resource:default/db',
    ]);
    // search and batch, index: neither calls nor called by cart, nor sharing a dependency.
  });

  it('reaches down every level from an entry point', () => {
    expect(scope('component:default/edge')).toEqual([
      'component:default/batch',
      'component:default/cart',
      'component:default/edge',
      'component:default/reports',
      'component:default/search',
      'resource:default/cache',
      'resource:default/db',
      'resource:default/index',
    ]);
  });

  it('rules nothing out for an entity the catalog does not connect', () => {
    expect(graph.analysisScope('component:default/lonely')).toBeUndefined();
    expect(graph.analysisScope('component:default/unknown')).toBeUndefined();
  });
});
