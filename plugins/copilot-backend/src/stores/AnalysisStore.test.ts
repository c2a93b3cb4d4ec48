import { TestDatabases } from '@backstage/backend-test-utils';
import { applyDatabaseMigrations } from './migrations';
import { AnalysisStore, EvidenceInvariantError } from './AnalysisStore';
import { IncidentStore } from './IncidentStore';

jest.setTimeout(60_000);

describe('AnalysisStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  const base = {
    window: {
      fromMs: Date.UTC(2026, 11, 1, 11),
      toMs: Date.UTC(2026, 11, 1, 12),
    },
    abstained: false,
    unexplained: 0.1,
    durationMs: 12,
    evidence: [
      {
        key: 'series:db:latency',
        kind: 'metric_window',
        entityRef: 'resource:default/db',
        summary: 'db latency 900 ms vs 10-14 ms',
        window: {
          fromMs: Date.UTC(2026, 11, 1, 11, 50),
          toMs: Date.UTC(2026, 11, 1, 12),
        },
        score: 0.9,
      },
      {
        key: 'change:1',
        kind: 'change',
        entityRef: 'component:default/web',
        summary: 'deploy v2 of web after the onset',
        score: 0.2,
      },
    ],
  };

  it.each(databases.eachSupportedId())(
    'never stores a hypothesis without evidence, and replaces the previous analysis, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const { incident } = await IncidentStore.create({ database: knex }).open({
        title: 't',
        entityRef: 'component:default/web',
        source: 'manual',
      });
      const store = AnalysisStore.create({ database: knex });
      const hypothesis = {
        rank: 1,
        kind: 'dependency_failure' as const,
        entityRef: 'resource:default/db',
        statement: 'db is failing',
        confidence: 0.8,
        supportingEvidenceKeys: ['series:db:latency'],
        counterEvidenceKeys: ['change:1'],
      };

      await expect(
        store.save({
          ...base,
          incidentId: incident.id,
          hypotheses: [{ ...hypothesis, supportingEvidenceKeys: [] }],
        }),
      ).rejects.toBeInstanceOf(EvidenceInvariantError);
      await expect(
        store.save({
          ...base,
          incidentId: incident.id,
          hypotheses: [{ ...hypothesis, supportingEvidenceKeys: ['nowhere'] }],
        }),
      ).rejects.toThrow(/does not hold/);
      expect(await store.latest(incident.id)).toBeUndefined();
      expect(Number((await knex('hypotheses').count({ n: '*' }))[0].n)).toBe(0);

      const first = await store.save({
        ...base,
        incidentId: incident.id,
        hypotheses: [hypothesis],
      });
      expect(first.hypotheses).toHaveLength(1);
      const evidence = await store.evidence(incident.id);
      expect(evidence.map(e => e.summary)).toEqual([
        'db latency 900 ms vs 10-14 ms',
        'deploy v2 of web after the onset',
      ]);
      const [h] = first.hypotheses;
      expect(h.supportEvidenceIds).toEqual([evidence[0].id]);
      expect(h.counterEvidenceIds).toEqual([evidence[1].id]);
      expect(evidence[0]).toMatchObject({
        kind: 'metric_window',
        windowFrom: '2026-12-01T11:50:00.000Z',
        data: { key: 'series:db:latency' },
      });

      const second = await store.save({
        ...base,
        incidentId: incident.id,
        abstained: true,
        abstainReason: 'nothing explains it',
        hypotheses: [
          {
            ...hypothesis,
            kind: 'none',
            entityRef: undefined,
            statement: 'No single cause',
          },
        ],
      });
      expect(second.id).not.toBe(first.id);
      expect(second).toMatchObject({
        abstained: true,
        abstainReason: 'nothing explains it',
      });
      expect(await store.evidence(incident.id)).toHaveLength(2);
      expect(Number((await knex('hypotheses').count({ n: '*' }))[0].n)).toBe(1);
    },
  );
});
