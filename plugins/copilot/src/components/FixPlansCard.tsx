import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  CardHeader,
  Flex,
  Radio,
  RadioGroup,
  Skeleton,
  Text,
  TextField,
} from '@backstage/ui';
import type {
  FixExecution,
  FixPlan,
  FixPlanMode,
  FixRunner,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { toProblem, type ProblemSummary } from './problem';

const MODES: Array<{ id: FixPlanMode; label: string }> = [
  { id: 'k8s', label: 'Kubernetes (kubectl)' },
  { id: 'helm', label: 'Helm values' },
  { id: 'tf', label: 'Terraform' },
  { id: 'ansible', label: 'Ansible' },
  { id: 'sql', label: 'SQL migration' },
];

const RUNNER_LABEL: Record<FixRunner, string> = {
  dryrun: 'dry run',
  gitops: 'GitOps',
  agent: 'agent',
};

/** A refused or failed call, with the problem document's detail and the list of what is missing. */
function ProblemAlert(props: { title: string; problem: ProblemSummary }) {
  const { title, problem } = props;
  return (
    <Alert
      status="danger"
      title={title}
      description={
        <>
          <span>{problem.detail}</span>
          {problem.missing.length > 0 && (
            <>
              <br />
              <span>Missing:</span>
              <ul aria-label="Missing" style={{ margin: 0 }}>
                {problem.missing.map(m => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            </>
          )}
        </>
      }
    />
  );
}

function Section(props: { title: string; children: ReactNode }) {
  return (
    <section style={{ marginTop: 12 }}>
      <Text as="h4" variant="title-x-small">
        {props.title}
      </Text>
      {props.children}
    </section>
  );
}

/** Why a button is disabled, read out with it (aria-describedby). */
function Hint(props: { id: string; text?: string }) {
  if (!props.text) return null;
  return (
    <Text id={props.id} variant="body-small" color="secondary">
      {props.text}
    </Text>
  );
}

/** Which actions make sense for the plan in its current state, and why the others do not. */
export function planActions(plan: FixPlan): {
  preflight?: string;
  approve?: string;
  dryrun?: string;
  gitops?: string;
} {
  const executed = plan.status === 'executed' ? 'Already executed.' : undefined;
  let notPreflighted: string | undefined;
  if (!plan.preflight) notPreflighted = 'Run preflight first.';
  else if (plan.preflight.verdict === 'block')
    notPreflighted = 'Preflight blocked this plan.';
  return {
    preflight: executed,
    approve: executed ?? notPreflighted,
    dryrun: executed ?? notPreflighted,
    gitops:
      executed ??
      notPreflighted ??
      (plan.approvals.length === 0 ? 'Needs an approval first.' : undefined),
  };
}

/** One plan: what it changes, how risky it is, its scripts and checks, and the preflight/approve/execute flow. */
function FixPlanView(props: {
  plan: FixPlan;
  onChange: (plan: FixPlan) => void;
}) {
  const { plan, onChange } = props;
  const api = useApi(copilotApiRef);
  const doc = plan.plan;
  const [busy, setBusy] = useState<string | undefined>();
  const [problem, setProblem] = useState<
    { action: string; problem: ProblemSummary } | undefined
  >();
  const [note, setNote] = useState('');
  const [execution, setExecution] = useState<FixExecution | undefined>();
  const hints = planActions(plan);
  const idBase = `copilot-plan-${plan.id}`;

  const run = async (action: string, fn: () => Promise<void>) => {
    setBusy(action);
    setProblem(undefined);
    try {
      await fn();
    } catch (e) {
      setProblem({ action, problem: toProblem(e) });
    } finally {
      setBusy(undefined);
    }
  };
  const preflight = () =>
    run('Preflight', async () => onChange(await api.preflightFixPlan(plan.id)));
  const approve = () =>
    run('Approval', async () => {
      onChange(await api.approveFixPlan(plan.id, note.trim() || undefined));
      setNote('');
    });
  const execute = (runner: FixRunner) =>
    run(`Execution (${RUNNER_LABEL[runner]})`, async () => {
      setExecution(await api.executeFixPlan(plan.id, runner));
      onChange(await api.getFixPlan(plan.id));
    });

  return (
    <li
      data-testid="copilot-fix-plan"
      aria-label={`Fix plan ${doc.strategy}`}
      style={{ marginBottom: 24 }}
    >
      <Flex gap="2" align="center" style={{ flexWrap: 'wrap' }}>
        <Text as="h3" variant="title-x-small">
          {doc.strategy} ({plan.mode})
        </Text>
        <Badge>{plan.status}</Badge>
        <Badge>{plan.environment}</Badge>
        <Badge>
          risk {doc.risk.level} ({doc.risk.score.toFixed(2)})
        </Badge>
      </Flex>
      <Text as="p">{doc.summary}</Text>
      <Text as="p" variant="body-small" color="secondary">
        Proposed by {plan.author} for {plan.entityRef},{' '}
        {new Date(plan.createdAt).toUTCString()}
      </Text>

      <Section title="Risk">
        <ul aria-label="Risk reasons">
          {doc.risk.reasons.map(r => (
            <li key={r.code}>
              {r.message} (+{r.weight.toFixed(2)})
            </li>
          ))}
        </ul>
      </Section>

      <Section title="Steps">
        <ol>
          {[...doc.steps]
            .sort((a, b) => a.order - b.order)
            .map(s => (
              <li key={s.order}>
                {s.title}
                {s.artifact && (
                  <>
                    {' '}
                    (<code>{s.artifact}</code>)
                  </>
                )}
                {s.detail && (
                  <Text as="div" variant="body-small" color="secondary">
                    {s.detail}
                  </Text>
                )}
              </li>
            ))}
        </ol>
      </Section>

      <Section title="Artifacts">
        {doc.artifacts.map(a => (
          <figure
            key={a.path}
            data-testid="copilot-fix-artifact"
            style={{ margin: '8px 0' }}
          >
            <figcaption>
              <code>{a.path}</code>
            </figcaption>
            <pre style={{ overflowX: 'auto', margin: 0 }}>
              <code>{a.content}</code>
            </pre>
          </figure>
        ))}
      </Section>

      <Section title="Checks">
        <Text as="p" variant="body-small" weight="bold">
          Before
        </Text>
        <ul>
          {doc.preChecks.map(c => (
            <li key={c.id}>
              {c.description}
              {c.command && (
                <>
                  {': '}
                  <code>{c.command}</code>
                </>
              )}
            </li>
          ))}
        </ul>
        <Text as="p" variant="body-small" weight="bold">
          After (must recover)
        </Text>
        <ul>
          {doc.postChecks.map(c => (
            <li key={c.id}>
              {c.description}: <code>{c.sli}</code> {c.comparator} {c.target} by{' '}
              {c.deadline}
            </li>
          ))}
        </ul>
      </Section>

      <Section title={`Rollback (${doc.rollback.method.replace('_', '/')})`}>
        {doc.rollback.gates.length > 0 && (
          <ul aria-label="Rollout gates">
            {doc.rollback.gates.map((g, i) => (
              <li key={i}>
                {g.trafficPercent}% traffic, hold {g.holdMinutes} min, watching{' '}
                {g.slis.join(', ')}
              </li>
            ))}
          </ul>
        )}
        <ol>
          {doc.rollback.steps.map(s => (
            <li key={s.order}>
              {s.title}
              {s.artifact && (
                <>
                  {' '}
                  (<code>{s.artifact}</code>)
                </>
              )}
            </li>
          ))}
        </ol>
      </Section>

      {plan.preflight && (
        <Section title={`Preflight: ${plan.preflight.verdict}`}>
          <Text as="p" variant="body-small" color="secondary">
            {plan.preflight.policy.engine} policy{' '}
            {plan.preflight.policy.decision === 'allow' ? 'allows' : 'denies'}{' '}
            this plan; checked {new Date(plan.preflight.at).toUTCString()}
          </Text>
          {plan.preflight.findings.length === 0 ? (
            <Text as="p">No findings.</Text>
          ) : (
            <ul aria-label="Preflight findings">
              {plan.preflight.findings.map((f, i) => (
                <li key={i} data-testid="copilot-fix-finding">
                  <Badge>{f.severity}</Badge> {f.stage}: {f.message}
                  {f.artifact && (
                    <>
                      {' '}
                      (
                      <code>
                        {f.artifact}
                        {f.line !== undefined ? `:${f.line}` : ''}
                      </code>
                      )
                    </>
                  )}{' '}
                  <Text variant="body-x-small" color="secondary">
                    [{f.code}]
                  </Text>
                </li>
              ))}
            </ul>
          )}
        </Section>
      )}

      {plan.approvals.length > 0 && (
        <Section title="Approvals">
          <ul>
            {plan.approvals.map(a => (
              <li key={a.id}>
                {a.approver}, {new Date(a.createdAt).toUTCString()}
                {a.note ? `: ${a.note}` : ''}
              </li>
            ))}
          </ul>
        </Section>
      )}

      <Flex gap="3" align="end" style={{ flexWrap: 'wrap', marginTop: 12 }}>
        <Flex direction="column" gap="1">
          <Button
            variant="secondary"
            isDisabled={busy !== undefined || !!hints.preflight}
            aria-describedby={hints.preflight ? `${idBase}-pf` : undefined}
            onPress={preflight}
          >
            {busy === 'Preflight' ? 'Running preflight…' : 'Preflight'}
          </Button>
          <Hint id={`${idBase}-pf`} text={hints.preflight} />
        </Flex>
        <Flex direction="column" gap="1">
          <TextField
            label="Approval note"
            value={note}
            onChange={setNote}
            isDisabled={!!hints.approve}
          />
          <Button
            variant="secondary"
            isDisabled={busy !== undefined || !!hints.approve}
            aria-describedby={hints.approve ? `${idBase}-ap` : undefined}
            onPress={approve}
          >
            Approve
          </Button>
          <Hint id={`${idBase}-ap`} text={hints.approve} />
        </Flex>
        <Flex direction="column" gap="1">
          <Button
            variant="secondary"
            isDisabled={busy !== undefined || !!hints.dryrun}
            aria-describedby={hints.dryrun ? `${idBase}-dr` : undefined}
            onPress={() => execute('dryrun')}
          >
            Execute dry run
          </Button>
          <Hint id={`${idBase}-dr`} text={hints.dryrun} />
        </Flex>
        <Flex direction="column" gap="1">
          <Button
            variant="primary"
            isDisabled={busy !== undefined || !!hints.gitops}
            aria-describedby={hints.gitops ? `${idBase}-go` : undefined}
            onPress={() => execute('gitops')}
          >
            Execute via GitOps
          </Button>
          <Hint id={`${idBase}-go`} text={hints.gitops} />
        </Flex>
      </Flex>

      <div aria-live="polite" style={{ marginTop: 8 }}>
        {problem && (
          <ProblemAlert
            title={`${problem.action} refused`}
            problem={problem.problem}
          />
        )}
        {execution && (
          <Alert
            status={execution.status === 'failed' ? 'danger' : 'success'}
            title={`Execution ${execution.status} (${
              RUNNER_LABEL[execution.runner]
            })`}
            description={
              <>
                {execution.prUrl && (
                  <>
                    Pull request:{' '}
                    <a href={execution.prUrl}>{execution.prUrl}</a>
                    <br />
                  </>
                )}
                Output sha256 <code>{execution.outputHash}</code>, signed with
                key {execution.keyId}.
              </>
            }
          />
        )}
      </div>
    </li>
  );
}

/**
 * "Fix plans": the incident's plans and a way to propose one. Each plan shows its steps, generated
 * scripts, checks, rollback and risk, and walks through preflight, approval and execution; refusals
 * show the API's problem detail and what is missing.
 */
export function FixPlansCard(props: { incidentId: string }) {
  const { incidentId } = props;
  const api = useApi(copilotApiRef);
  const [state, setState] = useState<{
    loading: boolean;
    plans: FixPlan[];
    problem?: ProblemSummary;
  }>({ loading: true, plans: [] });
  const [mode, setMode] = useState<FixPlanMode>('k8s');
  const [proposing, setProposing] = useState(false);
  const [proposeProblem, setProposeProblem] = useState<
    ProblemSummary | undefined
  >();

  const load = useCallback(async () => {
    try {
      const { items } = await api.listFixPlans(incidentId);
      setState({ loading: false, plans: items });
    } catch (e) {
      setState({ loading: false, plans: [], problem: toProblem(e) });
    }
  }, [api, incidentId]);

  useEffect(() => {
    load();
  }, [load]);

  const replace = (plan: FixPlan) =>
    setState(s => ({
      ...s,
      plans: s.plans.some(p => p.id === plan.id)
        ? s.plans.map(p => (p.id === plan.id ? plan : p))
        : [plan, ...s.plans],
    }));

  const propose = async () => {
    setProposing(true);
    setProposeProblem(undefined);
    try {
      replace(await api.createFixPlan({ incident_id: incidentId, mode }));
    } catch (e) {
      setProposeProblem(toProblem(e));
    } finally {
      setProposing(false);
    }
  };

  let body;
  if (state.loading) body = <Skeleton width="100%" height={64} />;
  else if (state.problem)
    body = (
      <ProblemAlert title="Could not load fix plans" problem={state.problem} />
    );
  else if (state.plans.length === 0)
    body = (
      <Text as="p" color="secondary">
        No fix plan yet. Propose one: the copilot picks a strategy from the
        incident's probable causes and writes the change in the chosen form.
      </Text>
    );
  else
    body = (
      <ul style={{ listStyle: 'none', padding: 0 }} aria-label="Fix plans">
        {state.plans.map(p => (
          <FixPlanView key={p.id} plan={p} onChange={replace} />
        ))}
      </ul>
    );

  return (
    <Card>
      <CardHeader>
        <Text as="h2" variant="title-small">
          Fix plans
        </Text>
      </CardHeader>
      <CardBody>
        <Flex gap="3" align="end" style={{ flexWrap: 'wrap' }}>
          <RadioGroup
            label="Change as"
            orientation="horizontal"
            value={mode}
            onChange={v => setMode(v as FixPlanMode)}
          >
            {MODES.map(m => (
              <Radio key={m.id} value={m.id}>
                {m.label}
              </Radio>
            ))}
          </RadioGroup>
          <Button variant="primary" isDisabled={proposing} onPress={propose}>
            {proposing ? 'Proposing…' : 'Propose a fix'}
          </Button>
        </Flex>
        {proposeProblem && (
          <div style={{ marginTop: 8 }}>
            <ProblemAlert title="No fix plan" problem={proposeProblem} />
          </div>
        )}
        <div style={{ marginTop: 16 }}>{body}</div>
      </CardBody>
    </Card>
  );
}
