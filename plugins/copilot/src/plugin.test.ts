import { copilotPlugin } from './plugin';

describe('copilot', () => {
  it('should export plugin', () => {
    expect(copilotPlugin).toBeDefined();
  });
});
