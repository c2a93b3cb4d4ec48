// Artifact classification for preflight: which checker reads a plan file, from its name, mode and shape.
// Follows the layouts of the tools themselves (Helm charts, Ansible roles, Kustomize, migration pairs).
import type { PlanArtifact, PreflightInput } from './types';

export type ArtifactClass =
  | 'shell'
  | 'sql'
  | 'sql-down'
  | 'terraform'
  | 'ansible'
  | 'ansible-tasks'
  | 'helm-values'
  | 'k8s'
  | 'yaml-data'
  | 'doc'
  | 'data'
  | 'other';

/** The file name of a relative path. */
export function base(path: string): string {
  return path.split('/').pop() ?? path;
}

function looksLikePlaybook(text: string): boolean {
  return (
    /^-\s+(name:[^\n]*\n\s+)?(hosts|import_playbook):/m.test(text) ||
    /^\s*-\s+hosts:/m.test(text)
  );
}

/** What kind of file an artifact is, from its name, the plan mode and (for YAML) its shape. */
export function classifyArtifact(
  a: PlanArtifact,
  mode: PreflightInput['mode'],
): ArtifactClass {
  const name = base(a.path).toLowerCase();
  const dirs = a.path.toLowerCase().split('/').slice(0, -1);
  if (/\.(sh|bash)$/.test(name)) return 'shell';
  if (/\.down\.sql$/.test(name)) return 'sql-down';
  if (/\.sql$/.test(name)) return 'sql';
  if (/\.(tf|tfvars|hcl)$/.test(name)) return 'terraform';
  if (/\.(md|txt|rst)$/.test(name)) return 'doc';
  if (
    name === 'chart.yaml' ||
    name === 'chart.lock' ||
    /^kustomization\.ya?ml$/.test(name)
  )
    return 'data';
  // Files a play or chart renders or copies (templates, config): content, never executed by the runner.
  if (
    /\.(j2|jinja2?|tpl|tmpl|conf|cfg|ini|properties|toml|env|service)$/.test(
      name,
    )
  )
    return 'data';
  if (/\.(ya?ml|json)$/.test(name)) {
    if (mode === 'helm' && dirs.includes('templates')) return 'data';
    if (dirs.some(d => d === 'tasks' || d === 'handlers'))
      return 'ansible-tasks';
    if (
      dirs.some(d =>
        [
          'group_vars',
          'host_vars',
          'vars',
          'defaults',
          'inventory',
          'inventories',
        ].includes(d),
      ) ||
      /^(inventory|hosts)\b/.test(name)
    )
      return 'yaml-data';
    if (
      looksLikePlaybook(a.content) ||
      (mode === 'ansible' && /^(playbook|site|main)/.test(name))
    )
      return 'ansible';
    if (mode === 'ansible') return 'yaml-data';
    if (
      /values/.test(name) ||
      (mode === 'helm' && !/^\s*(apiVersion|kind):/m.test(a.content))
    )
      return 'helm-values';
    return 'k8s';
  }
  return 'other';
}
