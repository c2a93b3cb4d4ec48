/**
 * Search module of the DevOps Copilot: collators indexing incidents, runbooks, postmortems and ADRs into the
 * portal's search.
 *
 * @packageDocumentation
 */
export { searchModuleCopilot as default } from './module';
export {
  CopilotIncidentCollatorFactory,
  type CopilotIncidentDocument,
} from './CopilotIncidentCollatorFactory';
export {
  CopilotKnowledgeCollatorFactory,
  type CopilotKnowledgeDocument,
} from './CopilotKnowledgeCollatorFactory';
