import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  COPILOT_FIX_PLAN_RESOURCE_TYPE,
  COPILOT_INCIDENT_RESOURCE_TYPE,
  type FixPlan,
  type Incident,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { z } from 'zod';
import type { Knex } from 'knex';

/** How incident rules filter in the database: a column and the values it may take. */
export type IncidentQuery = {
  column: 'entity_ref' | 'status' | 'severity';
  values: string[];
};

/** @public */
export const incidentResourceRef = createPermissionResourceRef<
  Incident,
  IncidentQuery
>().with({
  pluginId: 'copilot',
  resourceType: COPILOT_INCIDENT_RESOURCE_TYPE,
});

const lower = (v: string) => v.toLocaleLowerCase('en-US');

/** The incident is about one of the given catalog entities (e.g. the ones a team owns). */
export const hasEntityRef = createPermissionRule({
  name: 'HAS_ENTITY_REF',
  description: 'Allow incidents opened on one of the given catalog entities',
  resourceRef: incidentResourceRef,
  paramsSchema: z.object({
    entityRefs: z
      .array(z.string())
      .describe('Entity refs, e.g. component:default/checkout'),
  }),
  apply: (incident, { entityRefs }) =>
    entityRefs.map(lower).includes(lower(incident.entityRef)),
  toQuery: ({ entityRefs }) => ({
    column: 'entity_ref',
    values: entityRefs.map(lower),
  }),
});

/** The incident has one of the given statuses. */
export const hasStatus = createPermissionRule({
  name: 'HAS_STATUS',
  description: 'Allow incidents in one of the given statuses',
  resourceRef: incidentResourceRef,
  paramsSchema: z.object({
    statuses: z
      .array(z.enum(['open', 'acknowledged', 'resolved']))
      .describe('Incident statuses'),
  }),
  apply: (incident, { statuses }) => statuses.includes(incident.status),
  toQuery: ({ statuses }) => ({ column: 'status', values: statuses }),
});

export const incidentPermissionRules = { hasEntityRef, hasStatus };

/** Conditions for permission policies: `incidentConditions.hasEntityRef({ entityRefs })`. @public */
export const {
  conditions: incidentConditions,
  createConditionalDecision: createIncidentConditionalDecision,
} = createConditionExports({
  resourceRef: incidentResourceRef,
  rules: incidentPermissionRules,
});

/** Applies permission criteria to a knex query over the incidents table. */
export function applyIncidentCriteria(
  query: Knex.QueryBuilder,
  criteria: PermissionCriteria<IncidentQuery>,
): Knex.QueryBuilder {
  if ('allOf' in criteria) {
    return query.where(q => {
      for (const c of criteria.allOf)
        q.andWhere(inner => applyIncidentCriteria(inner, c));
    });
  }
  if ('anyOf' in criteria) {
    return query.where(q => {
      for (const c of criteria.anyOf)
        q.orWhere(inner => applyIncidentCriteria(inner, c));
    });
  }
  if ('not' in criteria) {
    return query.whereNot(q => applyIncidentCriteria(q, criteria.not));
  }
  return criteria.values.length === 0
    ? query.whereRaw('1 = 0')
    : query.whereIn(criteria.column, criteria.values);
}

/** What fix plan rules are judged on: the plan's entity, its owners and its environment. */
export type FixPlanResource = Pick<
  FixPlan,
  'id' | 'entityRef' | 'owners' | 'environment' | 'author'
>;

/** @public */
export const fixPlanResourceRef = createPermissionResourceRef<
  FixPlanResource,
  never
>().with({
  pluginId: 'copilot',
  resourceType: COPILOT_FIX_PLAN_RESOURCE_TYPE,
});

/** The caller owns the plan's entity: one of `claims` (the user's ownership refs) is among its owners. */
export const isFixPlanEntityOwner = createPermissionRule({
  name: 'IS_ENTITY_OWNER',
  description:
    "Allow fix plans on entities owned by one of the given refs (pass the user's ownership entity refs)",
  resourceRef: fixPlanResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe('Ownership entity refs of the user, e.g. group:default/team-a'),
  }),
  apply: (plan, { claims }) =>
    claims.map(lower).some(c => plan.owners.map(lower).includes(c)),
  toQuery: () => {
    throw new Error('IS_ENTITY_OWNER is judged on loaded plans only');
  },
});

/** The plan targets a non-production environment. */
export const isFixPlanNonProd = createPermissionRule({
  name: 'IS_NON_PROD',
  description: 'Allow fix plans whose entity is not in production',
  resourceRef: fixPlanResourceRef,
  paramsSchema: z.object({}),
  apply: plan => plan.environment !== 'production',
  toQuery: () => {
    throw new Error('IS_NON_PROD is judged on loaded plans only');
  },
});

export const fixPlanPermissionRules = {
  isEntityOwner: isFixPlanEntityOwner,
  isNonProd: isFixPlanNonProd,
};

/** Conditions for permission policies: `fixPlanConditions.isEntityOwner({ claims })`. @public */
export const {
  conditions: fixPlanConditions,
  createConditionalDecision: createFixPlanConditionalDecision,
} = createConditionExports({
  resourceRef: fixPlanResourceRef,
  rules: fixPlanPermissionRules,
});
