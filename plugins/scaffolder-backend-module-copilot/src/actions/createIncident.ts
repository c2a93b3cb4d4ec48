import { InputError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { CopilotApiError } from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotClientFor, type CopilotActionOptions } from './copilotClient';
import { examples } from './createIncident.examples';

/**
 * `copilot:incident:create`: opens an incident in the copilot on behalf of the user running the
 * template. A dry run validates the input and creates nothing.
 *
 * @public
 */
export function createCopilotIncidentAction(options: CopilotActionOptions) {
  return createTemplateAction({
    id: 'copilot:incident:create',
    description: 'Opens an incident in the DevOps Copilot for a catalog entity',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .describe(
              'Entity ref of the affected entity, e.g. component:default/checkout-service',
            ),
        title: z =>
          z.string().min(1).max(500).describe('Short title of the incident'),
        severity: z =>
          z
            .enum(['critical', 'high', 'medium', 'low'])
            .optional()
            .describe('Severity (default medium)'),
        summary: z =>
          z.string().max(20_000).optional().describe('What is known so far'),
      },
      output: {
        incidentId: z => z.string().describe('Id of the incident'),
        url: z => z.string().describe('Link to the incident in the portal'),
      },
    },
    async handler(ctx) {
      let entityRef: string;
      try {
        entityRef = stringifyEntityRef(parseEntityRef(ctx.input.entityRef));
      } catch (e) {
        throw new InputError(
          `entityRef '${ctx.input.entityRef}' is not an entity ref: ${
            (e as Error).message
          }`,
        );
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would open incident '${ctx.input.title}' on ${entityRef}`,
        );
        ctx.output('incidentId', 'dry-run');
        ctx.output('url', '/copilot');
        return;
      }
      const incident = await ctx.checkpoint({
        key: `copilot.incident.create.${entityRef}.${ctx.input.title}`,
        fn: async () => {
          const client = await copilotClientFor(
            options,
            await ctx.getInitiatorCredentials(),
          );
          try {
            const created = await client.createIncident({
              entityRef,
              title: ctx.input.title,
              severity: ctx.input.severity,
              summary: ctx.input.summary,
            });
            return { id: created.id };
          } catch (e) {
            if (e instanceof CopilotApiError) {
              throw new Error(
                `The copilot refused to open the incident (${e.status}): ${
                  e.problem?.detail ?? e.message
                }`,
              );
            }
            throw e;
          }
        },
      });
      ctx.logger.info(`Opened incident ${incident.id} on ${entityRef}`);
      ctx.output('incidentId', incident.id);
      ctx.output('url', `/copilot/incidents/${incident.id}`);
    },
  });
}
