// The default Cedar policy set preflight judges a plan's facts with (principal: the author, resource: the entity).
// Cedar semantics: a permit is needed and any matching forbid wins; each forbid names the rule it enforces.

export interface NamedPolicy {
  id: string;
  message: string;
  text: string;
}

export const DEFAULT_CEDAR_POLICIES: readonly NamedPolicy[] = [
  {
    id: 'permit-apply',
    message: 'plans may be applied unless a rule below forbids it',
    text: 'permit (principal, action == Action::"apply", resource);',
  },
  {
    id: 'production-requires-approval',
    message: 'a production change needs an approver other than its author',
    text: 'forbid (principal, action == Action::"apply", resource) when { context.production && !context.approved && !context.readOnly };',
  },
  {
    id: 'no-self-approval',
    message: 'the author of a plan cannot approve it',
    text: 'forbid (principal, action == Action::"apply", resource) when { context.selfApproved };',
  },
  {
    id: 'namespace-scope',
    message: "the plan touches a namespace other than the entity's own",
    text: 'forbid (principal, action == Action::"apply", resource) when { context.targetNamespace != "" && !([context.targetNamespace].containsAll(context.namespaces)) };',
  },
  {
    id: 'system-namespaces',
    message: 'system namespaces are off limits to remediation plans',
    text: 'forbid (principal, action == Action::"apply", resource) when { context.namespaces.containsAny(["kube-system", "kube-public", "kube-node-lease"]) };',
  },
  {
    id: 'no-destructive-in-production',
    message:
      'destructive changes (deletes, drops, destroy) are not remediations in production',
    text: 'forbid (principal, action == Action::"apply", resource) when { context.production && context.destructive };',
  },
  {
    id: 'no-cluster-scope-in-production',
    message:
      "cluster-scoped objects are out of a service plan's reach in production",
    text: 'forbid (principal, action == Action::"apply", resource) when { context.production && context.clusterScoped };',
  },
  {
    id: 'high-risk-needs-approval',
    message: 'a high-risk plan needs an approver in every environment',
    text: 'forbid (principal, action == Action::"apply", resource) when { context.riskPct >= 70 && !context.approved && !context.readOnly };',
  },
];

/** The default set as one Cedar text (what an adopter would copy and edit). */
export const DEFAULT_CEDAR_POLICY_TEXT = DEFAULT_CEDAR_POLICIES.map(
  p =>
    `@id("${p.id}")\n@message("${p.message.replace(/"/g, '\\"')}")\n${p.text}`,
).join('\n\n');
