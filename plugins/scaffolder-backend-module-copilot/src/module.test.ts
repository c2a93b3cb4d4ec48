import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { scaffolderModuleCopilot } from './module';

describe('scaffolderModuleCopilot', () => {
  const registered = async () => {
    const actions: any[] = [];
    await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...a: any[]) => actions.push(...a) },
        ],
      ],
      features: [scaffolderModuleCopilot],
    });
    return actions;
  };

  it('registers the incident and fix actions, all supporting dry runs', async () => {
    const actions = await registered();
    expect(actions.map(a => a.id)).toEqual([
      'copilot:incident:create',
      'copilot:fix:render',
      'copilot:fix:preflight',
      'copilot:fix:record',
    ]);
    for (const a of actions) {
      expect({ id: a.id, dryRun: a.supportsDryRun }).toEqual({
        id: a.id,
        dryRun: true,
      });
      expect(a.examples.length).toBeGreaterThan(0);
    }
  });

  it('examples/templates/copilot-fix chains the fix actions with inputs they declare', async () => {
    const actions = new Map((await registered()).map(a => [a.id, a]));
    const template = yaml.parse(
      readFileSync(
        resolve(
          __dirname,
          '../../../examples/templates/copilot-fix/template.yaml',
        ),
        'utf8',
      ),
    );
    const steps: Array<{ id: string; action: string; input: object }> =
      template.spec.steps;
    expect(steps.map(s => s.action)).toEqual([
      'copilot:fix:render',
      'copilot:fix:render',
      'copilot:fix:preflight',
      'publish:github:pull-request',
      'copilot:fix:record',
    ]);
    for (const step of steps.filter(s => s.action.startsWith('copilot:'))) {
      const declared = Object.keys(
        actions.get(step.action).schema.input.properties,
      );
      const unknown = Object.keys(step.input).filter(
        k => !declared.includes(k),
      );
      expect({ step: step.id, unknown }).toEqual({
        step: step.id,
        unknown: [],
      });
    }
    const params = template.spec.parameters.flatMap((p: any) =>
      Object.keys(p.properties),
    );
    expect(params).toEqual(['planId', 'incidentId', 'mode', 'repoUrl']);
  });
});
