// The correlate stage: topology, per-series anomaly strength, alignment and change impact.
export * from './types';
export { normalizeEntityRef, entityName } from './refs';
export {
  buildTopology,
  TopologyGraph,
  type CatalogEntityLike,
} from './topology';
export { scoreSeries, sigmaStrength, type ScoreSeriesOptions } from './series';
export { readSymptom, type SymptomReading } from './symptoms';
export {
  alignByEntity,
  fromDetectorAnomaly,
  mergeSeriesAnomalies,
  combineStrengths,
  type AlignOptions,
} from './align';
export {
  assessChanges,
  changeCauseKind,
  type ChangeImpact,
  type ChangeImpactOptions,
  type ChangeRelation,
  type ChangeCauseKind,
} from './changes';
export {
  CALL_METRICS,
  callerName,
  observedCalls,
  withObservedCalls,
  type CallSeriesTotal,
  type ObservedCall,
} from './calls';
