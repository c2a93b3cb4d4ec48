export {
  loadTopology,
  topologyFromEntities,
  type SimEntity,
  type SimTopology,
} from './topology';
export {
  SCENARIOS,
  type Scenario,
  type FaultKind,
  type FaultEffect,
  type ChangeSpec,
  type FaultLogLine,
  type FaultSpec,
  NO_EFFECT,
} from './scenarios';
export {
  generateSlot,
  generateWindow,
  effectsAt,
  SLOT_MS,
  type SimulationOptions,
} from './generate';
export {
  caseDefinitions,
  generateCase,
  type CaseDefinition,
  type SimCase,
} from './cases';
