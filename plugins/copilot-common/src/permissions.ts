import {
  createPermission,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';

/**
 * Resource type of incidents, used for conditional (resource) permissions.
 * @public
 */
export const COPILOT_INCIDENT_RESOURCE_TYPE = 'copilot-incident';

/**
 * Resource type of fix plans, used for conditional (resource) permissions.
 * @public
 */
export const COPILOT_FIX_PLAN_RESOURCE_TYPE = 'copilot-fix-plan';

/** Read incidents, their evidence and hypotheses. @public */
export const copilotIncidentReadPermission: ResourcePermission<
  typeof COPILOT_INCIDENT_RESOURCE_TYPE
> = createPermission({
  name: 'copilot.incident.read',
  attributes: { action: 'read' },
  resourceType: COPILOT_INCIDENT_RESOURCE_TYPE,
});

/**
 * Change an incident's status and record its resolution and confirmed root cause. @public
 */
export const copilotIncidentUpdatePermission: ResourcePermission<
  typeof COPILOT_INCIDENT_RESOURCE_TYPE
> = createPermission({
  name: 'copilot.incident.update',
  attributes: { action: 'update' },
  resourceType: COPILOT_INCIDENT_RESOURCE_TYPE,
});

/** Open incidents by hand or through the API. @public */
export const copilotIncidentCreatePermission = createPermission({
  name: 'copilot.incident.create',
  attributes: { action: 'create' },
});

/** Push signals (logs, metrics, events, deploys) into the copilot. @public */
export const copilotSignalIngestPermission = createPermission({
  name: 'copilot.signal.ingest',
  attributes: { action: 'create' },
});

/** Draft a fix plan for an incident. @public */
export const copilotFixPlanPermission = createPermission({
  name: 'copilot.fix.plan',
  attributes: { action: 'create' },
});

/** Approve a fix plan (never the plan's own author). @public */
export const copilotFixApprovePermission: ResourcePermission<
  typeof COPILOT_FIX_PLAN_RESOURCE_TYPE
> = createPermission({
  name: 'copilot.fix.approve',
  attributes: { action: 'update' },
  resourceType: COPILOT_FIX_PLAN_RESOURCE_TYPE,
});

/** Execute an approved, preflighted fix plan. @public */
export const copilotFixExecutePermission: ResourcePermission<
  typeof COPILOT_FIX_PLAN_RESOURCE_TYPE
> = createPermission({
  name: 'copilot.fix.execute',
  attributes: { action: 'update' },
  resourceType: COPILOT_FIX_PLAN_RESOURCE_TYPE,
});

/** Create, change and delete connectors (signal and change sources). @public */
export const copilotConnectorManagePermission = createPermission({
  name: 'copilot.connector.manage',
  attributes: { action: 'update' },
});

/** Read and verify the audit log. @public */
export const copilotAuditReadPermission = createPermission({
  name: 'copilot.audit.read',
  attributes: { action: 'read' },
});

/** Upload, replace and delete knowledge documents (runbooks, postmortems, ADRs). @public */
export const copilotDocsManagePermission = createPermission({
  name: 'copilot.docs.manage',
  attributes: { action: 'update' },
});

/** Read knowledge documents, search them and ask for cited answers. @public */
export const copilotDocsReadPermission = createPermission({
  name: 'copilot.docs.read',
  attributes: { action: 'read' },
});

/**
 * Every permission of the copilot, for registration with the permissions registry.
 * @public
 */
export const copilotPermissions = [
  copilotIncidentReadPermission,
  copilotIncidentCreatePermission,
  copilotIncidentUpdatePermission,
  copilotSignalIngestPermission,
  copilotFixPlanPermission,
  copilotFixApprovePermission,
  copilotFixExecutePermission,
  copilotConnectorManagePermission,
  copilotAuditReadPermission,
  copilotDocsManagePermission,
  copilotDocsReadPermission,
];
