// Helpers of the service tests that run the plugin in a test backend: catalog entities with their
// relations as the catalog would emit them, and waiting for an incident's analysis.
import type { Entity } from '@backstage/catalog-model';
import request from 'supertest';

/**
 * A Component or Resource of the `default` namespace owned by `group:default/team-<name>`, with its
 * `dependsOn` targets (full refs) as relations; `type` defaults to `database` for Resources.
 */
export function catalogEntity(
  kind: 'Component' | 'Resource',
  name: string,
  dependsOn: string[] = [],
  options: { type?: string; annotations?: Record<string, string> } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: {
      type: options.type ?? (kind === 'Resource' ? 'database' : 'service'),
      owner: `group:default/team-${name}`,
      lifecycle: 'production',
      dependsOn,
    },
    relations: [
      ...dependsOn.map(targetRef => ({ type: 'dependsOn', targetRef })),
      { type: 'ownedBy', targetRef: `group:default/team-${name}` },
    ],
  };
}

/**
 * The incident's analysis once it is stored (polled every 50 ms, at most `timeoutMs`); undefined when
 * none came. `authorization` is sent as the Authorization header when given.
 */
export async function waitForAnalysis(
  server: Parameters<typeof request>[0],
  incidentId: string,
  options: { authorization?: string; timeoutMs?: number } = {},
): Promise<any> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const req = request(server).get(`/api/copilot/v1/incidents/${incidentId}`);
    if (options.authorization) req.set('Authorization', options.authorization);
    const analysis = (await req).body.analysis;
    if (analysis || Date.now() > deadline) return analysis;
    await new Promise(r => setTimeout(r, 50));
  }
}
