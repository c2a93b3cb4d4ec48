import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, posix, relative, sep } from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { FixPlan } from '@devops-copilot/backstage-plugin-copilot-common';
import {
  copilotClientFor,
  refusalsExplained,
  type CopilotActionOptions,
} from './copilotClient';
import { examples } from './renderFix.examples';

/**
 * A relative path that stays below its base: no absolute paths, no drive letters, no `..` segment.
 * Plan artifacts come from the copilot, but what they name is checked again before anything is written.
 */
export function safeRelativePath(value: string, what: string): string {
  const p = value.replace(/\\/g, '/');
  if (p === '' || isAbsolute(value) || p.startsWith('/') || /^[a-z]:/i.test(p))
    throw new InputError(`${what} '${value}' must be a relative path`);
  if (p.split('/').includes('..'))
    throw new InputError(
      `${what} '${value}' must not leave the workspace (no '..')`,
    );
  return posix.normalize(p);
}

/**
 * `copilot:fix:render`: writes a fix plan's generated files (kubectl patches, Helm values, Terraform,
 * Ansible plays, SQL migrations) into the workspace, ready for `publish:github:pull-request`. With
 * `incidentId` and `mode` instead of `planId` it drafts the plan first (not in a dry run).
 *
 * @public
 */
export function createCopilotFixRenderAction(options: CopilotActionOptions) {
  return createTemplateAction({
    id: 'copilot:fix:render',
    description:
      "Writes a DevOps Copilot fix plan's generated files into the workspace (drafting the plan from an incident if needed)",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        planId: z =>
          z
            .string()
            .min(1)
            .max(64)
            .optional()
            .describe('Id of an existing fix plan'),
        incidentId: z =>
          z
            .string()
            .min(1)
            .max(64)
            .optional()
            .describe('Draft a plan for this incident (with mode) instead'),
        mode: z =>
          z
            .enum(['k8s', 'helm', 'tf', 'ansible', 'sql'])
            .optional()
            .describe('How the change is expressed, when drafting a plan'),
        strategy: z =>
          z
            .string()
            .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
            .optional()
            .describe(
              'Fix strategy id (e.g. rollout-undo) when drafting; chosen from the hypotheses otherwise',
            ),
        targetPath: z =>
          z
            .string()
            .default('.')
            .describe('Workspace folder the files are written to'),
      },
      output: {
        planId: z => z.string().describe('Id of the fix plan'),
        files: z =>
          z
            .array(z.string())
            .describe('Written files, relative to the workspace'),
        summary: z => z.string().describe("The plan's summary"),
        strategy: z => z.string().describe("The plan's strategy"),
        risk: z =>
          z
            .object({
              score: z.number(),
              level: z.enum(['low', 'medium', 'high']),
              reasons: z.array(z.string()),
            })
            .describe("The plan's risk score, level and reasons"),
      },
    },
    async handler(ctx) {
      const { planId, incidentId, mode, strategy } = ctx.input;
      if (planId && (incidentId || mode))
        throw new InputError(
          'Give either planId, or incidentId and mode to draft a plan; not both',
        );
      if (!planId && !(incidentId && mode))
        throw new InputError(
          'Give planId, or incidentId and mode to draft a plan',
        );
      const targetPath = safeRelativePath(
        ctx.input.targetPath ?? '.',
        'targetPath',
      );
      const targetDir = resolveSafeChildPath(ctx.workspacePath, targetPath);

      if (!planId && ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would draft a ${mode} fix plan for incident ${incidentId}${
            strategy ? ` with strategy ${strategy}` : ''
          } and write its files to ${targetPath}`,
        );
        ctx.output('planId', 'dry-run');
        ctx.output('files', []);
        ctx.output(
          'summary',
          `Dry run: a ${mode} fix plan for incident ${incidentId} would be drafted`,
        );
        ctx.output('strategy', strategy ?? 'auto');
        ctx.output('risk', { score: 0, level: 'low', reasons: [] });
        return;
      }

      const credentials = await ctx.getInitiatorCredentials();
      let id = planId;
      if (!id) {
        const drafted = await ctx.checkpoint({
          key: `copilot.fix.plan.${incidentId}.${mode}.${strategy ?? 'auto'}`,
          fn: async () => {
            const client = await copilotClientFor(options, credentials);
            const plan = await refusalsExplained(
              `draft a fix plan for incident ${incidentId}`,
              () =>
                client.createFixPlan(
                  {
                    incident_id: incidentId!,
                    mode: mode!,
                    ...(strategy ? { strategy } : {}),
                  },
                  // A retried task answers the plan it drafted the first time.
                  {
                    idempotencyKey: `scaffolder:${ctx.task.id}:${
                      ctx.step?.id ?? 'render'
                    }`,
                  },
                ),
            );
            return { id: plan.id };
          },
        });
        id = drafted.id;
        ctx.logger.info(`Drafted fix plan ${id} for incident ${incidentId}`);
      }

      // Reading the plan has no side effect, so a dry run with a planId renders the real files.
      const client = await copilotClientFor(options, credentials);
      const plan: FixPlan = await refusalsExplained(`read fix plan ${id}`, () =>
        client.getFixPlan(id!),
      );

      // Check every path before writing anything.
      const files = plan.plan.artifacts.map(artifact => {
        const rel = safeRelativePath(
          artifact.path,
          `Artifact path of plan ${plan.id}`,
        );
        const abs = resolveSafeChildPath(targetDir, rel);
        return {
          abs,
          rel: relative(ctx.workspacePath, abs).split(sep).join('/'),
          content: artifact.content,
        };
      });
      for (const file of files) {
        await mkdir(dirname(file.abs), { recursive: true });
        await writeFile(file.abs, file.content, 'utf8');
        // Explicitly: the umask and an existing file would otherwise decide.
        await chmod(file.abs, file.rel.endsWith('.sh') ? 0o755 : 0o644);
        ctx.logger.info(`Wrote ${file.rel}`);
      }

      ctx.output('planId', plan.id);
      ctx.output(
        'files',
        files.map(f => f.rel),
      );
      ctx.output('summary', plan.plan.summary);
      ctx.output('strategy', plan.strategy);
      ctx.output('risk', {
        score: plan.plan.risk.score,
        level: plan.plan.risk.level,
        reasons: plan.plan.risk.reasons.map(r => r.message),
      });
    },
  });
}
