import { TestDatabases } from '@backstage/backend-test-utils';
import type {
  FixExecution,
  FixPlanDocument,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { applyDatabaseMigrations } from './migrations';
import { FixPlanStore } from './FixPlanStore';
import { ApprovalStore } from './ApprovalStore';
import { ExecutionStore } from './ExecutionStore';

jest.setTimeout(60_000);

const doc = (id: string): FixPlanDocument => ({
  id,
  incidentId: 'inc-1',
  entityRef: 'component:default/checkout',
  mode: 'k8s',
  strategy: 'rollout-undo',
  hypothesis: 'bad_deploy',
  summary: 'Roll back',
  steps: [{ order: 1, title: 'undo', artifact: 'commands.sh' }],
  artifacts: [
    {
      path: 'commands.sh',
      content: 'kubectl rollout undo deployment/checkout -n shop\n',
    },
  ],
  preChecks: [],
  postChecks: [],
  rollback: { method: 'canary', gates: [], steps: [], artifacts: [] },
  risk: { score: 0.2, level: 'low', reasons: [] },
  createdAt: '2026-12-02T06:00:00.000Z',
});

describe('fix plan, approval and execution stores', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'store plans, approvals and immutable outputs on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      await knex('incidents').insert({
        id: 'inc-1',
        title: 't',
        entity_ref: 'component:default/checkout',
        severity: 'sev2',
        status: 'open',
        source: 'manual',
        opened_at: new Date(),
        updated_at: new Date(),
      });
      const plans = FixPlanStore.create({ database: knex });
      const approvals = ApprovalStore.create({ database: knex });
      const executions = ExecutionStore.create({ database: knex });

      const stored = await plans.insert({
        plan: doc('plan-1'),
        environment: 'production',
        owners: ['group:default/team-checkout'],
        author: 'user:default/alice',
      });
      expect(stored).toMatchObject({
        id: 'plan-1',
        status: 'draft',
        owners: ['group:default/team-checkout'],
      });
      await expect(
        plans.insert({
          plan: doc('plan-1'),
          environment: 'production',
          owners: [],
          author: 'x',
        }),
      ).rejects.toThrow(/already exists/);
      await plans.insert({
        plan: doc('plan-2'),
        environment: 'staging',
        owners: [],
        author: 'x',
      });
      expect(
        (await plans.list({ incidentId: 'inc-1' })).map(p => p.id).sort(),
      ).toEqual(['plan-1', 'plan-2']);
      expect((await plans.getMany(['plan-2', 'nope'])).map(p => p?.id)).toEqual(
        ['plan-2', undefined],
      );

      const pf = await plans.setPreflight('plan-1', {
        verdict: 'warn',
        findings: [
          {
            code: 'DRIFT_UNKNOWN',
            severity: 'warn',
            stage: 'drift',
            message: 'm',
          },
        ],
        policy: {
          engine: 'cedar',
          decision: 'allow',
          reasons: [],
          messages: {},
          errors: [],
        },
        facts: {},
        risk: { score: 0.2, level: 'low', reasons: [] },
        at: '2026-12-02T06:01:00.000Z',
      });
      expect(pf).toMatchObject({
        status: 'preflighted',
        preflight: { verdict: 'warn' },
      });

      await approvals.add({
        planId: 'plan-1',
        approver: 'user:default/bob',
        note: 'ok',
      });
      await expect(
        approvals.add({ planId: 'plan-1', approver: 'user:default/bob' }),
      ).rejects.toThrow(/already approved/);
      expect(await approvals.list('plan-1')).toEqual([
        expect.objectContaining({
          approver: 'user:default/bob',
          note: 'ok',
          decision: 'approved',
        }),
      ]);

      const execution: FixExecution = {
        id: 'exec-1',
        planId: 'plan-1',
        runner: 'dryrun',
        status: 'recorded',
        requestedBy: 'user:default/alice',
        output: { wouldRun: ['kubectl'] },
        outputHash: 'a'.repeat(64),
        signature: 'c2ln',
        keyId: 'k1',
        startedAt: '2026-12-02T06:02:00.000Z',
        finishedAt: '2026-12-02T06:02:01.000Z',
      };
      expect(await executions.record(execution)).toEqual(execution);
      await expect(
        executions.record({ ...execution, output: { forged: true } }),
      ).rejects.toThrow(/already recorded; runner outputs are immutable/);
      expect((await executions.get('exec-1')).output).toEqual({
        wouldRun: ['kubectl'],
      });
      expect(
        Object.getOwnPropertyNames(ExecutionStore.prototype).sort(),
      ).toEqual(['constructor', 'get', 'listForPlans', 'record']);
    },
  );
});
