/**
 * Extension points and types for modules of the DevOps Copilot backend: signal sources,
 * change sources, fix strategies, runners, LLM and embedding providers.
 *
 * @packageDocumentation
 */
export * from './extensions';
export * from './fixStrategies';
