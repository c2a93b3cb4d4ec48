// Terraform rendering: the module call of the entity with the changed inputs, as valid HCL (HCL native syntax).
// Every string goes through hclString; identifiers through hclIdent; applied with a saved plan file.
import {
  configKey,
  configValue,
  hclIdent,
  hclString,
  quantity,
  version,
} from '../escape';
import { RenderError, type RenderInput, type Rendered } from './types';

export function renderTerraform(input: RenderInput): Rendered {
  const t = input.entity.terraform;
  if (!t)
    throw new RenderError(
      `${input.entity.ref} has no Terraform module in its metadata`,
    );
  const mod = hclIdent(t.module);
  const lines = [
    `# Remediation for ${input.entity.ref.replace(
      /[^\w:/.-]/g,
      '',
    )}: ${input.proposal.summary.replace(/[\r\n]/g, ' ')}`,
    `module "${mod}" {`,
    `  source = ${hclString(t.source)}`,
  ];
  const rollback: string[] = [];
  for (const i of input.intents) {
    switch (i.type) {
      case 'undo':
        if (!i.previousVersion)
          throw new RenderError(
            'a Terraform rollback needs the previous version',
          );
        lines.push(`  image_tag = ${hclString(version(i.previousVersion))}`);
        break;
      case 'scale':
        lines.push(`  replicas = ${Math.trunc(i.replicas)}`);
        rollback.push(`replicas = ${input.entity.workload?.replicas ?? 2}`);
        break;
      case 'resources':
        if (i.limits?.memory)
          lines.push(
            `  memory_limit = ${hclString(quantity(i.limits.memory))}`,
          );
        if (i.limits?.cpu)
          lines.push(`  cpu_limit = ${hclString(quantity(i.limits.cpu))}`);
        break;
      case 'config':
        lines.push('  config = {');
        for (const [k, v] of Object.entries(i.data))
          lines.push(
            `    ${hclString(configKey(k))} = ${hclString(configValue(v))}`,
          );
        lines.push('  }');
        break;
      case 'quota':
        lines.push('  quota_hard = {');
        for (const [k, v] of Object.entries(i.hard))
          lines.push(
            `    ${hclString(configKey(k))} = ${hclString(quantity(v))}`,
          );
        lines.push('  }');
        break;
      default:
        throw new RenderError(`tf mode cannot express a ${i.type} change`);
    }
  }
  lines.push('}');
  return {
    artifacts: [
      { path: 'main.tf', content: `${lines.join('\n')}\n` },
      {
        path: 'commands.sh',
        content:
          '#!/usr/bin/env bash\nset -euo pipefail\n\nterraform init -input=false\nterraform plan -input=false -out=remediation.tfplan\nterraform apply -input=false remediation.tfplan\n',
      },
    ],
    steps: [
      { title: `Change the inputs of module.${mod}`, artifact: 'main.tf' },
      {
        title:
          'terraform plan to a saved plan file, review, then apply that file',
        artifact: 'commands.sh',
      },
    ],
    preChecks: [
      {
        id: 'plan-clean',
        description:
          'terraform plan shows only the intended in-place updates (no destroy/replace)',
        command: 'terraform plan -input=false -detailed-exitcode',
      },
    ],
    rollbackSteps: [
      {
        title: `Revert main.tf to the previous inputs of module.${mod} and apply`,
        detail: rollback.join(', ') || undefined,
      },
    ],
    rollbackArtifacts: [],
  };
}
