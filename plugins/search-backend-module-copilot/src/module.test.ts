import { startTestBackend } from '@backstage/backend-test-utils';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import { searchModuleCopilot } from './module';
import { CopilotIncidentCollatorFactory } from './CopilotIncidentCollatorFactory';

describe('searchModuleCopilot', () => {
  it('registers the incident collator with a schedule', async () => {
    const addCollator = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [
          searchIndexRegistryExtensionPoint,
          { addCollator, addDecorator: jest.fn() },
        ],
      ],
      features: [searchModuleCopilot],
    });
    expect(addCollator).toHaveBeenCalledTimes(1);
    const [{ factory, schedule }] = addCollator.mock.calls[0];
    expect(factory).toBeInstanceOf(CopilotIncidentCollatorFactory);
    expect(typeof schedule.run).toBe('function');
  });
});
