import type { LoggerService } from '@backstage/backend-plugin-api';
import type { IncidentStore } from '../stores/IncidentStore';
import type { AnalysisStore } from '../stores/AnalysisStore';
import type { KnowledgeService } from './KnowledgeService';

/**
 * Indexes past incidents as documents (title, summary, top hypotheses, resolution): the newest `max`
 * incidents, skipping the ones whose document is unchanged. Runs on a schedule and when incidents open.
 */
export async function indexIncidents(options: {
  knowledge: KnowledgeService;
  incidents: IncidentStore;
  analyses?: AnalysisStore;
  logger: LoggerService;
  max?: number;
}): Promise<number> {
  const max = options.max ?? 2000;
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = await options.incidents.list({ limit: 200, cursor });
    for (const incident of page.items) {
      seen++;
      try {
        const analysis = await options.analyses?.latest(incident.id);
        await options.knowledge.indexIncident(incident, analysis);
      } catch (e) {
        options.logger.warn(
          `Knowledge: incident ${incident.id} not indexed: ${
            (e as Error).message
          }`,
        );
      }
    }
    cursor = page.nextCursor;
  } while (cursor && seen < max);
  return seen;
}
