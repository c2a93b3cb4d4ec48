import type {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  CopilotApiError,
  CopilotClient,
} from '@devops-copilot/backstage-plugin-copilot-common';

/** What the copilot actions need to reach the copilot backend. */
export interface CopilotActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
}

/**
 * A copilot client calling with a token for the copilot plugin, on behalf of the user who runs the
 * template (their permissions apply), as `copilot:incident:create` does.
 */
export async function copilotClientFor(
  options: CopilotActionOptions,
  credentials: BackstageCredentials,
): Promise<CopilotClient> {
  const { token } = await options.auth.getPluginRequestToken({
    onBehalfOf: credentials,
    targetPluginId: 'copilot',
  });
  return new CopilotClient({
    discoveryApi: options.discovery,
    fetchApi: {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string>),
            Authorization: `Bearer ${token}`,
          },
        }),
    },
  });
}

/** Turns a refusal by the copilot into an error naming what it refused and its problem detail. */
export async function refusalsExplained<T>(
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CopilotApiError) {
      throw new Error(
        `The copilot refused to ${what} (${e.status}): ${
          e.problem?.detail ?? e.message
        }`,
      );
    }
    throw e;
  }
}

/** An https URL without credentials, as the copilot accepts for plan links; the reason otherwise. */
export function httpsUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return 'is not an https URL';
  if (url.username || url.password) return 'carries credentials';
  return undefined;
}
