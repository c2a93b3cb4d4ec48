// kubectl rendering: rollout commands and strategic-merge patch files for the entity's workload.
// Patches carry the base hash annotation so preflight can tell when the live object moved on.
import { stringify } from 'yaml';
import {
  configKey,
  configValue,
  envName,
  k8sName,
  k8sNamespace,
  quantity,
  shellQuote,
} from '../escape';
import type { ChangeIntent } from '../types';
import { RenderError, type RenderInput, type Rendered } from './types';

export const BASE_HASH_ANNOTATION = 'copilot.backstage.io/base-hash';

export function renderK8s(input: RenderInput): Rendered {
  const w = input.entity.workload;
  if (!w)
    throw new RenderError(
      `${input.entity.ref} has no Kubernetes workload in its metadata`,
    );
  const name = k8sName(w.name);
  const ns = k8sNamespace(w.namespace);
  const kind = w.kind;
  const res = `${kind.toLowerCase()}/${name}`;
  const container = k8sName(w.container ?? w.name, 'container name');
  const q = shellQuote;
  const out: Rendered = {
    artifacts: [],
    steps: [],
    preChecks: [],
    rollbackSteps: [],
    rollbackArtifacts: [],
  };
  const cmds: string[] = ['#!/usr/bin/env bash', 'set -euo pipefail', ''];
  const rollback: string[] = ['#!/usr/bin/env bash', 'set -euo pipefail', ''];
  const annotations = input.baseHash
    ? { [BASE_HASH_ANNOTATION]: input.baseHash }
    : undefined;
  const patchFile = (file: string, obj: unknown) => {
    out.artifacts.push({
      path: file,
      content: stringify(obj, { lineWidth: 0 }),
    });
  };
  const workloadPatch = (podSpec: Record<string, unknown>) => ({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
    spec: { template: { spec: podSpec } },
  });
  let undoWorkload = false;
  const apply = (i: ChangeIntent) => {
    switch (i.type) {
      case 'restart':
        cmds.push(`kubectl rollout restart ${q(res)} -n ${q(ns)}`);
        out.steps.push({
          title: `Rolling restart of ${res}`,
          artifact: 'commands.sh',
        });
        break;
      case 'undo':
        cmds.push(
          `kubectl rollout undo ${q(res)} -n ${q(ns)}${
            i.toRevision ? ` --to-revision=${i.toRevision}` : ''
          }`,
        );
        out.steps.push({
          title: `Roll ${res} back${
            i.toRevision ? ` to revision ${i.toRevision}` : ''
          }`,
          artifact: 'commands.sh',
        });
        rollback.push(`kubectl rollout undo ${q(res)} -n ${q(ns)}`);
        break;
      case 'pause':
        cmds.push(`kubectl rollout pause ${q(res)} -n ${q(ns)}`);
        out.steps.push({
          title: `Pause the rollout of ${res}`,
          artifact: 'commands.sh',
        });
        rollback.push(`kubectl rollout resume ${q(res)} -n ${q(ns)}`);
        break;
      case 'env': {
        const file = `patch-${name}-env.yaml`;
        const env = Object.entries(i.env).map(([k, v]) => ({
          name: envName(k),
          value: configValue(v),
        }));
        patchFile(
          file,
          workloadPatch({ containers: [{ name: container, env }] }),
        );
        cmds.push(
          `kubectl patch ${q(res)} -n ${q(
            ns,
          )} --type strategic --patch-file ${q(file)}`,
        );
        out.steps.push({
          title: `Set ${Object.keys(i.env).join(', ')} on ${res}`,
          artifact: file,
        });
        undoWorkload = true;
        break;
      }
      case 'resources': {
        const file = `patch-${name}-resources.yaml`;
        const limits: Record<string, string> = {};
        if (i.limits?.cpu) limits.cpu = quantity(i.limits.cpu);
        if (i.limits?.memory) limits.memory = quantity(i.limits.memory);
        const requests: Record<string, string> = {};
        if (i.requests?.cpu) requests.cpu = quantity(i.requests.cpu);
        if (i.requests?.memory) requests.memory = quantity(i.requests.memory);
        patchFile(
          file,
          workloadPatch({
            containers: [
              {
                name: container,
                resources: {
                  limits,
                  ...(Object.keys(requests).length ? { requests } : {}),
                },
              },
            ],
          }),
        );
        cmds.push(
          `kubectl patch ${q(res)} -n ${q(
            ns,
          )} --type strategic --patch-file ${q(file)}`,
        );
        out.steps.push({
          title: `Raise the limits of ${container} in ${res}`,
          artifact: file,
        });
        undoWorkload = true;
        break;
      }
      case 'scale': {
        if (!Number.isInteger(i.replicas) || i.replicas < 1)
          throw new RenderError(`bad replica count ${i.replicas}`);
        cmds.push(
          `kubectl scale ${q(res)} -n ${q(ns)} --replicas=${i.replicas}`,
        );
        out.steps.push({
          title: `Scale ${res} to ${i.replicas} replicas`,
          artifact: 'commands.sh',
        });
        rollback.push(
          `kubectl scale ${q(res)} -n ${q(ns)} --replicas=${w.replicas ?? 2}`,
        );
        break;
      }
      case 'config': {
        const cm = k8sName(i.name, 'ConfigMap name');
        const file = `patch-configmap-${cm}.yaml`;
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(i.data))
          data[configKey(k)] = configValue(v);
        patchFile(file, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: cm, namespace: ns },
          data,
        });
        cmds.push(
          `kubectl patch configmap ${q(cm)} -n ${q(
            ns,
          )} --type merge --patch-file ${q(file)}`,
        );
        out.steps.push({
          title: `Set ${Object.keys(data).join(', ')} in ConfigMap ${cm}`,
          artifact: file,
        });
        break;
      }
      case 'quota': {
        const rq = k8sName(i.name, 'ResourceQuota name');
        const file = `patch-resourcequota-${rq}.yaml`;
        const hard: Record<string, string> = {};
        for (const [k, v] of Object.entries(i.hard))
          hard[configKey(k)] = quantity(v);
        patchFile(file, {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: rq, namespace: ns },
          spec: { hard },
        });
        cmds.push(
          `kubectl patch resourcequota ${q(rq)} -n ${q(
            ns,
          )} --type merge --patch-file ${q(file)}`,
        );
        out.steps.push({ title: `Raise quota ${rq}`, artifact: file });
        break;
      }
      default:
        throw new RenderError(`k8s mode cannot express a ${i.type} change`);
    }
  };
  input.intents.forEach(apply);
  if (
    input.intents.some(
      i => i.type !== 'pause' && i.type !== 'quota' && i.type !== 'config',
    )
  )
    cmds.push(`kubectl rollout status ${q(res)} -n ${q(ns)} --timeout=10m`);
  if (undoWorkload)
    rollback.push(
      `kubectl rollout undo ${q(res)} -n ${q(ns)}`,
      `kubectl rollout status ${q(res)} -n ${q(ns)} --timeout=10m`,
    );
  out.artifacts.push({ path: 'commands.sh', content: `${cmds.join('\n')}\n` });
  if (rollback.length > 3) {
    out.artifacts.push({
      path: 'rollback.sh',
      content: `${rollback.join('\n')}\n`,
    });
    out.rollbackArtifacts.push('rollback.sh');
    out.rollbackSteps.push({
      title: `Undo the change to ${res}`,
      artifact: 'rollback.sh',
    });
  } else {
    out.rollbackSteps.push({
      title: 'Nothing to undo: the change returns to a previous state',
      detail: 'If the SLIs do not recover, escalate to the owner.',
    });
  }
  out.preChecks.push(
    {
      id: 'target-exists',
      description: `${res} exists in ${ns} and matches the plan's base`,
      command: `kubectl get ${res} -n ${ns} -o yaml`,
    },
    {
      id: 'rbac',
      description: 'the runner may change the target',
      command: `kubectl auth can-i patch ${kind.toLowerCase()} -n ${ns}`,
    },
    {
      id: 'rollout-healthy',
      description: 'no other rollout is in progress',
      command: `kubectl rollout status ${res} -n ${ns} --timeout=10s`,
    },
  );
  return out;
}
