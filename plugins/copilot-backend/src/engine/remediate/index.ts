// The remediate stage: fix plans from hypotheses, their preflight (syntax, schema, policy, guardrails,
// drift) and the pure part of the audit chain.
export * from './types';
export { buildPlan, NoStrategyError, RenderError } from './plan';
export {
  BUILTIN_STRATEGIES,
  StrategyRegistry,
  type StrategyChoice,
} from './strategies';
export {
  RENDERERS,
  BASE_HASH_ANNOTATION,
  type RenderInput,
  type Rendered,
} from './render';
export {
  preflight,
  classifyArtifact,
  type PreflightOptions,
  type ArtifactClass,
} from './preflight';
export { CedarPolicyEvaluator, parseCedarPolicies } from './cedar';
export { OpaPolicyEvaluator, type OpaEvaluate, type OpaResult } from './opa';
export {
  DEFAULT_CEDAR_POLICIES,
  DEFAULT_CEDAR_POLICY_TEXT,
  type NamedPolicy,
} from './policies';
export { DEFAULT_LIMITS } from './guardrails';
export { scoreRisk, riskLevel } from './risk';
export { canonicalJson, objectHash, sha256Hex } from './canonical';
export {
  appendAudit,
  verifyChain,
  GENESIS_HASH,
  type AuditEntry,
  type AuditRow,
  type ChainVerification,
} from './audit';
export * as escape from './escape';
