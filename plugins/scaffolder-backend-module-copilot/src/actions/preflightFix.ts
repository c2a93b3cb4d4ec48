import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type {
  FixFinding,
  FixVerdict,
} from '@devops-copilot/backstage-plugin-copilot-common';
import {
  copilotClientFor,
  refusalsExplained,
  type CopilotActionOptions,
} from './copilotClient';
import { examples } from './preflightFix.examples';

const RANK: Record<FixVerdict, number> = { pass: 0, warn: 1, block: 2 };

/** A finding as the step outputs it (a type alias, so the checkpoint can store it as JSON). */
type Finding = {
  code: string;
  severity: FixFinding['severity'];
  stage: string;
  message: string;
  artifact?: string;
  line?: number;
};

/**
 * `copilot:fix:preflight`: runs the copilot's preflight over a fix plan (syntax, schema, policy,
 * guardrails, drift) and fails the step, naming the findings, when the verdict reaches `failOn`.
 * A dry run calls nothing: a preflight stores its verdict on the plan and writes an audit row.
 *
 * @public
 */
export function createCopilotFixPreflightAction(options: CopilotActionOptions) {
  return createTemplateAction({
    id: 'copilot:fix:preflight',
    description:
      'Runs the DevOps Copilot preflight over a fix plan and fails on block (or warn)',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        planId: z => z.string().min(1).max(64).describe('Id of the fix plan'),
        failOn: z =>
          z
            .enum(['block', 'warn'])
            .default('block')
            .describe(
              'Fail the step at this verdict or worse (default block; warn fails on warn and block)',
            ),
      },
      output: {
        verdict: z =>
          z
            .enum(['pass', 'warn', 'block', 'skipped'])
            .describe('pass, warn or block; skipped in a dry run'),
        findings: z =>
          z
            .array(
              z.object({
                code: z.string(),
                severity: z.enum(['info', 'warn', 'block']),
                stage: z.string(),
                message: z.string(),
                artifact: z.string().optional(),
                line: z.number().optional(),
              }),
            )
            .describe('Every finding, with the artifact and line it cites'),
      },
    },
    async handler(ctx) {
      const { planId } = ctx.input;
      const failOn = ctx.input.failOn ?? 'block';
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would run preflight on fix plan ${planId} and fail on ${failOn}`,
        );
        ctx.output('verdict', 'skipped');
        ctx.output('findings', []);
        return;
      }
      const result = await ctx.checkpoint({
        key: `copilot.fix.preflight.${planId}`,
        fn: async (): Promise<{ verdict: FixVerdict; findings: Finding[] }> => {
          const client = await copilotClientFor(
            options,
            await ctx.getInitiatorCredentials(),
          );
          const plan = await refusalsExplained(
            `run preflight on fix plan ${planId}`,
            () => client.preflightFixPlan(planId),
          );
          if (!plan.preflight)
            throw new Error(
              `The copilot answered no preflight for fix plan ${planId}`,
            );
          return {
            verdict: plan.preflight.verdict,
            findings: plan.preflight.findings.map((f: FixFinding) => ({
              code: f.code,
              severity: f.severity,
              stage: f.stage,
              message: f.message,
              ...(f.artifact ? { artifact: f.artifact } : {}),
              ...(f.line !== undefined ? { line: f.line } : {}),
            })),
          };
        },
      });
      ctx.output('verdict', result.verdict);
      ctx.output('findings', result.findings);
      for (const f of result.findings)
        ctx.logger.info(
          `${f.severity} ${f.code} (${f.stage})${
            f.artifact ? ` ${f.artifact}${f.line ? `:${f.line}` : ''}` : ''
          }: ${f.message}`,
        );
      if (RANK[result.verdict] >= RANK[failOn]) {
        const cited = result.findings
          .filter(
            f =>
              f.severity !== 'info' &&
              RANK[f.severity as FixVerdict] >= RANK[failOn],
          )
          .map(
            f =>
              `${f.code}${f.artifact ? ` in ${f.artifact}` : ''}: ${f.message}`,
          );
        throw new Error(
          `Preflight of fix plan ${planId} answered ${
            result.verdict
          } (failOn: ${failOn})${cited.length ? `: ${cited.join('; ')}` : ''}`,
        );
      }
      ctx.logger.info(`Preflight of fix plan ${planId}: ${result.verdict}`);
    },
  });
}
