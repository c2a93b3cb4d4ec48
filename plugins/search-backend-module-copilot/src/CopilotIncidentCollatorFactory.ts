import { Readable } from 'node:stream';
import type {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type {
  DocumentCollatorFactory,
  IndexableDocument,
} from '@backstage/plugin-search-common';
import {
  copilotIncidentReadPermission,
  CopilotClient,
  type Incident,
} from '@devops-copilot/backstage-plugin-copilot-common';

/**
 * A search document for one incident.
 * @public
 */
export interface CopilotIncidentDocument extends IndexableDocument {
  entityRef: string;
  status: string;
  severity: string;
  openedAt: string;
}

/**
 * Indexes the copilot's incidents into the portal's search, page by page through the copilot API,
 * with `copilot.incident.read` as the visibility permission of every document.
 *
 * @public
 */
export class CopilotIncidentCollatorFactory implements DocumentCollatorFactory {
  readonly type = 'copilot-incident';
  readonly visibilityPermission = copilotIncidentReadPermission;

  private constructor(
    private readonly client: CopilotClient,
    private readonly logger: LoggerService,
    private readonly pageSize: number,
  ) {}

  static fromConfig(
    config: Config,
    options: {
      discovery: DiscoveryService;
      auth: AuthService;
      logger: LoggerService;
    },
  ): CopilotIncidentCollatorFactory {
    const pageSize =
      config.getOptionalNumber('search.collators.copilot.pageSize') ?? 200;
    const { auth } = options;
    const client = new CopilotClient({
      discoveryApi: options.discovery,
      fetchApi: {
        fetch: async (input, init) => {
          const { token } = await auth.getPluginRequestToken({
            onBehalfOf: await auth.getOwnServiceCredentials(),
            targetPluginId: 'copilot',
          });
          return fetch(input, {
            ...init,
            headers: {
              ...(init?.headers as Record<string, string>),
              Authorization: `Bearer ${token}`,
            },
          });
        },
      },
    });
    return new CopilotIncidentCollatorFactory(client, options.logger, pageSize);
  }

  async getCollator(): Promise<Readable> {
    return Readable.from(this.execute());
  }

  private async *execute(): AsyncGenerator<CopilotIncidentDocument> {
    let cursor: string | undefined;
    let count = 0;
    do {
      const page = await this.client.listIncidents({
        limit: this.pageSize,
        cursor,
      });
      for (const incident of page.items) {
        count += 1;
        yield toDocument(incident);
      }
      cursor = page.nextCursor;
    } while (cursor);
    this.logger.info(`Collated ${count} copilot incidents`);
  }
}

function toDocument(incident: Incident): CopilotIncidentDocument {
  const affected = incident.affectedEntityRefs.length
    ? ` Also affected: ${incident.affectedEntityRefs.join(', ')}.`
    : '';
  return {
    title: incident.title,
    text: `${incident.summary ?? ''} Entity: ${incident.entityRef}. Status: ${
      incident.status
    }. Severity: ${incident.severity}.${affected}`.trim(),
    location: `/copilot/incidents/${encodeURIComponent(incident.id)}`,
    entityRef: incident.entityRef,
    status: incident.status,
    severity: incident.severity,
    openedAt: incident.openedAt,
    authorization: { resourceRef: incident.id },
  };
}
