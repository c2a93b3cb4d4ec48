import { resolve } from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import {
  copilotSignalSourcesExtensionPoint,
  type CopilotSignalSource,
} from '@devops-copilot/backstage-plugin-copilot-node';
import type { SignalInput } from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotModuleSimulator } from './module';

function fakeCopilot(sources: CopilotSignalSource[]) {
  return createBackendPlugin({
    pluginId: 'copilot',
    register(env) {
      env.registerExtensionPoint(copilotSignalSourcesExtensionPoint, {
        addSignalSource: (...s) => sources.push(...s),
      });
      env.registerInit({ deps: {}, async init() {} });
    },
  });
}

describe('simulator module', () => {
  const catalogPath = resolve(__dirname, '../../../examples/catalog');
  jest.setTimeout(30_000);

  it('registers a source that backfills history into the sink when enabled', async () => {
    const received: SignalInput[] = [];
    const sources: CopilotSignalSource[] = [];
    await startTestBackend({
      features: [
        fakeCopilot(sources),
        copilotModuleSimulator,
        mockServices.rootConfig.factory({
          data: {
            copilot: {
              simulator: {
                enabled: true,
                catalogPath,
                backfillMinutes: 2,
                tickSeconds: 3600,
              },
            },
          },
        }),
      ],
    });
    expect(sources.map(s => s.id)).toEqual(['simulator']);
    const abort = new AbortController();
    const running = sources[0].start(
      {
        async ingest(signals) {
          received.push(...(signals as SignalInput[]));
          return {
            accepted: signals.length,
            rejected: 0,
            unresolved: 0,
            errors: [],
          };
        },
      },
      { signal: abort.signal },
    );
    for (let i = 0; i < 100 && received.length === 0; i++)
      await new Promise(r => setTimeout(r, 20));
    abort.abort();
    await running;
    expect(received.length).toBeGreaterThan(100);
    expect(new Set(received.map(s => s.labels?.service))).toContain(
      'payments-service',
    );
    const newest = Math.max(...received.map(s => Date.parse(String(s.ts))));
    expect(newest).toBeLessThanOrEqual(Date.now());
  });

  it('registers nothing when disabled', async () => {
    const sources: CopilotSignalSource[] = [];
    await startTestBackend({
      features: [
        fakeCopilot(sources),
        copilotModuleSimulator,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    expect(sources).toEqual([]);
  });

  it('rejects an unknown scenario with the list of known ones', async () => {
    await expect(
      startTestBackend({
        features: [
          fakeCopilot([]),
          copilotModuleSimulator,
          mockServices.rootConfig.factory({
            data: {
              copilot: { simulator: { enabled: true, scenario: 'chaos' } },
            },
          }),
        ],
      }),
    ).rejects.toThrow(/scenario 'chaos' is unknown; use one of bad-deploy/);
  });
});
