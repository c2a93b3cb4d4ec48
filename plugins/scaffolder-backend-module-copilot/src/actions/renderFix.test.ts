import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { copilotServer, planFixture } from '../__testUtils__/copilotServer';
import { createCopilotFixRenderAction } from './renderFix';

describe('copilot:fix:render', () => {
  const copilot = copilotServer();
  const workspace = createMockDirectory();
  beforeAll(copilot.start);
  afterAll(copilot.stop);
  beforeEach(() => {
    copilot.reset();
    workspace.clear();
  });

  const action = () => createCopilotFixRenderAction(copilot.options());
  const context = (input: Record<string, any>, isDryRun = false) => ({
    ...createMockActionContext({
      input: { targetPath: '.', ...input },
      workspacePath: workspace.path,
    }),
    isDryRun,
  });
  const artifacts = [
    {
      path: 'k8s/rollout-undo.sh',
      content: 'kubectl -n shop rollout undo deployment/checkout\n',
    },
    { path: 'k8s/patch.yaml', content: 'spec:\n  replicas: 4\n' },
  ];

  it("writes an existing plan's files below targetPath and outputs the plan", async () => {
    copilot.routes.set('GET /v1/fix/plans/plan-1', {
      status: 200,
      body: planFixture(artifacts),
    });
    const ctx = context({ planId: 'plan-1', targetPath: 'remediation' });
    await action().handler(ctx as any);

    expect(copilot.seen).toHaveLength(1);
    expect(copilot.seen[0].auth).toContain('"obo":"user:default/mock"');
    expect(copilot.seen[0].auth).toContain('"target":"copilot"');
    expect(workspace.content()).toEqual({
      remediation: {
        k8s: {
          'rollout-undo.sh': artifacts[0].content,
          'patch.yaml': artifacts[1].content,
        },
      },
    });
    const mode = (f: string) => statSync(join(workspace.path, f)).mode & 0o777;
    expect(mode('remediation/k8s/rollout-undo.sh')).toBe(0o755);
    expect(mode('remediation/k8s/patch.yaml')).toBe(0o644);
    expect(ctx.output).toHaveBeenCalledWith('planId', 'plan-1');
    expect(ctx.output).toHaveBeenCalledWith('files', [
      'remediation/k8s/rollout-undo.sh',
      'remediation/k8s/patch.yaml',
    ]);
    expect(ctx.output).toHaveBeenCalledWith(
      'summary',
      'Roll checkout back to 1.7.9',
    );
    expect(ctx.output).toHaveBeenCalledWith('risk', {
      score: 0.35,
      level: 'medium',
      reasons: ['touches a Deployment'],
    });
  });

  it('drafts a plan from incidentId and mode inside a checkpoint, then renders it', async () => {
    copilot.routes.set('POST /v1/fix/plan', {
      status: 201,
      body: planFixture(artifacts, { id: 'plan-new' }),
    });
    copilot.routes.set('GET /v1/fix/plans/plan-new', {
      status: 200,
      body: planFixture(artifacts, { id: 'plan-new' }),
    });
    const ctx = context({ incidentId: 'inc-42', mode: 'k8s' });
    const checkpoints: string[] = [];
    ctx.checkpoint = (async (opts: { key: string; fn: () => any }) => {
      checkpoints.push(opts.key);
      return opts.fn();
    }) as any;
    await action().handler(ctx as any);

    expect(checkpoints).toEqual(['copilot.fix.plan.inc-42.k8s.auto']);
    expect(copilot.seen.map(s => `${s.method} ${s.url}`)).toEqual([
      'POST /api/copilot/v1/fix/plan',
      'GET /api/copilot/v1/fix/plans/plan-new',
    ]);
    expect(copilot.seen[0].body).toEqual({
      incident_id: 'inc-42',
      mode: 'k8s',
    });
    expect(copilot.seen[0].idempotencyKey).toBe(
      'scaffolder:mock-task-id:mock-step-id',
    );
    expect(ctx.output).toHaveBeenCalledWith('planId', 'plan-new');
    expect(Object.keys(workspace.content()!)).toEqual(['k8s']);
  });

  it('drafts no plan in a dry run and writes nothing', async () => {
    const ctx = context({ incidentId: 'inc-42', mode: 'sql' }, true);
    await action().handler(ctx as any);
    expect(copilot.seen).toHaveLength(0);
    expect(workspace.content()).toEqual({});
    expect(ctx.output).toHaveBeenCalledWith('planId', 'dry-run');
    expect(ctx.output).toHaveBeenCalledWith('files', []);
  });

  it('renders an existing plan in a dry run (reading it has no side effect)', async () => {
    copilot.routes.set('GET /v1/fix/plans/plan-1', {
      status: 200,
      body: planFixture(artifacts),
    });
    const ctx = context({ planId: 'plan-1' }, true);
    await action().handler(ctx as any);
    expect(copilot.seen.map(s => s.method)).toEqual(['GET']);
    expect(ctx.output).toHaveBeenCalledWith('files', [
      'k8s/rollout-undo.sh',
      'k8s/patch.yaml',
    ]);
  });

  it.each([
    ['../../etc/cron.d/x', /must not leave the workspace/],
    ['k8s/../../x.sh', /must not leave the workspace/],
    ['/etc/passwd', /must be a relative path/],
    ['C:\\Windows\\x.ps1', /must be a relative path/],
  ])(
    'refuses the artifact path %p and writes no file at all',
    async (bad, message) => {
      copilot.routes.set('GET /v1/fix/plans/plan-1', {
        status: 200,
        body: planFixture([...artifacts, { path: bad, content: 'x' }]),
      });
      const ctx = context({ planId: 'plan-1' });
      await expect(action().handler(ctx as any)).rejects.toThrow(message);
      expect(workspace.content()).toEqual({});
    },
  );

  it.each([
    ['../outside', /targetPath '..\/outside' must not leave the workspace/],
    ['/tmp', /targetPath '\/tmp' must be a relative path/],
  ])('refuses targetPath %p before calling anything', async (bad, message) => {
    const ctx = context({ planId: 'plan-1', targetPath: bad });
    await expect(action().handler(ctx as any)).rejects.toThrow(message);
    expect(copilot.seen).toHaveLength(0);
  });

  it('needs planId, or incidentId and mode, but not both', async () => {
    await expect(
      action().handler(context({ incidentId: 'inc-42' }) as any),
    ).rejects.toThrow(/Give planId, or incidentId and mode/);
    await expect(
      action().handler(
        context({ planId: 'plan-1', incidentId: 'inc-42', mode: 'k8s' }) as any,
      ),
    ).rejects.toThrow(/not both/);
    expect(copilot.seen).toHaveLength(0);
  });

  it('surfaces the problem detail when the copilot cannot draft a plan', async () => {
    copilot.routes.set('POST /v1/fix/plan', {
      status: 422,
      type: 'application/problem+json',
      body: {
        title: 'Unprocessable Content',
        status: 422,
        detail: 'Incident inc-42 has no root-cause hypotheses to answer',
      },
    });
    const ctx = context({ incidentId: 'inc-42', mode: 'helm' });
    await expect(action().handler(ctx as any)).rejects.toThrow(
      /refused to draft a fix plan for incident inc-42 \(422\): Incident inc-42 has no root-cause hypotheses/,
    );
  });
});
