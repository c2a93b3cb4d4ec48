/**
 * The DevOps Copilot backend plugin.
 *
 * @packageDocumentation
 */
export { copilotPlugin as default } from './plugin';
export {
  incidentConditions,
  createIncidentConditionalDecision,
  incidentResourceRef,
} from './service/permissions';
