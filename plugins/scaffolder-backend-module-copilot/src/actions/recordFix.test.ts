import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { copilotServer, planFixture } from '../__testUtils__/copilotServer';
import { createCopilotFixRecordAction } from './recordFix';

describe('copilot:fix:record', () => {
  const copilot = copilotServer();
  beforeAll(copilot.start);
  afterAll(copilot.stop);
  beforeEach(copilot.reset);

  const url = 'https://github.com/acme/deploy/pull/17';
  const link = {
    id: 'link-1',
    planId: 'plan-1',
    kind: 'pull-request',
    url,
    createdBy: 'user:default/mock',
    createdAt: '2026-12-02T06:20:00.000Z',
  };
  const action = () => createCopilotFixRecordAction(copilot.options());
  const context = (input: Record<string, any>, isDryRun = false) => ({
    ...createMockActionContext({ input }),
    isDryRun,
  });

  it('links the pull request to the plan inside a checkpoint', async () => {
    copilot.routes.set('GET /v1/fix/plans/plan-1', {
      status: 200,
      body: planFixture([]),
    });
    copilot.routes.set('POST /v1/fix/plans/plan-1/links', {
      status: 201,
      body: { ...link, note: 'from the template' },
    });
    const ctx = context({
      planId: 'plan-1',
      pullRequestUrl: url,
      note: 'from the template',
    });
    const keys: string[] = [];
    ctx.checkpoint = (async (opts: { key: string; fn: () => any }) => {
      keys.push(opts.key);
      return opts.fn();
    }) as any;
    await action().handler(ctx as any);
    expect(keys).toEqual([`copilot.fix.record.plan-1.${url}`]);
    const post = copilot.seen.find(s => s.method === 'POST');
    expect(post).toMatchObject({
      url: '/api/copilot/v1/fix/plans/plan-1/links',
      body: { url, kind: 'pull-request', note: 'from the template' },
    });
    expect(post!.auth).toContain('"obo":"user:default/mock"');
    expect(ctx.output).toHaveBeenCalledWith('linkId', 'link-1');
    expect(ctx.output).toHaveBeenCalledWith('created', true);
  });

  it('says so when the plan already had the link', async () => {
    copilot.routes.set('GET /v1/fix/plans/plan-1', {
      status: 200,
      body: planFixture([], { links: [link] }),
    });
    copilot.routes.set('POST /v1/fix/plans/plan-1/links', {
      status: 200,
      body: link,
    });
    const ctx = context({ planId: 'plan-1', pullRequestUrl: url });
    await action().handler(ctx as any);
    expect(ctx.output).toHaveBeenCalledWith('created', false);
  });

  it('links nothing in a dry run', async () => {
    const ctx = context({ planId: 'plan-1', pullRequestUrl: url }, true);
    await action().handler(ctx as any);
    expect(copilot.seen).toHaveLength(0);
    expect(ctx.output).toHaveBeenCalledWith('linkId', 'dry-run');
    expect(ctx.output).toHaveBeenCalledWith('created', false);
  });

  it.each([
    ['http://github.com/acme/deploy/pull/17', /is not an https URL/],
    ['not a url', /is not a URL/],
  ])('refuses %p (a dry run only warns)', async (bad, message) => {
    await expect(
      action().handler(
        context({ planId: 'plan-1', pullRequestUrl: bad }) as any,
      ),
    ).rejects.toThrow(message);
    // In a dry run publish:github:pull-request answers its repoUrl as remoteUrl.
    const dry = context(
      { planId: 'plan-1', pullRequestUrl: 'github.com?owner=acme&repo=deploy' },
      true,
    );
    const warn = jest.spyOn(dry.logger, 'warn');
    await action().handler(dry as any);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/is not a URL; a real run would refuse it/),
    );
    expect(dry.output).toHaveBeenCalledWith('linkId', 'dry-run');
    expect(copilot.seen).toHaveLength(0);
  });

  it('refuses a URL with credentials without repeating them', async () => {
    const ctx = context({
      planId: 'plan-1',
      pullRequestUrl: 'https://x-access-token:ghs_secret@github.com/a/b/pull/1',
    });
    const error = await action()
      .handler(ctx as any)
      .catch(e => e);
    expect(error.message).toMatch(
      /pullRequestUrl \(redacted\) carries credentials/,
    );
    expect(error.message).not.toContain('ghs_secret');
    expect(copilot.seen).toHaveLength(0);
  });

  it('surfaces the problem detail when the plan is unknown', async () => {
    const ctx = context({ planId: 'plan-nope', pullRequestUrl: url });
    await expect(action().handler(ctx as any)).rejects.toThrow(
      /refused to read fix plan plan-nope \(404\)/,
    );
  });
});
