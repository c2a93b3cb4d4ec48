/*
 * Streaming anomaly detection for metric and log-template series (pure TypeScript, no I/O).
 */
export * from './types';
export {
  createSeriesDetector,
  describeDecision,
  resolveOptions,
  DEFAULT_DETECTOR_OPTIONS,
} from './ensemble';
export type { DetectorOptions, EnsembleState } from './ensemble';
export { scoreSeries } from './detector';
export { generalizedEsd, gesdCritical } from './gesd';
export type { GesdResult } from './gesd';
export { createCusum, stepCusum } from './cusum';
export type { CusumOptions, CusumState, CusumStep } from './cusum';
export { createBocpd, stepBocpd } from './bocpd';
export type { BocpdOptions, BocpdState, BocpdStep } from './bocpd';
export { createKde, addKde, kdeTail } from './kde';
export type { KdeOptions, KdeState } from './kde';
export { slopeTest } from './slope';
export type { SlopeOptions, SlopeResult } from './slope';
export { createLikelihood, stepLikelihood } from './likelihood';
export type { LikelihoodOptions, LikelihoodState } from './likelihood';
export {
  createHistory,
  pushHistory,
  detectPeriods,
  periodLabel,
  profileFromHistory,
  profileValue,
} from './seasonality';
export type {
  HistoryOptions,
  HistoryState,
  PeriodOptions,
  ProfileState,
} from './seasonality';
export { novelTemplateFinding, errorBurstFinding } from './logs';
export type { NovelTemplateInput, ErrorBurstInput } from './logs';
export { tQuantile, tCdf, normalQuantile, poissonUpperTail } from './stats';
