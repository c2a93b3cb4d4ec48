import {
  ApiBlueprint,
  createApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  CopilotClient,
  type CopilotApi,
  type CopilotKnowledgeApi,
} from '@devops-copilot/backstage-plugin-copilot-common';

/**
 * Everything the copilot frontend calls: incidents and anomalies ({@link CopilotApi}) plus knowledge
 * search, cited answers and fix plans ({@link CopilotKnowledgeApi}). `CopilotClient` implements both.
 * @public
 */
export type CopilotFrontendApi = CopilotApi & CopilotKnowledgeApi;

/**
 * The copilot REST API, as the frontend sees it.
 * @public
 */
export const copilotApiRef = createApiRef<CopilotFrontendApi>({
  id: 'plugin.copilot.api',
});

/** Provides {@link copilotApiRef} with the HTTP client, authenticated through the fetch API. */
export const copilotApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: copilotApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new CopilotClient({ discoveryApi, fetchApi }),
    }),
});
