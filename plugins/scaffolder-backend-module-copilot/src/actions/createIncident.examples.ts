import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Open an incident on a component from a template',
    example: yaml.stringify({
      steps: [
        {
          id: 'open-incident',
          action: 'copilot:incident:create',
          name: 'Open incident',
          input: {
            entityRef: 'component:default/checkout-service',
            title: 'Checkout latency above SLO after the 14:00 release',
            severity: 'high',
            summary:
              'Reported by the on-call engineer from the release checklist.',
          },
        },
      ],
    }),
  },
];
