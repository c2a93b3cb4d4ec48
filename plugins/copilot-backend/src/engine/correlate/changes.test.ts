import { alignByEntity } from './align';
import { assessChanges, changeCauseKind } from './changes';
import { buildTopology, TopologyGraph } from './topology';
import type { SeriesAnomaly } from './types';

const MIN = 60_000;
const T = Date.UTC(2026, 0, 1, 12);
const A = 'component:default/a';
const B = 'component:default/b';
const C = 'component:default/c';

const graph = new TopologyGraph(
  buildTopology([
    {
      kind: 'Component',
      metadata: { name: 'a' },
      spec: { dependsOn: ['component:b'] },
    },
    { kind: 'Component', metadata: { name: 'b' }, spec: {} },
    { kind: 'Component', metadata: { name: 'c' }, spec: {} },
  ]),
);

function anomaly(entityRef: string, onsetMs: number): SeriesAnomaly {
  return {
    id: `ev:${entityRef}`,
    entityRef,
    seriesKey: `metric:${entityRef}:latency`,
    kind: 'metric',
    metric: 'latency',
    onsetMs,
    peakMs: onsetMs,
    endMs: onsetMs + 10 * MIN,
    score: 0.9,
    robustSigmas: 20,
    direction: 'up',
    symptom: 'failure',
    summary: 'latency up',
  };
}

// a is anomalous from T; b (a dependency of a) is healthy; c is unrelated.
const entities = alignByEntity([anomaly(A, T)]);

describe('assessChanges', () => {
  it('decays with the gap before the onset and rejects changes after it', () => {
    const [near, far, after] = assessChanges(
      [
        { id: '1', entityRef: A, kind: 'deploy', tsMs: T - 2 * MIN },
        { id: '2', entityRef: A, kind: 'deploy', tsMs: T - 40 * MIN },
        { id: '3', entityRef: A, kind: 'deploy', tsMs: T + 5 * MIN },
      ],
      entities,
      graph,
    );
    expect(near.relation).toBe('self');
    expect(near.likelihood).toBeGreaterThan(0.8);
    expect(far.likelihood).toBeLessThan(near.likelihood);
    expect(far.likelihood).toBeLessThan(0.1);
    expect(after.afterOnset).toBe(true);
    expect(after.likelihood).toBe(0);
    expect(after.reason).toMatch(/after the onset/);
  });

  it('weighs topology: the anomalous entity, a dependency of it, an unrelated one', () => {
    const [self, dependency, unrelated] = assessChanges(
      [
        { id: '1', entityRef: A, kind: 'deploy', tsMs: T - 2 * MIN },
        { id: '2', entityRef: B, kind: 'deploy', tsMs: T - 2 * MIN },
        { id: '3', entityRef: C, kind: 'deploy', tsMs: T - 2 * MIN },
      ],
      entities,
      graph,
    );
    expect(dependency.relation).toBe('dependency');
    expect(unrelated.relation).toBe('unrelated');
    expect(self.likelihood).toBeGreaterThan(dependency.likelihood);
    expect(dependency.likelihood).toBeGreaterThan(unrelated.likelihood);
    expect(unrelated.likelihood).toBeLessThan(0.1);
  });

  it('raises the prior when the same kind of change broke the entity before', () => {
    const change = {
      id: '1',
      entityRef: A,
      kind: 'config_change',
      tsMs: T - 8 * MIN,
    };
    const [plain] = assessChanges([change], entities, graph);
    const [known] = assessChanges([change], entities, graph, [
      { rootCauseEntityRef: A, rootCauseKind: 'config_change' },
    ]);
    const [other] = assessChanges([change], entities, graph, [
      { rootCauseEntityRef: B, rootCauseKind: 'config_change' },
    ]);
    expect(known.historyFactor).toBeGreaterThan(1);
    expect(known.likelihood).toBeGreaterThan(plain.likelihood);
    expect(other.likelihood).toBe(plain.likelihood);
  });

  it('halves a commit or CI run: it may not have reached production', () => {
    const [deploy, commit, ci, late] = assessChanges(
      [
        { id: '1', entityRef: A, kind: 'deploy', tsMs: T - 2 * MIN },
        { id: '2', entityRef: A, kind: 'commit', tsMs: T - 2 * MIN },
        { id: '3', entityRef: A, kind: 'ci_run', tsMs: T - 2 * MIN },
        { id: '4', entityRef: A, kind: 'commit', tsMs: T + 5 * MIN },
      ],
      entities,
      graph,
    );
    expect(deploy.timing).toBe(commit.timing);
    const odds = (p: number) => p / (1 - p);
    expect(odds(commit.likelihood)).toBeLessThan(odds(deploy.likelihood) / 2);
    expect(ci.likelihood).toBeCloseTo(commit.likelihood, 10);
    expect(commit.reason).toMatch(/may not have reached production/);
    expect(deploy.reason).not.toMatch(/reached production/);
    expect(late.reason).toMatch(/cannot have started it$/);
  });

  it('maps change kinds to root-cause kinds', () => {
    expect(changeCauseKind('deploy')).toBe('bad_deploy');
    expect(changeCauseKind('config_change')).toBe('config_change');
    expect(changeCauseKind('flag_change')).toBe('flag_flip');
    expect(changeCauseKind('rollback')).toBe('bad_deploy');
  });
});
