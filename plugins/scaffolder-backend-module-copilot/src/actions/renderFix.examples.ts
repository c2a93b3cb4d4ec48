import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: "Write an existing fix plan's files into the workspace",
    example: yaml.stringify({
      steps: [
        {
          id: 'render-fix',
          action: 'copilot:fix:render',
          name: 'Render fix plan',
          input: {
            planId: 'plan-7f3c2a',
            targetPath: 'remediation',
          },
        },
      ],
    }),
  },
  {
    description:
      'Draft a Kubernetes fix plan for an incident, then write its files',
    example: yaml.stringify({
      steps: [
        {
          id: 'render-fix',
          action: 'copilot:fix:render',
          name: 'Draft and render fix plan',
          input: {
            incidentId: 'inc-42',
            mode: 'k8s',
            strategy: 'rollout-undo',
          },
        },
      ],
    }),
  },
];
