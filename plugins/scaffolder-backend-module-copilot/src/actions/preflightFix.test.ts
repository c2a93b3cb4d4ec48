import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { copilotServer, planFixture } from '../__testUtils__/copilotServer';
import { createCopilotFixPreflightAction } from './preflightFix';

describe('copilot:fix:preflight', () => {
  const copilot = copilotServer();
  beforeAll(copilot.start);
  afterAll(copilot.stop);
  beforeEach(copilot.reset);

  const action = () => createCopilotFixPreflightAction(copilot.options());
  const context = (input: Record<string, any>, isDryRun = false) => ({
    ...createMockActionContext({ input: { failOn: 'block', ...input } }),
    isDryRun,
  });
  const answer = (
    verdict: string,
    findings: Array<Record<string, unknown>>,
  ) => ({
    status: 200,
    body: planFixture([], {
      status: 'preflighted',
      preflight: {
        verdict,
        findings,
        policy: {
          engine: 'cedar',
          decision: 'allow',
          reasons: [],
          messages: {},
          errors: [],
        },
        facts: {},
        risk: { score: 0.2, level: 'low', reasons: [] },
        at: '2026-12-02T06:10:00.000Z',
      },
    }),
  });
  const warn = {
    code: 'GR_ERROR_BUDGET_LOW',
    severity: 'warn',
    stage: 'guardrail',
    message: 'error budget below 20%',
  };
  const block = {
    code: 'K8S_UNKNOWN_FIELD',
    severity: 'block',
    stage: 'schema',
    message: 'spec.replica is not a field of Deployment',
    artifact: 'k8s/patch.yaml',
    line: 3,
  };

  it('runs preflight in a checkpoint and outputs the verdict and findings', async () => {
    copilot.routes.set('POST /v1/fix/preflight', answer('warn', [warn]));
    const ctx = context({ planId: 'plan-1' });
    const keys: string[] = [];
    ctx.checkpoint = (async (opts: { key: string; fn: () => any }) => {
      keys.push(opts.key);
      return opts.fn();
    }) as any;
    await action().handler(ctx as any);
    expect(keys).toEqual(['copilot.fix.preflight.plan-1']);
    expect(copilot.seen).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/api/copilot/v1/fix/preflight',
        body: { plan_id: 'plan-1' },
      }),
    ]);
    expect(copilot.seen[0].auth).toContain('"obo":"user:default/mock"');
    expect(ctx.output).toHaveBeenCalledWith('verdict', 'warn');
    expect(ctx.output).toHaveBeenCalledWith('findings', [warn]);
  });

  it('fails on block, naming the blocking findings', async () => {
    copilot.routes.set(
      'POST /v1/fix/preflight',
      answer('block', [warn, block]),
    );
    const ctx = context({ planId: 'plan-1' });
    await expect(action().handler(ctx as any)).rejects.toThrow(
      'Preflight of fix plan plan-1 answered block (failOn: block): K8S_UNKNOWN_FIELD in k8s/patch.yaml: spec.replica is not a field of Deployment',
    );
    // The outputs are set before failing, for a later step or the task log.
    expect(ctx.output).toHaveBeenCalledWith('verdict', 'block');
  });

  it('fails on warn when failOn is warn, and passes pass', async () => {
    copilot.routes.set('POST /v1/fix/preflight', answer('warn', [warn]));
    await expect(
      action().handler(context({ planId: 'plan-1', failOn: 'warn' }) as any),
    ).rejects.toThrow(/answered warn \(failOn: warn\): GR_ERROR_BUDGET_LOW/);
    copilot.routes.set('POST /v1/fix/preflight', answer('pass', []));
    const ctx = context({ planId: 'plan-1', failOn: 'warn' });
    await action().handler(ctx as any);
    expect(ctx.output).toHaveBeenCalledWith('verdict', 'pass');
  });

  it('calls nothing in a dry run (a preflight stores its verdict and audits)', async () => {
    const ctx = context({ planId: 'plan-1' }, true);
    await action().handler(ctx as any);
    expect(copilot.seen).toHaveLength(0);
    expect(ctx.output).toHaveBeenCalledWith('verdict', 'skipped');
    expect(ctx.output).toHaveBeenCalledWith('findings', []);
  });

  it('surfaces the problem detail when the copilot refuses', async () => {
    copilot.routes.set('POST /v1/fix/preflight', {
      status: 403,
      type: 'application/problem+json',
      body: {
        title: 'Forbidden',
        status: 403,
        detail: 'You are not allowed to preflight fix plans (copilot.fix.plan)',
      },
    });
    await expect(
      action().handler(context({ planId: 'plan-1' }) as any),
    ).rejects.toThrow(
      /refused to run preflight on fix plan plan-1 \(403\): You are not allowed/,
    );
  });
});
