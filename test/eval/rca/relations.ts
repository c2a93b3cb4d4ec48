// The relations the catalog would compute from an entity's spec (as the catalog backend's built-in
// processor does for the well-known fields), for catalogs served without a catalog backend.
import {
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';

const RELATIONS: Array<{
  field: string;
  type: string;
  defaultKind: string;
}> = [
  { field: 'owner', type: 'ownedBy', defaultKind: 'Group' },
  { field: 'system', type: 'partOf', defaultKind: 'System' },
  { field: 'domain', type: 'partOf', defaultKind: 'Domain' },
  { field: 'dependsOn', type: 'dependsOn', defaultKind: 'Component' },
  { field: 'providesApis', type: 'providesApi', defaultKind: 'API' },
  { field: 'consumesApis', type: 'consumesApi', defaultKind: 'API' },
  { field: 'subcomponentOf', type: 'partOf', defaultKind: 'Component' },
];

/** The entity with `relations` from its spec (kept as they are when the entity already has some). */
export function withRelations(entity: Entity): Entity {
  if (entity.relations?.length) return entity;
  const namespace = entity.metadata.namespace ?? 'default';
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const relations: NonNullable<Entity['relations']> = [];
  for (const r of RELATIONS) {
    const raw = spec[r.field];
    let values: unknown[] = [];
    if (Array.isArray(raw)) values = raw;
    else if (raw !== undefined) values = [raw];
    for (const v of values) {
      if (typeof v !== 'string' || !v) continue;
      try {
        const ref = parseEntityRef(v, {
          defaultKind: r.defaultKind,
          defaultNamespace: namespace,
        });
        relations.push({ type: r.type, targetRef: stringifyEntityRef(ref) });
      } catch {
        // an unparsable ref makes no relation, as in the catalog
      }
    }
  }
  return { ...entity, relations };
}
