/**
 * Scaffolder module of the DevOps Copilot: the `copilot:incident:create` action.
 *
 * @packageDocumentation
 */
export { scaffolderModuleCopilot as default } from './module';
export { createCopilotIncidentAction } from './actions/createIncident';
