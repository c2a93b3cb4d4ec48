// Open Policy Agent adapter: the same facts document as Cedar, as OPA's `input`, judged by an injected call.
// Expects the decision document of a Rego package exposing `allow` and `deny` (set of messages or {id,msg}).
import type { PolicyDecision, PolicyEvaluator, PolicyFacts } from './types';

/** OPA's Data API result for `POST /v1/data/<path>` with `{"input": ...}`. */
export interface OpaResult {
  result?: {
    allow?: boolean;
    deny?:
      | Array<string | { id?: string; msg?: string; message?: string }>
      | Record<string, boolean>;
  };
}

export type OpaEvaluate = (input: { input: PolicyFacts }) => Promise<OpaResult>;

export class OpaPolicyEvaluator implements PolicyEvaluator {
  readonly name = 'opa';

  constructor(private readonly call: OpaEvaluate) {}

  /** The request body sent to OPA, exposed so the wiring and tests build the same document. */
  static input(facts: PolicyFacts): { input: PolicyFacts } {
    return { input: facts };
  }

  async evaluate(facts: PolicyFacts): Promise<PolicyDecision> {
    let res: OpaResult;
    try {
      res = await this.call(OpaPolicyEvaluator.input(facts));
    } catch (e) {
      // Fail closed: no answer from the policy engine is not an allow.
      return {
        engine: this.name,
        decision: 'deny',
        reasons: ['opa-unavailable'],
        messages: {
          'opa-unavailable': `OPA did not answer: ${(e as Error).message}`,
        },
        errors: [(e as Error).message],
      };
    }
    const result = res?.result;
    if (!result) {
      return {
        engine: this.name,
        decision: 'deny',
        reasons: ['opa-undefined'],
        messages: {
          'opa-undefined':
            'the OPA decision is undefined (wrong path or package?)',
        },
        errors: [],
      };
    }
    const reasons: string[] = [];
    const messages: Record<string, string> = {};
    const deny = result.deny;
    if (Array.isArray(deny)) {
      deny.forEach((d, i) => {
        const id = typeof d === 'string' ? `deny-${i}` : d.id ?? `deny-${i}`;
        reasons.push(id);
        messages[id] = typeof d === 'string' ? d : d.msg ?? d.message ?? id;
      });
    } else if (deny && typeof deny === 'object') {
      for (const [msg, v] of Object.entries(deny))
        if (v) {
          const id = `deny-${reasons.length}`;
          reasons.push(id);
          messages[id] = msg;
        }
    }
    const allow = result.allow === true && reasons.length === 0;
    if (!allow && reasons.length === 0) {
      reasons.push('opa-not-allowed');
      messages['opa-not-allowed'] = 'OPA did not allow the plan';
    }
    return {
      engine: this.name,
      decision: allow ? 'allow' : 'deny',
      reasons,
      messages,
      errors: [],
    };
  }
}
