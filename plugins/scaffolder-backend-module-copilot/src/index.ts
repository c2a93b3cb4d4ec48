/**
 * Scaffolder module of the DevOps Copilot: the `copilot:incident:create` action and the remediation
 * actions `copilot:fix:render`, `copilot:fix:preflight` and `copilot:fix:record`.
 *
 * @packageDocumentation
 */
export { scaffolderModuleCopilot as default } from './module';
export { createCopilotIncidentAction } from './actions/createIncident';
export { createCopilotFixRenderAction } from './actions/renderFix';
export { createCopilotFixPreflightAction } from './actions/preflightFix';
export { createCopilotFixRecordAction } from './actions/recordFix';
