// Preflight of a plan's artifacts: syntax and schema, policy (Cedar by default), guardrails and drift.
// Verdict: block if any finding blocks, warn if any warns, else pass (fail closed on every stage).
import { parse as hclParse } from '@cdktf/hcl2json';
import { parse as parseYamlValue } from 'yaml';
import { checkAnsible, type AnsibleFacts } from './ansible';
import { CedarPolicyEvaluator } from './cedar';
import { analyzeCommands, type CommandFact } from './commands';
import { checkGuardrails, DEFAULT_LIMITS, WIDE_TARGETS } from './guardrails';
import {
  checkInlinePatch,
  checkManifests,
  LiveIndex,
  type CheckEnv,
  type K8sFacts,
} from './k8s';
import { objectHash } from './canonical';
import { scoreRisk } from './risk';
import { scanSecurity } from './security';
import { splitShell } from './shellWords';
import { checkSql, type SqlFacts } from './sql';
import { checkTerraform, type HclParse, type TfFacts } from './terraform';
import type {
  Finding,
  GuardrailLimits,
  PolicyEvaluator,
  PolicyFacts,
  PreflightInput,
  PreflightResult,
  Verdict,
} from './types';
import { parseYaml } from './yamlDocs';
import { base, classifyArtifact, type ArtifactClass } from './artifacts';
import { helmValueChecks, setValue, sqlDialectOf } from './helmValues';

export { classifyArtifact, type ArtifactClass };

export interface PreflightOptions {
  /** Defaults to Cedar with the default policy set. */
  policy?: PolicyEvaluator;
  limits?: GuardrailLimits;
  /** HCL to JSON; defaults to @cdktf/hcl2json. */
  hclParse?: HclParse;
  sqlDialect?: 'postgresql' | 'mysql';
}

let defaultPolicy: PolicyEvaluator | undefined;

const WORKLOAD_KINDS = new Set([
  'deployment',
  'statefulset',
  'daemonset',
  'replicaset',
  'job',
  'cronjob',
  'pod',
  'node',
  'namespace',
]);

/** Target keys are `<kind>/...`; non-Kubernetes ones carry a prefix of their own. */
function isKubernetesKind(kind: string): boolean {
  return !['tf', 'hosts', 'table', 'helmrelease'].includes(kind);
}

const ROLE_HOSTS = '(role)';

const PRIVILEGE_CODES = new Set([
  'GR_PRIVILEGED',
  'GR_PRIV_ESCALATION',
  'GR_HOST_PATH',
  'GR_HOST_NAMESPACE',
  'GR_CAPABILITIES',
  'GR_RBAC_WILDCARD',
  'GR_RBAC_ESCALATION',
  'GR_CLUSTER_ADMIN_BINDING',
  'GR_RBAC_BROAD_SUBJECT',
  'GR_IAM_WILDCARD',
  'GR_IAM_ADMIN',
  'GR_HOST_PORT',
  'GR_UNCONFINED',
]);

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter(f => {
    const k = `${f.code}|${f.artifact ?? ''}|${f.line ?? ''}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function verdictOf(findings: Finding[]): Verdict {
  if (findings.some(f => f.severity === 'block')) return 'block';
  if (findings.some(f => f.severity === 'warn')) return 'warn';
  return 'pass';
}

/** Runs every preflight stage over the artifacts and returns the verdict with cited findings. */
export async function preflight(
  input: PreflightInput,
  options: PreflightOptions = {},
): Promise<PreflightResult> {
  const { context: ctx, mode } = input;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const production = ctx.environment === 'production';
  const out: Finding[] = [];
  const artifacts = input.artifacts;
  const classes = new Map(
    artifacts.map(a => [a.path, classifyArtifact(a, mode)]),
  );
  const byBase = new Map(artifacts.map(a => [base(a.path), a]));

  // Live state, for merges and drift.
  const liveDocs: Array<{ artifact: string; value: unknown }> = [];
  for (const l of input.live ?? []) {
    const parsed = parseYaml(l.path, l.content);
    for (const f of parsed.findings)
      out.push({ ...f, severity: 'warn', message: `live state: ${f.message}` });
    for (const d of parsed.docs)
      liveDocs.push({ artifact: l.path, value: d.value });
  }
  const live = new LiveIndex(liveDocs, ctx.namespace ?? 'default');
  const baseHashes = new Map<string, string>();
  for (const [k, v] of Object.entries(input.plan?.base?.objects ?? {}))
    baseHashes.set(k, v);
  if (ctx.baseHash && typeof ctx.baseHash === 'object')
    for (const [k, v] of Object.entries(ctx.baseHash)) baseHashes.set(k, v);
  const k8sFacts: K8sFacts = {
    targets: [],
    namespaces: [],
    clusterScoped: false,
    destructive: false,
    replicas: [],
    merged: 0,
    namespaceSources: [],
  };
  const env: CheckEnv = {
    ctx,
    production,
    live,
    facts: k8sFacts,
    out,
    baseHashes,
    singleBaseHash: typeof ctx.baseHash === 'string' ? ctx.baseHash : undefined,
  };

  const helmReplicas: number[] = [];
  const valueNamespaces = new Set<string>();
  // 1. Scripts first: they name the targets of patch files.
  const commands: CommandFact[] = [];
  for (const a of artifacts) {
    if (classes.get(a.path) !== 'shell') continue;
    const split = splitShell(a.path, a.content);
    out.push(...split.findings);
    commands.push(...analyzeCommands(a.path, split.commands, out));
  }
  const patchTargets = new Map<string, CommandFact>();
  for (const c of commands) {
    for (const f of [...c.files, ...(c.patch?.file ? [c.patch.file] : [])]) {
      const rel = f.replace(/^\.\//, '').replace(/\/$/, '');
      const a = artifacts.find(x => x.path === rel) ?? byBase.get(base(f));
      const dir =
        rel === '.' || artifacts.some(x => x.path.startsWith(`${rel}/`));
      if (!a && dir) continue;
      if (a) {
        if (c.tool === 'kubectl' && (c.verb === 'patch' || c.patch))
          patchTargets.set(a.path, c);
      } else if (c.tool !== 'terraform' && !/^(oci|https?):/.test(f)) {
        out.push({
          code: 'SH_MISSING_FILE',
          severity: 'block',
          stage: 'syntax',
          message: `${c.tool} ${c.verb} reads ${f}, which is not among the plan's artifacts`,
          artifact: c.artifact,
          line: c.line,
        });
      }
    }
    if (c.clusterRole && /^(cluster-admin|admin)$/.test(c.clusterRole))
      out.push({
        code: 'GR_CLUSTER_ADMIN_BINDING',
        severity: 'block',
        stage: 'guardrail',
        message: `binds the ${c.clusterRole} role`,
        artifact: c.artifact,
        line: c.line,
      });
    if (Object.keys(c.sets).length) {
      // `helm --set a.b=c` is a values override like a values file.
      const values: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.sets)) {
        const parts = k.split('.');
        let node = values;
        for (const part of parts.slice(0, -1))
          node = (node[part] ??= {}) as Record<string, unknown>;
        node[parts[parts.length - 1]] = setValue(v);
      }
      helmValueChecks(
        c.artifact,
        { value: values, line: c.line, lineOf: () => c.line },
        production,
        out,
        helmReplicas,
        valueNamespaces,
      );
    }
    for (const img of c.images)
      scanSecurity(
        { image: img },
        { artifact: c.artifact, production, lineOf: () => c.line },
        out,
      );
    if (c.patch?.text !== undefined)
      checkInlinePatch(c, c.patch.text, env, t => parseYamlValue(t));
    if (c.tool === 'kubectl' && !c.readOnly)
      for (const t of c.targets) {
        if (!t.name || !live.hasKind(t.kind)) continue;
        const l = live.find(t.kind, t.name, c.namespace);
        if (!l) {
          out.push({
            code: 'K8S_TARGET_MISSING',
            severity: 'warn',
            stage: 'drift',
            message: `${t.kind}/${t.name} is not in the live state`,
            artifact: c.artifact,
            line: c.line,
          });
          continue;
        }
        const key = live.key(t.kind, t.name, c.namespace);
        const recorded = baseHashes.get(key) ?? env.singleBaseHash;
        if (
          recorded &&
          recorded.replace(/^sha256:/, '') !==
            objectHash(l.obj).replace(/^sha256:/, '')
        )
          out.push({
            code: 'DRIFT_BASE_HASH',
            severity: 'block',
            stage: 'drift',
            message: `${key}: the live object's hash differs from the plan's base`,
            artifact: c.artifact,
            line: c.line,
          });
      }
  }

  // 2. Files by kind.
  const tfFacts: TfFacts[] = [];
  const ansibleFacts: AnsibleFacts[] = [];
  const sqlFacts: SqlFacts[] = [];
  let manifests = 0;
  let helmValues = 0;
  for (const a of artifacts) {
    const cls = classes.get(a.path)!;
    if (cls === 'yaml-data') {
      out.push(...parseYaml(a.path, a.content).findings);
    } else if (cls === 'ansible-tasks') {
      const parsed = parseYaml(a.path, a.content);
      out.push(...parsed.findings);
      const d = parsed.docs[0];
      if (d) {
        // A role's task list: checked as the tasks of a play that names no hosts of its own.
        const f = checkAnsible(
          a.path,
          {
            value: [{ hosts: ROLE_HOSTS, tasks: d.value }],
            line: d.line,
            lineOf: p => d.lineOf(p.slice(2)),
          },
          production,
          out,
        );
        f.hosts = f.hosts.filter(h => h !== ROLE_HOSTS);
        ansibleFacts.push(f);
      }
    } else if (cls === 'k8s' || cls === 'helm-values' || cls === 'ansible') {
      const parsed = parseYaml(a.path, a.content);
      out.push(...parsed.findings);
      if (cls === 'k8s') {
        manifests += parsed.docs.length;
        checkManifests(a.path, parsed.docs, env, patchTargets);
      } else if (cls === 'helm-values') {
        helmValues++;
        for (const d of parsed.docs)
          helmValueChecks(
            a.path,
            d,
            production,
            out,
            helmReplicas,
            valueNamespaces,
          );
      } else if (parsed.docs[0]) {
        ansibleFacts.push(
          checkAnsible(a.path, parsed.docs[0], production, out),
        );
      } else if (!parsed.findings.length) {
        out.push({
          code: 'ANSIBLE_STRUCTURE',
          severity: 'block',
          stage: 'schema',
          message: 'empty playbook',
          artifact: a.path,
        });
      }
    } else if (cls === 'terraform') {
      const f = await checkTerraform(
        a.path,
        a.content,
        production,
        options.hclParse ?? (hclParse as HclParse),
        out,
      );
      if (f) tfFacts.push(f);
    } else if (cls === 'sql') {
      const downName = base(a.path).replace(/(\.up)?\.sql$/i, '.down.sql');
      const down = byBase.get(downName);
      sqlFacts.push(
        checkSql(
          {
            artifact: a.path,
            text: a.content,
            down: down
              ? { artifact: down.path, text: down.content }
              : undefined,
            dialect: options.sqlDialect ?? sqlDialectOf(a.content),
            production,
            environment: ctx.environment,
          },
          out,
        ),
      );
    } else if (cls === 'sql-down') {
      const up = base(a.path).replace(/\.down\.sql$/i, '');
      if (!byBase.has(`${up}.sql`) && !byBase.has(`${up}.up.sql`))
        out.push({
          code: 'SQL_ORPHAN_DOWN',
          severity: 'warn',
          stage: 'syntax',
          message: 'a down migration without its up migration',
          artifact: a.path,
        });
    } else if (cls === 'other') {
      out.push({
        code: 'ARTIFACT_TYPE',
        severity: 'block',
        stage: 'syntax',
        message: `${a.path}: not an artifact type preflight can check (YAML, kubectl/helm scripts, Terraform, Ansible, SQL)`,
        artifact: a.path,
      });
    }
  }
  if (
    !artifacts.some(
      a => classes.get(a.path) !== 'doc' && classes.get(a.path) !== 'data',
    )
  )
    out.push({
      code: 'PLAN_EMPTY',
      severity: 'block',
      stage: 'syntax',
      message: 'the plan has no artifacts to apply',
    });

  // 3. Facts.
  const mutatingCmds = commands.filter(c => !c.readOnly);
  // A playbook run only in check mode (--check / --syntax-check / --list-hosts) changes nothing.
  const playbookRuns = commands.filter(c => c.tool === 'ansible-playbook');
  const ansibleMutating =
    ansibleFacts.length > 0 &&
    !(playbookRuns.length > 0 && playbookRuns.every(c => c.readOnly));
  const sqlMutating = sqlFacts.some(s => !s.readOnly);
  const fileMutating =
    manifests > 0 ||
    helmValues > 0 ||
    tfFacts.length > 0 ||
    ansibleMutating ||
    sqlMutating;
  const mutating = mutatingCmds.length > 0 || fileMutating;
  const revertOnly =
    mutatingCmds.length > 0 &&
    mutatingCmds.every(c => c.revert) &&
    !fileMutating;

  const targets = new Set<string>();
  let wide = false;
  for (const c of mutatingCmds) {
    if (c.wide) wide = true;
    for (const t of c.targets)
      targets.add(
        `${t.kind}/${c.namespace ?? ctx.namespace ?? ''}/${t.name || '*'}`,
      );
    if (
      c.targets.some(t => !t.name) &&
      c.files.length === 0 &&
      c.verb !== 'create'
    )
      wide = true;
  }
  for (const t of k8sFacts.targets) targets.add(t);
  for (const t of tfFacts.flatMap(f => f.targets)) targets.add(`tf/${t}`);
  for (const f of ansibleFacts) {
    if (f.wide) wide = true;
    for (const h of f.hosts) targets.add(`hosts/${h}`);
  }
  for (const t of sqlFacts.flatMap(s => s.tables)) targets.add(`table/${t}`);
  if (helmValues > 0 && !commands.some(c => c.tool === 'helm' && !c.readOnly))
    targets.add(`helmrelease/${ctx.entity}`);
  // Reach is counted in units a rollout affects: each workload, Helm release, Terraform resource, host group
  // or table; a service's supporting objects (ConfigMap, Service, HPA, PDB, ...) add one unit together.
  let supporting = false;
  let units = 0;
  for (const t of targets) {
    const kind = t.split('/')[0];
    if (WORKLOAD_KINDS.has(kind) || !isKubernetesKind(kind)) units++;
    else supporting = true;
  }
  if (supporting) units++;
  const blastRadius = wide ? WIDE_TARGETS : units;

  const namespaces = new Set<string>();
  for (const c of commands)
    if (c.namespace && (c.tool === 'kubectl' || c.tool === 'helm'))
      namespaces.add(c.namespace);
  for (const n of k8sFacts.namespaces) namespaces.add(n);
  for (const n of valueNamespaces) namespaces.add(n);
  for (const f of tfFacts) for (const n of f.namespaces) namespaces.add(n);
  for (const f of ansibleFacts) for (const n of f.namespaces) namespaces.add(n);

  const destructive =
    mutatingCmds.some(c => c.destructive) ||
    k8sFacts.destructive ||
    tfFacts.some(f => f.destructive) ||
    ansibleFacts.some(f => f.destructive) ||
    sqlFacts.some(s => s.destructive);
  const dataLoss =
    mutatingCmds.some(c => c.dataLoss) ||
    tfFacts.some(f => f.dataLoss) ||
    ansibleFacts.some(f => f.dataLoss) ||
    sqlFacts.some(s => s.dataLoss);
  const clusterScoped =
    mutatingCmds.some(c => c.clusterScoped) ||
    k8sFacts.clusterScoped ||
    tfFacts.some(f => f.clusterScoped);
  const privileged = out.some(
    f => PRIVILEGE_CODES.has(f.code) && f.severity === 'block',
  );
  const approvedBy = ctx.approvedBy ? ctx.approvedBy : null;
  const selfApproved = approvedBy !== null && approvedBy === ctx.author;
  const approved = approvedBy !== null && !selfApproved;

  const destructiveCmd = mutatingCmds.find(c => c.destructive);
  if (destructiveCmd && !production)
    out.push({
      code: 'GR_DESTRUCTIVE',
      severity: ctx.environment === 'development' ? 'warn' : 'block',
      stage: 'guardrail',
      message: `${destructiveCmd.tool} ${destructiveCmd.verb} deletes or replaces live objects: not a remediation outside development`,
      artifact: destructiveCmd.artifact,
      line: destructiveCmd.line,
    });
  if (
    dataLoss &&
    !out.some(
      f =>
        f.code === 'SQL_DATA_LOSS' ||
        f.code === 'ANSIBLE_DELETES' ||
        f.code === 'TF_FORCE_DESTROY',
    ) &&
    ctx.environment !== 'development'
  )
    out.push({
      code: 'GR_DATA_LOSS',
      severity: 'block',
      stage: 'guardrail',
      message: 'the change can destroy data or cluster state irrecoverably',
    });
  for (const f of ansibleFacts)
    if (f.restarts && !f.serial && production && f.hosts.length)
      out.push({
        code: 'ANSIBLE_NO_SERIAL',
        severity: 'warn',
        stage: 'guardrail',
        message:
          'restarts every host of the group at once: set serial for a rolling restart',
      });

  checkGuardrails(
    ctx,
    {
      environment: ctx.environment,
      blastRadius,
      revertOnly,
      approved,
      mutating,
      replicas: [
        ...k8sFacts.replicas,
        ...helmReplicas,
        ...tfFacts.flatMap(f => f.replicas),
        ...mutatingCmds.flatMap(c =>
          c.replicas === undefined ? [] : [c.replicas],
        ),
      ],
    },
    limits,
    out,
  );

  const tools = new Set<string>();
  for (const c of commands) tools.add(c.tool);
  if (manifests) tools.add('kubernetes');
  if (helmValues) tools.add('helm');
  if (tfFacts.length) tools.add('terraform');
  if (ansibleFacts.length) tools.add('ansible');
  if (sqlFacts.length) tools.add('sql');
  const verbs = new Set<string>();
  for (const c of commands) verbs.add(c.sub ? `${c.verb} ${c.sub}` : c.verb);
  if (manifests) verbs.add('apply');
  for (const s of sqlFacts) for (const v of s.verbs) verbs.add(v);
  for (const f of ansibleFacts) for (const m of f.modules) verbs.add(m);
  const budget = ctx.errorBudgetRemaining;
  const missingRollback = out.some(f => f.code === 'SQL_NO_DOWN');

  const factsNoRisk: Omit<PolicyFacts, 'riskPct'> = {
    entity: ctx.entity,
    mode,
    tools: [...tools].sort(),
    verbs: [...verbs].sort(),
    namespaces: [...namespaces].sort(),
    targetNamespace: ctx.namespace ?? '',
    environment: ctx.environment,
    production,
    author: ctx.author,
    approvedBy,
    approved,
    selfApproved,
    blastRadius,
    destructive,
    clusterScoped,
    privileged,
    revertOnly,
    readOnly: !mutating,
    changeFreeze: !!ctx.changeFreeze,
    errorBudgetPct:
      typeof budget === 'number' && Number.isFinite(budget)
        ? Math.round(budget * 100)
        : null,
  };
  let risk = scoreRisk({
    facts: factsNoRisk,
    dataLoss,
    mutating,
    missingRollback,
  });
  if (input.plan && input.plan.risk.score > risk.score) risk = input.plan.risk;
  const facts: PolicyFacts = {
    ...factsNoRisk,
    riskPct: Math.round(risk.score * 100),
  };

  // 4. Policy.
  const policy =
    options.policy ?? (defaultPolicy ??= CedarPolicyEvaluator.create());
  const decision = await policy.evaluate(facts);
  // Where the facts a policy judged came from, so a policy finding cites an artifact line too.
  const nsSources = [
    ...commands
      .filter(c => c.namespace)
      .map(c => ({
        namespace: c.namespace!,
        artifact: c.artifact,
        line: c.line as number | undefined,
      })),
    ...k8sFacts.namespaceSources,
  ];
  const SYSTEM_NS = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
  const citeFor = (reason: string): Pick<Finding, 'artifact' | 'line'> => {
    let src: { artifact: string; line?: number } | undefined;
    if (reason === 'namespace-scope')
      src = nsSources.find(s => s.namespace !== ctx.namespace);
    else if (reason === 'system-namespaces')
      src = nsSources.find(s => SYSTEM_NS.has(s.namespace));
    else if (reason === 'no-destructive-in-production')
      src = mutatingCmds.find(c => c.destructive);
    else if (reason === 'no-cluster-scope-in-production')
      src = mutatingCmds.find(c => c.clusterScoped);
    return src ? { artifact: src.artifact, line: src.line } : {};
  };
  if (decision.decision === 'deny') {
    const reasons = decision.reasons.length ? decision.reasons : ['no-permit'];
    for (const r of reasons)
      out.push({
        ...citeFor(r),
        code: `POLICY_${r.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
        severity: 'block',
        stage: 'policy',
        message: `${decision.engine}: ${
          decision.messages[r] ??
          (r === 'no-permit' ? 'no policy permits this plan' : r)
        }`,
      });
  }
  for (const e of decision.errors)
    out.push({
      code: 'POLICY_ERROR',
      severity: 'block',
      stage: 'policy',
      message: `${decision.engine}: ${e}`,
    });

  const findings = dedupe(out);
  return {
    verdict: verdictOf(findings),
    findings,
    facts,
    policy: decision,
    risk,
  };
}
