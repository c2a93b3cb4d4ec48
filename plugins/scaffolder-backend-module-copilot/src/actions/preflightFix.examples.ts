import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Fail the template when preflight blocks the plan rendered before',
    example: yaml.stringify({
      steps: [
        {
          id: 'preflight',
          action: 'copilot:fix:preflight',
          name: 'Preflight',
          input: {
            planId: "${{ steps['render-fix'].output.planId }}",
          },
        },
      ],
    }),
  },
  {
    description: 'Also fail on warnings',
    example: yaml.stringify({
      steps: [
        {
          id: 'preflight',
          action: 'copilot:fix:preflight',
          name: 'Strict preflight',
          input: { planId: 'plan-7f3c2a', failOn: 'warn' },
        },
      ],
    }),
  },
];
