/***/
/**
 * The copilot backend module for the search plugin.
 *
 * @packageDocumentation
 */

export { searchModuleCopilot as default } from './module';
