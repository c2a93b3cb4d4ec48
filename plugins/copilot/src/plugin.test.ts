import { createExtensionTester } from '@backstage/frontend-test-utils';
import plugin, { copilotApiRef } from './index';
import { copilotPage } from './plugin';

describe('copilot frontend plugin', () => {
  it('is the copilot plugin with its API ref', () => {
    expect(plugin.id).toBe('copilot');
    expect(copilotApiRef.id).toBe('plugin.copilot.api');
  });

  it('renders the copilot page at its path', async () => {
    const tester = createExtensionTester(copilotPage);
    expect(
      tester.query(copilotPage).get(
        // the page extension outputs its mount path
        (await import('@backstage/frontend-plugin-api')).coreExtensionData
          .routePath,
      ),
    ).toBe('/copilot');
  });
});
