/**
 * Search module of the DevOps Copilot: a collator indexing incidents into the portal's search.
 *
 * @packageDocumentation
 */
export { searchModuleCopilot as default } from './module';
export {
  CopilotIncidentCollatorFactory,
  type CopilotIncidentDocument,
} from './CopilotIncidentCollatorFactory';
