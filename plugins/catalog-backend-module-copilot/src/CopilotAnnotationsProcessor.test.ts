import type { Entity } from '@backstage/catalog-model';
import { startTestBackend } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { CopilotAnnotationsProcessor } from './CopilotAnnotationsProcessor';
import { catalogModuleCopilot } from './module';

const location = {
  type: 'url',
  target: 'https://example.com/catalog-info.yaml',
};
const entity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout-service', annotations },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

async function run(annotations: Record<string, string>) {
  const emit = jest.fn();
  const input = entity(annotations);
  const output = await new CopilotAnnotationsProcessor().postProcessEntity(
    input,
    location,
    emit,
  );
  return { emit, output, input };
}

describe('CopilotAnnotationsProcessor', () => {
  it('accepts valid annotations and keeps the entity unchanged', async () => {
    const { emit, output, input } = await run({
      'copilot.dev/selector': 'app=checkout,namespace=shop',
      'copilot.dev/slo':
        'availability: 99.9% over 30d; latency_p95_ms < 300 over 7d',
      'copilot.dev/runbook': '../runbooks/checkout-5xx.md',
    });
    expect(emit).not.toHaveBeenCalled();
    expect(output).toBe(input);
  });

  it.each([
    'techdocs:runbooks/checkout-5xx',
    'techdocs:',
    'https://wiki.example.com/runbooks/checkout',
    './docs/runbook.pdf',
  ])('accepts the runbook reference %p', async runbook => {
    const { emit } = await run({ 'copilot.dev/runbook': runbook });
    expect(emit).not.toHaveBeenCalled();
  });

  it('reports each bad annotation as an input error naming the value and the syntax', async () => {
    const { emit, output } = await run({
      'copilot.dev/selector': 'app',
      'copilot.dev/slo': 'availability 99.9',
      'copilot.dev/runbook': 'ask bob',
    });
    expect(output.metadata.name).toBe('checkout-service');
    const messages = emit.mock.calls.map(([r]) => {
      expect(r.type).toBe('error');
      expect(r.location).toBe(location);
      return r.error.message as string;
    });
    expect(messages).toEqual([
      expect.stringMatching(
        /checkout-service' has an invalid copilot\.dev\/selector annotation: .*expected key=value/,
      ),
      expect.stringMatching(
        /copilot\.dev\/slo annotation: SLO 'availability 99\.9' is not understood/,
      ),
      expect.stringMatching(
        /copilot\.dev\/runbook annotation: 'ask bob' is neither an http\(s\) URL, nor a TechDocs page/,
      ),
    ]);
  });

  it('ignores entities without copilot annotations', async () => {
    const { emit } = await run({});
    expect(emit).not.toHaveBeenCalled();
  });
});

describe('catalogModuleCopilot', () => {
  it('registers the processor with the catalog', async () => {
    const addProcessor = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [catalogProcessingExtensionPoint, { addProcessor } as any],
      ],
      features: [catalogModuleCopilot],
    });
    expect(addProcessor).toHaveBeenCalledWith(
      expect.any(CopilotAnnotationsProcessor),
    );
  });
});
