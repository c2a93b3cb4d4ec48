// The rca stage: ranked, evidence-cited root-cause hypotheses and blast radius.
export * from './types';
export { analyze, DEFAULT_ANALYZE_OPTIONS, KIND_LABELS } from './analyze';
export { blastRadius } from './blastRadius';
export {
  calibrate,
  unexplainedScore,
  UNEXPLAINED_BASE,
  UNEXPLAINED_GAP,
} from './calibrate';
export { classify, type Classification } from './classify';
export { EvidenceRegistry } from './evidence';
export {
  rankCandidates,
  uniqueShare,
  WEIGHTS,
  type Candidate,
  type RankContext,
} from './rank';
