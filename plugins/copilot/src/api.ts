import {
  ApiBlueprint,
  createApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  CopilotClient,
  type CopilotApi,
} from '@devops-copilot/backstage-plugin-copilot-common';

/**
 * The copilot REST API, as the frontend sees it.
 * @public
 */
export const copilotApiRef = createApiRef<CopilotApi>({
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
