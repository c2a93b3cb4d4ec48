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
} from './scenarios';
export {
  generateSlot,
  generateWindow,
  effectsAt,
  SLOT_MS,
  type SimulationOptions,
} from './generate';
