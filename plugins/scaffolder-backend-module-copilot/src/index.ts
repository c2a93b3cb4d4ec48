/***/
/**
 * The copilot backend module for the scaffolder plugin.
 *
 * @packageDocumentation
 */

export { scaffolderModuleCopilot as default } from './module';
