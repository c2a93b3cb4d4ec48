// Policy evaluation with Cedar (cedar-wasm, the reference Rust implementation compiled to WebAssembly).
// The wasm module is loaded once per process; policies are named by their @id annotation.
import type { NamedPolicy } from './policies';
import { DEFAULT_CEDAR_POLICIES } from './policies';
import type { PolicyDecision, PolicyEvaluator, PolicyFacts } from './types';

type CedarModule = typeof import('@cedar-policy/cedar-wasm/nodejs');

let cedarModule: CedarModule | undefined;

function cedar(): CedarModule {
  // Loaded on first use: compiling the wasm costs tens of milliseconds, once.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cedarModule ??= require('@cedar-policy/cedar-wasm/nodejs') as CedarModule;
  return cedarModule;
}

/** Splits Cedar text into policies named by `@id("...")` (else policyN) with their `@message`. */
export function parseCedarPolicies(text: string): NamedPolicy[] {
  const parts = cedar().policySetTextToParts(text);
  if (parts.type !== 'success')
    throw new Error(
      `Cedar policies do not parse: ${parts.errors
        .map(e => e.message)
        .join('; ')}`,
    );
  return parts.policies.map((p, i) => {
    const id = /@id\(\s*"([^"]+)"\s*\)/.exec(p)?.[1] ?? `policy${i}`;
    const message = /@message\(\s*"((?:[^"\\]|\\.)*)"\s*\)/.exec(p)?.[1] ?? id;
    return { id, message, text: p };
  });
}

/** The facts as a Cedar context record: every value is a bool, long, string or set of strings. */
function toContext(
  f: PolicyFacts,
): Record<string, string | number | boolean | string[]> {
  return {
    entity: f.entity,
    mode: f.mode,
    tools: f.tools,
    verbs: f.verbs,
    namespaces: f.namespaces,
    targetNamespace: f.targetNamespace,
    environment: f.environment,
    production: f.production,
    author: f.author,
    approvedBy: f.approvedBy ?? '',
    approved: f.approved,
    selfApproved: f.selfApproved,
    blastRadius: f.blastRadius,
    riskPct: f.riskPct,
    destructive: f.destructive,
    clusterScoped: f.clusterScoped,
    privileged: f.privileged,
    revertOnly: f.revertOnly,
    readOnly: f.readOnly,
    changeFreeze: f.changeFreeze,
    errorBudgetPct: f.errorBudgetPct ?? 100,
    hasErrorBudget: f.errorBudgetPct !== null,
  };
}

let nextSetId = 0;

export class CedarPolicyEvaluator implements PolicyEvaluator {
  readonly name = 'cedar';
  private readonly policies: Record<string, string>;
  private readonly messages: Record<string, string>;
  /** Id of the policy set parsed once into cedar-wasm's cache (parsing costs more than deciding). */
  private setId?: string;

  private constructor(policies: readonly NamedPolicy[]) {
    this.policies = {};
    this.messages = {};
    for (const p of policies) {
      this.policies[p.id] = p.text;
      this.messages[p.id] = p.message;
    }
  }

  /** With the default policy set, or Cedar text (policies named with `@id`). */
  static create(policyText?: string): CedarPolicyEvaluator {
    return new CedarPolicyEvaluator(
      policyText ? parseCedarPolicies(policyText) : DEFAULT_CEDAR_POLICIES,
    );
  }

  evaluate(facts: PolicyFacts): PolicyDecision {
    const wasm = cedar();
    if (!this.setId) {
      const id = `copilot-preflight-${nextSetId++}`;
      const parsed = wasm.preparsePolicySet(id, {
        staticPolicies: this.policies,
      });
      if (parsed.type !== 'success')
        return {
          engine: this.name,
          decision: 'deny',
          reasons: [],
          messages: {},
          errors: parsed.errors.map(e => e.message),
        };
      this.setId = id;
    }
    const answer = wasm.statefulIsAuthorized({
      principal: { type: 'User', id: facts.author || 'unknown' },
      action: { type: 'Action', id: 'apply' },
      resource: { type: 'Entity', id: facts.entity },
      context: toContext(facts),
      preparsedPolicySetId: this.setId,
      entities: [],
    });
    if (answer.type !== 'success')
      return {
        engine: this.name,
        decision: 'deny',
        reasons: [],
        messages: {},
        errors: answer.errors.map(e => e.message),
      };
    const { decision, diagnostics } = answer.response;
    const messages: Record<string, string> = {};
    for (const id of diagnostics.reason) messages[id] = this.messages[id] ?? id;
    return {
      engine: this.name,
      decision,
      reasons: diagnostics.reason,
      messages,
      errors: diagnostics.errors.map(e => `${e.policyId}: ${e.error.message}`),
    };
  }
}
