import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
  EntityPolicies,
  DefaultNamespaceEntityPolicy,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';

const dir = resolve(__dirname, '../../../examples/catalog');
const entities: Entity[] = readdirSync(dir)
  .filter(f => f.endsWith('.yaml'))
  .flatMap(f =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map(d => {
      if (d.errors.length) throw new Error(`${f}: ${d.errors[0].message}`);
      return d.toJS() as Entity;
    }),
  );

const validators = [
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
];
const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

describe('examples/catalog', () => {
  it('holds a realistic shop', () => {
    const count = (kind: string) =>
      entities.filter(e => e.kind === kind).length;
    expect(count('Component')).toBeGreaterThanOrEqual(12);
    expect(count('API')).toBeGreaterThanOrEqual(5);
    expect(count('Resource')).toBeGreaterThanOrEqual(5);
    expect(count('Group')).toBeGreaterThanOrEqual(3);
    expect(count('User')).toBeGreaterThanOrEqual(3);
  });

  it.each(entities.map(e => [`${e.kind}:${e.metadata.name}`, e] as const))(
    '%s is valid',
    async (_name, entity) => {
      const checked = await policy.enforce(structuredClone(entity));
      expect(checked).toBeDefined();
      const results = await Promise.all(validators.map(v => v.check(checked!)));
      expect(results.some(Boolean)).toBe(true);
    },
  );

  it('only points at entities that exist', () => {
    const known = new Set(entities.map(e => stringifyEntityRef(e)));
    const ref = (target: string, kind: string) =>
      stringifyEntityRef(
        parseEntityRef(target, {
          defaultKind: kind,
          defaultNamespace: 'default',
        }),
      );
    const missing: string[] = [];
    for (const e of entities) {
      const spec = (e.spec ?? {}) as Record<string, any>;
      const targets: Array<[string, string]> = [
        ...((spec.dependsOn ?? []) as string[]).map(
          t => [t, 'component'] as [string, string],
        ),
        ...((spec.providesApis ?? []) as string[]).map(
          t => [t, 'api'] as [string, string],
        ),
        ...((spec.consumesApis ?? []) as string[]).map(
          t => [t, 'api'] as [string, string],
        ),
        ...(spec.owner ? [[spec.owner, 'group'] as [string, string]] : []),
        ...(spec.system ? [[spec.system, 'system'] as [string, string]] : []),
        ...(spec.domain ? [[spec.domain, 'domain'] as [string, string]] : []),
        ...((spec.memberOf ?? []) as string[]).map(
          t => [t, 'group'] as [string, string],
        ),
      ];
      for (const [t, kind] of targets) {
        if (!known.has(ref(t, kind)))
          missing.push(`${e.metadata.name} -> ${t}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('carries valid copilot annotations on every component', () => {
    for (const e of entities.filter(x => x.kind === 'Component')) {
      expect(e.metadata.annotations?.['copilot.dev/selector']).toMatch(
        /^app=[\w-]+,namespace=shop$/,
      );
      expect(e.metadata.annotations?.['copilot.dev/slo']).toMatch(
        /^availability: \d+(\.\d+)?% over \d+d/,
      );
    }
  });
});
