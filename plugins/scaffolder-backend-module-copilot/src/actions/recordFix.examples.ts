import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Link the pull request opened by publish:github:pull-request to the fix plan',
    example: yaml.stringify({
      steps: [
        {
          id: 'record',
          action: 'copilot:fix:record',
          name: 'Record pull request',
          input: {
            planId: "${{ steps['render-fix'].output.planId }}",
            pullRequestUrl: "${{ steps['pull-request'].output.remoteUrl }}",
            note: 'Opened from the copilot-fix template',
          },
        },
      ],
    }),
  },
];
