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
  copilotDocsReadPermission,
  CopilotClient,
  type KnowledgeChunk,
  type KnowledgeDoc,
  type KnowledgeDocKind,
} from '@devops-copilot/backstage-plugin-copilot-common';

/**
 * A search document for one runbook, postmortem or ADR of the copilot's knowledge store.
 * @public
 */
export interface CopilotKnowledgeDocument extends IndexableDocument {
  kind: KnowledgeDocKind;
  source: string;
  /** Owner entity ref, when the document has one. */
  owner?: string;
  tags: string[];
  /** Section headings of the document, for display and boosting. */
  headings: string[];
  updatedAt: string;
}

/** Kinds collated by default: incidents have their own collator (`copilot-incident`). */
const DEFAULT_KINDS: KnowledgeDocKind[] = [
  'runbook',
  'postmortem',
  'adr',
  'other',
];

/** Longest text indexed per document (the portal search shows a snippet, not the whole runbook). */
const DEFAULT_MAX_TEXT = 20_000;

/**
 * Indexes the copilot's runbooks, postmortems and ADRs into the portal's search, page by page through the
 * copilot API (`GET /v1/docs`, then each document with its chunks), with `copilot.docs.read` as the
 * visibility permission of every document.
 *
 * @public
 */
export class CopilotKnowledgeCollatorFactory
  implements DocumentCollatorFactory
{
  readonly type = 'copilot-knowledge';
  readonly visibilityPermission = copilotDocsReadPermission;

  private constructor(
    private readonly client: CopilotClient,
    private readonly logger: LoggerService,
    private readonly options: {
      pageSize: number;
      kinds: KnowledgeDocKind[];
      maxText: number;
    },
  ) {}

  static fromConfig(
    config: Config,
    options: {
      discovery: DiscoveryService;
      auth: AuthService;
      logger: LoggerService;
    },
  ): CopilotKnowledgeCollatorFactory {
    const c = config.getOptionalConfig('search.collators.copilotKnowledge');
    const kinds = (c?.getOptionalStringArray('kinds') ??
      DEFAULT_KINDS) as KnowledgeDocKind[];
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
    return new CopilotKnowledgeCollatorFactory(client, options.logger, {
      pageSize: c?.getOptionalNumber('pageSize') ?? 100,
      kinds,
      maxText: c?.getOptionalNumber('maxTextChars') ?? DEFAULT_MAX_TEXT,
    });
  }

  async getCollator(): Promise<Readable> {
    return Readable.from(this.execute());
  }

  private async *execute(): AsyncGenerator<CopilotKnowledgeDocument> {
    let count = 0;
    for (const kind of this.options.kinds) {
      let cursor: string | undefined;
      do {
        const page = await this.client.listDocs({
          kind,
          limit: this.options.pageSize,
          cursor,
        });
        for (const doc of page.items) {
          const full = await this.client.getDoc(doc.id, {
            includeChunks: true,
          });
          count += 1;
          yield toDocument(full, full.chunks ?? [], this.options.maxText);
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
    this.logger.info(`Collated ${count} copilot knowledge documents`);
  }
}

function toDocument(
  doc: KnowledgeDoc,
  chunks: KnowledgeChunk[],
  maxText: number,
): CopilotKnowledgeDocument {
  const headings = [
    ...new Set(chunks.flatMap(c => c.headingPath.slice(1))),
  ].filter(h => h !== doc.title);
  let text = chunks.map(c => c.text).join('\n\n');
  if (text.length > maxText) text = `${text.slice(0, maxText)} ...`;
  return {
    title: doc.title,
    text,
    location: `/copilot/docs/${encodeURIComponent(doc.id)}`,
    kind: doc.kind,
    source: doc.source,
    ...(doc.ownerEntityRef ? { owner: doc.ownerEntityRef } : {}),
    tags: doc.tags,
    headings,
    updatedAt: doc.updatedAt,
  };
}
