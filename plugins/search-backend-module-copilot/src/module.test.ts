import { startTestBackend } from '@backstage/backend-test-utils';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import { searchModuleCopilot } from './module';
import { CopilotIncidentCollatorFactory } from './CopilotIncidentCollatorFactory';
import { CopilotKnowledgeCollatorFactory } from './CopilotKnowledgeCollatorFactory';

describe('searchModuleCopilot', () => {
  it('registers the incident and knowledge collators with schedules', async () => {
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
    expect(addCollator).toHaveBeenCalledTimes(2);
    const [{ factory, schedule }] = addCollator.mock.calls[0];
    expect(factory).toBeInstanceOf(CopilotIncidentCollatorFactory);
    expect(typeof schedule.run).toBe('function');
    const [knowledge] = addCollator.mock.calls[1];
    expect(knowledge.factory).toBeInstanceOf(CopilotKnowledgeCollatorFactory);
    expect(knowledge.factory.type).toBe('copilot-knowledge');
    expect(typeof knowledge.schedule.run).toBe('function');
  });
});
