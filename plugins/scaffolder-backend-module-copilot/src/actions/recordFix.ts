import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  copilotClientFor,
  httpsUrlProblem,
  refusalsExplained,
  type CopilotActionOptions,
} from './copilotClient';
import { examples } from './recordFix.examples';

/**
 * `copilot:fix:record`: links the pull request a template opened (`publish:github:pull-request`'s
 * `remoteUrl`) to the fix plan, so the plan and its audit trail show where the change went.
 * A dry run links nothing (and only warns about a URL a real run would refuse).
 *
 * @public
 */
export function createCopilotFixRecordAction(options: CopilotActionOptions) {
  return createTemplateAction({
    id: 'copilot:fix:record',
    description:
      'Links a pull request to a DevOps Copilot fix plan (audited, shown on the plan)',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        planId: z => z.string().min(1).max(64).describe('Id of the fix plan'),
        pullRequestUrl: z =>
          z
            .string()
            .max(2048)
            .describe(
              "https URL of the pull request, e.g. publish:github:pull-request's remoteUrl",
            ),
        note: z =>
          z
            .string()
            .max(4000)
            .optional()
            .describe('A note stored with the link'),
      },
      output: {
        linkId: z =>
          z.string().describe('Id of the link (dry-run in a dry run)'),
        created: z =>
          z
            .boolean()
            .describe('false when the plan already had this link, or dry run'),
      },
    },
    async handler(ctx) {
      const { planId, pullRequestUrl, note } = ctx.input;
      const problem = httpsUrlProblem(pullRequestUrl);
      const shown =
        problem === 'carries credentials'
          ? '(redacted)'
          : `'${pullRequestUrl}'`;
      if (ctx.isDryRun) {
        // publish:github:pull-request answers its repoUrl (not a URL) as remoteUrl in a dry run, so a
        // dry run reports the problem instead of failing the whole template on it.
        if (problem)
          ctx.logger.warn(
            `Dry run: pullRequestUrl ${shown} ${problem}; a real run would refuse it`,
          );
        ctx.logger.info(
          `Dry run: would link ${
            problem ? 'the pull request' : pullRequestUrl
          } to fix plan ${planId}`,
        );
        ctx.output('linkId', 'dry-run');
        ctx.output('created', false);
        return;
      }
      if (problem)
        throw new InputError(
          `pullRequestUrl ${shown} ${problem}; the copilot links https URLs without credentials`,
        );
      const out = await ctx.checkpoint({
        key: `copilot.fix.record.${planId}.${pullRequestUrl}`,
        fn: async () => {
          const client = await copilotClientFor(
            options,
            await ctx.getInitiatorCredentials(),
          );
          const before = await refusalsExplained(
            `read fix plan ${planId}`,
            () => client.getFixPlan(planId),
          );
          const known = before.links?.some(
            l => l.kind === 'pull-request' && l.url === pullRequestUrl,
          );
          const link = await refusalsExplained(
            `link ${pullRequestUrl} to fix plan ${planId}`,
            () =>
              client.linkFixPlan(planId, {
                url: pullRequestUrl,
                kind: 'pull-request',
                ...(note ? { note } : {}),
              }),
          );
          return { id: link.id, created: !known };
        },
      });
      ctx.logger.info(
        `${
          out.created ? 'Linked' : 'Already linked'
        } ${pullRequestUrl} to fix plan ${planId}`,
      );
      ctx.output('linkId', out.id);
      ctx.output('created', out.created);
    },
  });
}
