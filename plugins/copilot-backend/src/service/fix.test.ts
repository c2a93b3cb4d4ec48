import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { createPublicKey, verify } from 'node:crypto';
import request from 'supertest';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  copilotFixStrategiesExtensionPoint,
  type CopilotFixStrategy,
} from '@devops-copilot/backstage-plugin-copilot-node';
import { ExecutionStore } from '../stores/ExecutionStore';
import { canonicalJson, sha256Hex } from '../engine/remediate';
import {
  ALICE,
  BOB,
  MALLORY,
  as,
  incidentWithAnalysis,
  startFixBackend,
} from '../__testUtils__/fix';

jest.setTimeout(120_000);

describe('fix API', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'plans, preflights, approves, executes and audits on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { server } = await startFixBackend(knex, {
        copilot: { remediation: { nonProductionRunners: ['dryrun', 'agent'] } },
      });
      const api = '/api/copilot/v1';
      const incidentId = await incidentWithAnalysis(
        server,
        knex,
        'component:default/checkout',
        [
          {
            kind: 'bad_deploy',
            confidence: 0.8,
            data: { previousVersion: '1.7.9', currentVersion: '1.8.0' },
          },
          {
            kind: 'slow_query',
            confidence: 0.6,
            data: { table: 'orders', columns: 'customer_id,created_at' },
          },
        ],
      );

      // Idempotency-Key: the same request answers the stored plan again.
      const first = await request(server)
        .post(`${api}/fix/plan`)
        .set('Authorization', as(ALICE))
        .set('Idempotency-Key', 'k-1')
        .send({ incident_id: incidentId, mode: 'k8s' });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        incidentId,
        entityRef: 'component:default/checkout',
        environment: 'production',
        mode: 'k8s',
        strategy: 'rollout-undo',
        status: 'draft',
        author: ALICE,
        owners: ['group:default/team-checkout'],
        approvals: [],
      });
      expect(first.body.plan.artifacts.length).toBeGreaterThan(0);
      const replay = await request(server)
        .post(`${api}/fix/plan`)
        .set('Authorization', as(ALICE))
        .set('Idempotency-Key', 'k-1')
        .send({ incident_id: incidentId, mode: 'k8s' });
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.id).toBe(first.body.id);

      // Every mode: generated scripts pass preflight once approved by an owner.
      const planIds: Record<string, string> = {};
      for (const mode of ['k8s', 'helm', 'tf', 'ansible', 'sql']) {
        const made = await request(server)
          .post(`${api}/fix/plan`)
          .set('Authorization', as(ALICE))
          .send({ incident_id: incidentId, mode });
        expect({
          mode,
          status: made.status,
          body: made.status === 201 ? 'ok' : made.body,
        }).toEqual({ mode, status: 201, body: 'ok' });
        planIds[mode] = made.body.id;
        const approved = await request(server)
          .post(`${api}/fix/approve`)
          .set('Authorization', as(BOB))
          .send({ plan_id: made.body.id, note: `looks right (${mode})` });
        expect(approved.status).toBe(201);
        expect(approved.body.approvals).toEqual([
          expect.objectContaining({
            approver: BOB,
            note: `looks right (${mode})`,
          }),
        ]);
        const pf = await request(server)
          .post(`${api}/fix/preflight`)
          .set('Authorization', as(ALICE))
          .send({ plan_id: made.body.id });
        expect(pf.status).toBe(200);
        const blocks = pf.body.preflight.findings.filter(
          (f: any) => f.severity === 'block',
        );
        expect({ mode, verdict: pf.body.preflight.verdict, blocks }).toEqual({
          mode,
          verdict: expect.stringMatching(/^(pass|warn)$/),
          blocks: [],
        });
        expect(pf.body.preflight.policy.engine).toBe('cedar');
      }
      expect(
        (
          await request(server)
            .get(`${api}/fix/plans/${planIds.sql}`)
            .set('Authorization', as(ALICE))
        ).body.strategy,
      ).toBe('db-index');
      const listed = await request(server)
        .get(`${api}/fix/plans`)
        .query({ incident_id: incidentId })
        .set('Authorization', as(ALICE));
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(6);

      // The author cannot approve; a non-owner cannot approve a production plan.
      const own = await request(server)
        .post(`${api}/fix/approve`)
        .set('Authorization', as(ALICE))
        .send({ plan_id: first.body.id });
      expect(own.status).toBe(403);
      expect(own.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(own.body.detail).toMatch(/author cannot approve/);
      const stranger = await request(server)
        .post(`${api}/fix/approve`)
        .set('Authorization', as(MALLORY))
        .send({ plan_id: first.body.id });
      expect(stranger.status).toBe(403);
      expect(stranger.headers['content-type']).toMatch(
        /application\/problem\+json/,
      );
      expect(stranger.body.detail).toMatch(/copilot\.fix\.approve/);

      // Execute without approval (and without preflight): 403 naming what is missing.
      const refused = await request(server)
        .post(`${api}/fix/execute`)
        .set('Authorization', as(ALICE))
        .send({ plan_id: first.body.id, runner: 'agent' });
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toMatch(
        /application\/problem\+json/,
      );
      expect(refused.body.detail).toMatch(
        /approval by someone other than the author/,
      );
      expect(refused.body.detail).toMatch(/preflight run/);
      expect(refused.body.missing).toHaveLength(2);
      await request(server)
        .post(`${api}/fix/preflight`)
        .set('Authorization', as(ALICE))
        .send({ plan_id: first.body.id });
      const stillRefused = await request(server)
        .post(`${api}/fix/execute`)
        .set('Authorization', as(ALICE))
        .send({ plan_id: first.body.id, runner: 'agent' });
      expect(stillRefused.status).toBe(403);
      expect(stillRefused.body.missing).toEqual([
        expect.stringMatching(/^an approval/),
        expect.stringMatching(
          /^a passing preflight: .*POLICY_PRODUCTION_REQUIRES_APPROVAL/,
        ),
      ]);

      // dryrun always runs: records what would run.
      const dry = await request(server)
        .post(`${api}/fix/execute`)
        .set('Authorization', as(ALICE))
        .send({ plan_id: first.body.id, runner: 'dryrun' });
      expect(dry.status).toBe(201);
      expect(dry.body).toMatchObject({ runner: 'dryrun', status: 'recorded' });
      expect(dry.body.output.wouldRun.tools).toEqual(['kubectl']);

      // Approved and preflighted: the agent runner renders an isolated Job with the scripts as a ConfigMap.
      const ran = await request(server)
        .post(`${api}/fix/execute`)
        .set('Authorization', as(BOB))
        .send({ plan_id: planIds.k8s, runner: 'agent' });
      expect(ran.status).toBe(201);
      expect(ran.body.output.job).toMatchObject({
        kind: 'Job',
        spec: { backoffLimit: 0 },
      });
      const container = ran.body.output.job.spec.template.spec.containers[0];
      expect(container.command).toBeUndefined();
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(ran.body.output.configMap.immutable).toBe(true);
      expect(ran.body.outputHash).toBe(
        sha256Hex(canonicalJson(ran.body.output)),
      );
      const again = await request(server)
        .post(`${api}/fix/execute`)
        .set('Authorization', as(BOB))
        .send({ plan_id: planIds.k8s, runner: 'agent' });
      expect(again.status).toBe(409);

      // Runner outputs are written once: a second write of the same execution is refused.
      const executions = ExecutionStore.create({ database: knex });
      await expect(
        executions.record({ ...ran.body, output: { forged: true } }),
      ).rejects.toThrow(/immutable/);
      expect((await executions.get(ran.body.id)).output).toEqual(
        ran.body.output,
      );

      // The audit pack: plans, preflights, approvals, executions and signed rows, with the public key.
      const pack = await request(server)
        .post(`${api}/exports/incident`)
        .set('Authorization', as(ALICE))
        .send({ incident_id: incidentId });
      expect(pack.status).toBe(200);
      expect(pack.body.incident.id).toBe(incidentId);
      expect(pack.body.analysis.hypotheses).toHaveLength(2);
      expect(pack.body.plans).toHaveLength(6);
      expect(pack.body.preflights.length).toBeGreaterThanOrEqual(6);
      expect(pack.body.approvals).toHaveLength(5);
      expect(pack.body.executions).toHaveLength(2);
      const actions = pack.body.audit.map((r: any) => r.action);
      for (const a of [
        'fix.plan',
        'fix.preflight',
        'fix.approve',
        'fix.execute',
        'fix.execute.refused',
      ])
        expect(actions).toContain(a);
      const publicKey = createPublicKey(pack.body.publicKey.pem);
      for (const e of pack.body.executions)
        expect(
          verify(
            null,
            Buffer.from(e.outputHash, 'hex'),
            publicKey,
            Buffer.from(e.signature, 'base64'),
          ),
        ).toBe(true);

      // The chain verifies; a row changed in the database is found.
      const ok = await request(server)
        .get(`${api}/audit/verify`)
        .set('Authorization', as(ALICE));
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ ok: true });
      expect(ok.body.rows).toBeGreaterThan(15);
      await knex('audit_log')
        .where({ chain_seq: 3 })
        .update({
          payload: JSON.stringify({ verdict: 'pass', tampered: true }),
        });
      const broken = await request(server)
        .get(`${api}/audit/verify`)
        .set('Authorization', as(ALICE));
      expect(broken.body).toMatchObject({
        ok: false,
        brokenAt: 3,
        reason: 'hash',
      });
    },
  );

  it('answers 422 naming what is missing, 400 on bad input, 404 on unknown plans', async () => {
    const knex = await databases.init('SQLITE_3');
    const { server } = await startFixBackend(knex);
    const api = '/api/copilot/v1';
    const bare = await incidentWithAnalysis(
      server,
      knex,
      'component:default/checkout',
      [],
    );
    const none = await request(server)
      .post(`${api}/fix/plan`)
      .set('Authorization', as(ALICE))
      .send({ incident_id: bare, mode: 'k8s' });
    expect(none.status).toBe(422);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.body.detail).toMatch(/no root-cause hypotheses.*analyze/);

    const cart = await incidentWithAnalysis(
      server,
      knex,
      'component:default/cart',
      [
        {
          kind: 'bad_deploy',
          confidence: 0.9,
          data: { previousVersion: '2.0.0' },
        },
      ],
    );
    const helm = await request(server)
      .post(`${api}/fix/plan`)
      .set('Authorization', as(ALICE))
      .send({ incident_id: cart, mode: 'helm' });
    expect(helm.status).toBe(422);
    expect(helm.body.detail).toMatch(/copilot\.dev\/helm-release/);
    expect(helm.body.missing).toHaveLength(1);
    const wrong = await request(server)
      .post(`${api}/fix/plan`)
      .set('Authorization', as(ALICE))
      .send({ incident_id: cart, mode: 'k8s', strategy: 'db-index' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail).toMatch(/db-index/);

    const bad = await request(server)
      .post(`${api}/fix/plan`)
      .set('Authorization', as(ALICE))
      .send({ incident_id: cart, mode: 'bash' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/mode/);
    const unknown = await request(server)
      .get(`${api}/fix/plans/plan-nope`)
      .set('Authorization', as(ALICE));
    expect(unknown.status).toBe(404);

    // A staging plan: by default only dryrun is exempt from approval, so the agent runner is refused.
    const plan = await request(server)
      .post(`${api}/fix/plan`)
      .set('Authorization', as(ALICE))
      .send({ incident_id: cart, mode: 'k8s' });
    expect(plan.status).toBe(201);
    expect(plan.body.environment).toBe('staging');
    await request(server)
      .post(`${api}/fix/preflight`)
      .set('Authorization', as(ALICE))
      .send({ plan_id: plan.body.id });
    const agent = await request(server)
      .post(`${api}/fix/execute`)
      .set('Authorization', as(ALICE))
      .send({ plan_id: plan.body.id, runner: 'agent' });
    expect(agent.status).toBe(403);
    expect(agent.body.detail).toMatch(/nonProductionRunners/);
    // A non-owner may approve a non-production plan (IS_NON_PROD).
    const approved = await request(server)
      .post(`${api}/fix/approve`)
      .set('Authorization', as(MALLORY))
      .send({ plan_id: plan.body.id });
    expect(approved.status).toBe(201);
    const gitops = await request(server)
      .post(`${api}/fix/execute`)
      .set('Authorization', as(ALICE))
      .send({ plan_id: plan.body.id, runner: 'gitops' });
    expect(gitops.status).toBe(503);
    expect(gitops.body.detail).toMatch(/gitops\.repoUrl/);
  });

  it.each(databases.eachSupportedId())(
    'links a pull request to a plan once, audited and shown on the plan, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { server } = await startFixBackend(knex);
      const api = '/api/copilot/v1';
      const cart = await incidentWithAnalysis(
        server,
        knex,
        'component:default/cart',
        [{ kind: 'traffic_surge', confidence: 0.9, data: {} }],
      );
      const plan = await request(server)
        .post(`${api}/fix/plan`)
        .set('Authorization', as(ALICE))
        .send({ incident_id: cart, mode: 'k8s' });
      expect(plan.status).toBe(201);
      const id = plan.body.id;
      const url = 'https://github.com/acme/deploy/pull/17';

      const first = await request(server)
        .post(`${api}/fix/plans/${id}/links`)
        .set('Authorization', as(BOB))
        .send({ url, kind: 'pull-request', note: 'opened by the template' });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: expect.any(String),
        planId: id,
        kind: 'pull-request',
        url,
        note: 'opened by the template',
        createdBy: BOB,
        createdAt: expect.any(String),
      });
      // A retried template step records the same link once.
      const again = await request(server)
        .post(`${api}/fix/plans/${id}/links`)
        .set('Authorization', as(BOB))
        .send({ url, kind: 'pull-request' });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);

      const shown = await request(server)
        .get(`${api}/fix/plans/${id}`)
        .set('Authorization', as(ALICE));
      expect(shown.body.links).toEqual([first.body]);
      const listed = await request(server)
        .get(`${api}/fix/plans?incident_id=${cart}`)
        .set('Authorization', as(ALICE));
      expect(listed.body.items[0].links).toEqual([first.body]);

      for (const bad of [
        'http://github.com/acme/deploy/pull/17',
        'https://token:x-oauth@github.com/acme/deploy/pull/17',
        'https://bot@github.com/acme/deploy/pull/17',
        'ftp://github.com/acme/deploy/pull/17',
        'not a url',
      ]) {
        const refused = await request(server)
          .post(`${api}/fix/plans/${id}/links`)
          .set('Authorization', as(BOB))
          .send({ url: bad, kind: 'pull-request' });
        expect({ bad, status: refused.status }).toEqual({ bad, status: 400 });
        expect(refused.body.detail).toMatch(/https URL without credentials/);
      }
      const wrongKind = await request(server)
        .post(`${api}/fix/plans/${id}/links`)
        .set('Authorization', as(BOB))
        .send({ url, kind: 'issue' });
      expect(wrongKind.status).toBe(400);
      const missing = await request(server)
        .post(`${api}/fix/plans/plan-nope/links`)
        .set('Authorization', as(BOB))
        .send({ url, kind: 'pull-request' });
      expect(missing.status).toBe(404);

      // One hash-chained row for the one new link; the chain still verifies.
      const rows = await knex('audit_log').where({ action: 'fix.pr' });
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0].payload)).toMatchObject({
        planId: id,
        kind: 'pull-request',
        url,
      });
      const verified = await request(server)
        .get(`${api}/audit/verify`)
        .set('Authorization', as(ALICE));
      expect(verified.body.ok).toBe(true);
    },
  );

  it('takes fix strategies from modules through copilotFixStrategiesExtensionPoint', async () => {
    const knex = await databases.init('SQLITE_3');
    const strategy: CopilotFixStrategy = {
      id: 'drain-and-restart',
      title: 'Drain and restart',
      kinds: ['network'],
      modes: ['k8s'],
      fit: () => 0.99,
      propose: () => ({
        summary: 'Restart the pods one by one',
        intents: [{ type: 'restart' }],
        rationale: 'Fresh connections clear the bad route.',
        baseRisk: 0.1,
        revert: false,
      }),
    };
    const { server } = await startFixBackend(knex, {
      features: [
        createBackendModule({
          pluginId: 'copilot',
          moduleId: 'test-strategies',
          register(env) {
            env.registerInit({
              deps: { strategies: copilotFixStrategiesExtensionPoint },
              async init({ strategies }) {
                strategies.addFixStrategy(strategy);
              },
            });
          },
        }),
      ],
    });
    const id = await incidentWithAnalysis(
      server,
      knex,
      'component:default/checkout',
      [{ kind: 'network', confidence: 0.9, data: {} }],
    );
    const plan = await request(server)
      .post('/api/copilot/v1/fix/plan')
      .set('Authorization', as(ALICE))
      .send({ incident_id: id, mode: 'k8s' });
    expect(plan.status).toBe(201);
    expect(plan.body).toMatchObject({
      strategy: 'drain-and-restart',
      plan: { summary: 'Restart the pods one by one' },
    });
  });

  it('blocks in a configured change freeze and reports every step to the auditor service', async () => {
    const knex = await databases.init('SQLITE_3');
    const auditor = mockServices.auditor.mock();
    const events: Array<{ eventId: string; outcome?: string }> = [];
    auditor.createEvent.mockImplementation(async options => {
      const e: { eventId: string; outcome?: string } = {
        eventId: options.eventId,
      };
      events.push(e);
      return {
        success: async () => {
          e.outcome = 'success';
        },
        fail: async () => {
          e.outcome = 'fail';
        },
      };
    });
    const now = Date.now();
    const { server } = await startFixBackend(knex, {
      copilot: {
        remediation: {
          changeFreezes: [
            {
              from: new Date(now - 3_600_000).toISOString(),
              to: new Date(now + 3_600_000).toISOString(),
              environments: ['staging'],
              reason: 'release week',
            },
          ],
        },
      },
      features: [auditor.factory],
    });
    const api = '/api/copilot/v1';
    const cart = await incidentWithAnalysis(
      server,
      knex,
      'component:default/cart',
      [{ kind: 'traffic_surge', confidence: 0.9, data: {} }],
    );
    const plan = await request(server)
      .post(`${api}/fix/plan`)
      .set('Authorization', as(ALICE))
      .send({ incident_id: cart, mode: 'k8s' });
    expect(plan.status).toBe(201);
    expect(plan.body.strategy).toBe('scale-out');
    const pf = await request(server)
      .post(`${api}/fix/preflight`)
      .set('Authorization', as(ALICE))
      .send({ plan_id: plan.body.id });
    expect(pf.body.preflight.verdict).toBe('block');
    expect(pf.body.preflight.findings).toContainEqual(
      expect.objectContaining({
        code: 'GR_CHANGE_FREEZE',
        stage: 'guardrail',
        message: expect.stringMatching(/release week/),
      }),
    );
    const own = await request(server)
      .post(`${api}/fix/approve`)
      .set('Authorization', as(ALICE))
      .send({ plan_id: plan.body.id });
    expect(own.status).toBe(403);
    expect(events).toEqual([
      { eventId: 'fix-plan', outcome: 'success' },
      { eventId: 'fix-preflight', outcome: 'success' },
      { eventId: 'fix-approve', outcome: 'fail' },
    ]);
  });
});
