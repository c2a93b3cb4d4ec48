/**
 * Permissions, shared types, zod schemas and the API client of the DevOps Copilot plugins.
 *
 * @packageDocumentation
 */
export * from './permissions';
export * from './types';
export * from './schemas';
export * from './client';
export * from './annotations';
