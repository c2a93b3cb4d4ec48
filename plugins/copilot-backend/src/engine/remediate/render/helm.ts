// Helm rendering: a values override file (the diff against the release's values) and helm upgrade/rollback.
// Values keys follow the conventions of `helm create` charts (replicaCount, resources, podAnnotations, env).
import { stringify } from 'yaml';
import {
  configKey,
  configValue,
  envName,
  helmChart,
  k8sNamespace,
  quantity,
  shellQuote,
} from '../escape';
import { RenderError, type RenderInput, type Rendered } from './types';

export function renderHelm(input: RenderInput): Rendered {
  const h = input.entity.helm;
  if (!h)
    throw new RenderError(
      `${input.entity.ref} has no Helm release in its metadata`,
    );
  const release = k8sNamespace(h.release);
  const chart = helmChart(h.chart);
  const ns = k8sNamespace(
    h.namespace ?? input.entity.workload?.namespace ?? 'default',
  );
  const q = shellQuote;
  const out: Rendered = {
    artifacts: [],
    steps: [],
    preChecks: [],
    rollbackSteps: [],
    rollbackArtifacts: [],
  };
  const values: Record<string, unknown> = {};
  const cmds = ['#!/usr/bin/env bash', 'set -euo pipefail', ''];
  let upgrade = false;
  for (const i of input.intents) {
    switch (i.type) {
      case 'undo':
        if (
          h.revision !== undefined &&
          (!Number.isInteger(h.revision) || h.revision < 2)
        )
          throw new RenderError('no previous Helm revision');
        cmds.push(
          `helm rollback ${q(release)}${
            h.revision ? ` ${h.revision - 1}` : ''
          } -n ${q(ns)} --wait --timeout 10m`,
        );
        out.steps.push({
          title: `helm rollback ${release}${
            h.revision ? ` to revision ${h.revision - 1}` : ''
          }`,
          artifact: 'commands.sh',
        });
        break;
      case 'restart':
        values.podAnnotations = {
          'copilot.backstage.io/restartedAt': configValue(input.at),
        };
        upgrade = true;
        break;
      case 'env':
        values.env = Object.entries(i.env).map(([k, v]) => ({
          name: envName(k),
          value: configValue(v),
        }));
        upgrade = true;
        break;
      case 'resources': {
        const limits: Record<string, string> = {};
        if (i.limits?.cpu) limits.cpu = quantity(i.limits.cpu);
        if (i.limits?.memory) limits.memory = quantity(i.limits.memory);
        values.resources = { limits };
        upgrade = true;
        break;
      }
      case 'scale':
        values.replicaCount = i.replicas;
        upgrade = true;
        break;
      case 'config': {
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(i.data))
          data[configKey(k)] = configValue(v);
        values.config = data;
        upgrade = true;
        break;
      }
      default:
        throw new RenderError(`helm mode cannot express a ${i.type} change`);
    }
  }
  if (upgrade) {
    const file = 'values-remediation.yaml';
    out.artifacts.push({
      path: file,
      content: `# Overrides on top of the release's current values (helm upgrade --reuse-values -f ${file}).\n${stringify(
        values,
        { lineWidth: 0 },
      )}`,
    });
    cmds.push(
      `helm upgrade ${q(release)} ${q(chart)} -n ${q(ns)} --reuse-values -f ${q(
        file,
      )} --atomic --wait --timeout 10m`,
    );
    out.steps.push({
      title: `helm upgrade ${release} with ${Object.keys(values).join(', ')}`,
      artifact: file,
    });
    out.artifacts.push({
      path: 'rollback.sh',
      content: `#!/usr/bin/env bash\nset -euo pipefail\n\nhelm rollback ${q(
        release,
      )} -n ${q(ns)} --wait --timeout 10m\n`,
    });
    out.rollbackArtifacts.push('rollback.sh');
    out.rollbackSteps.push({
      title: `helm rollback ${release} to the revision before the upgrade`,
      artifact: 'rollback.sh',
    });
  } else {
    out.rollbackSteps.push({
      title: 'Nothing to undo: the change returns to a previous revision',
    });
  }
  out.artifacts.unshift({
    path: 'commands.sh',
    content: `${cmds.join('\n')}\n`,
  });
  out.preChecks.push(
    {
      id: 'release-deployed',
      description: `release ${release} is deployed and not pending`,
      command: `helm status ${release} -n ${ns}`,
    },
    {
      id: 'diff',
      description: 'the rendered diff matches the plan',
      command: `helm diff upgrade ${release} ${chart} -n ${ns} --reuse-values -f values-remediation.yaml`,
    },
  );
  return out;
}
