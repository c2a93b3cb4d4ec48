/**
 * Catalog module of the DevOps Copilot: validates the copilot.dev annotations.
 *
 * @packageDocumentation
 */
export { catalogModuleCopilot as default } from './module';
export { CopilotAnnotationsProcessor } from './CopilotAnnotationsProcessor';
