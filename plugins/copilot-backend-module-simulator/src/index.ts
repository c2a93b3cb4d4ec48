/***/
/**
 * Demo signal simulator module for the copilot backend.
 *
 * @packageDocumentation
 */

export { copilotModuleSimulator as default } from './module';
