/**
 * The DevOps Copilot frontend plugin: the /copilot page and the entity Incidents tab.
 *
 * @packageDocumentation
 */
export { copilotPlugin as default } from './plugin';
export { copilotApiRef, type CopilotFrontendApi } from './api';
export { IncidentList } from './components/IncidentList';
export { EntityIncidentsContent } from './components/EntityIncidentsContent';
