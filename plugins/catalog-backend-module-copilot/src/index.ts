/***/
/**
 * The copilot backend module for the catalog plugin.
 *
 * @packageDocumentation
 */

export { catalogModuleCopilot as default } from './module';
