import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A simulated workload: one catalog Component or Resource. */
export interface SimEntity {
  ref: string;
  kind: 'component' | 'resource';
  name: string;
  /** The `app` label value (from the copilot.dev/selector annotation, or the name). */
  app: string;
  type: string;
  dependsOn: string[];
}

export interface SimTopology {
  entities: SimEntity[];
}

type RawEntity = {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    annotations?: Record<string, string>;
  };
  spec?: { type?: string; dependsOn?: string[] };
};

function toRef(target: string, defaultKind: string): string {
  const m = /^(?:([^:]+):)?(?:([^/]+)\/)?(.+)$/.exec(target)!;
  return `${(m[1] ?? defaultKind).toLocaleLowerCase('en-US')}:${
    m[2] ?? 'default'
  }/${m[3]}`;
}

/** Builds the simulated topology from parsed catalog entities (Components and Resources). */
export function topologyFromEntities(entities: RawEntity[]): SimTopology {
  const out: SimEntity[] = [];
  for (const e of entities) {
    const kind = e.kind?.toLocaleLowerCase('en-US');
    if ((kind !== 'component' && kind !== 'resource') || !e.metadata?.name)
      continue;
    const name = e.metadata.name;
    const selector = e.metadata.annotations?.['copilot.dev/selector'] ?? '';
    const app = /(?:^|,)\s*app=([^,]+)/.exec(selector)?.[1]?.trim() ?? name;
    out.push({
      ref: `${kind}:${e.metadata.namespace ?? 'default'}/${name}`,
      kind,
      name,
      app,
      type: e.spec?.type ?? 'service',
      dependsOn: (e.spec?.dependsOn ?? []).map(d => toRef(d, 'component')),
    });
  }
  out.sort((a, b) => a.ref.localeCompare(b.ref));
  return { entities: out };
}

/** Reads every *.yaml file of a folder (multi-document catalog files). */
export function loadTopology(dir: string): SimTopology {
  const files = statSync(dir).isDirectory()
    ? readdirSync(dir)
        .filter(f => /\.ya?ml$/.test(f))
        .map(f => join(dir, f))
    : [dir];
  const entities: RawEntity[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) {
        throw new Error(`${file} is not valid YAML: ${doc.errors[0].message}`);
      }
      const value = doc.toJS() as RawEntity | null;
      if (value && typeof value === 'object') entities.push(value);
    }
  }
  return topologyFromEntities(entities);
}
