// Mode renderers: one per tool, each turning change intents into files, steps and a rollback.
// Dispatch by plan mode.
import type { PlanMode } from '../types';
import { renderAnsible } from './ansible';
import { renderHelm } from './helm';
import { renderK8s } from './k8s';
import { renderSql } from './sql';
import { renderTerraform } from './terraform';
import type { RenderInput, Rendered } from './types';

export { RenderError, type RenderInput, type Rendered } from './types';
export { BASE_HASH_ANNOTATION } from './k8s';

export const RENDERERS: Record<PlanMode, (input: RenderInput) => Rendered> = {
  k8s: renderK8s,
  helm: renderHelm,
  tf: renderTerraform,
  ansible: renderAnsible,
  sql: renderSql,
};
