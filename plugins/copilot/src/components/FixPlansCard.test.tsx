import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  CopilotApiError,
  type FixPlan,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef, type CopilotFrontendApi } from '../api';
import { FixPlansCard, planActions } from './FixPlansCard';

const now = '2026-12-02T06:00:00.000Z';

const plan = (over: Partial<FixPlan> = {}): FixPlan => ({
  id: 'p-1',
  incidentId: 'i-1',
  entityRef: 'component:default/checkout',
  environment: 'staging',
  owners: ['group:default/team-a'],
  mode: 'k8s',
  strategy: 'rollout_restart',
  status: 'draft',
  author: 'user:default/alice',
  approvals: [],
  createdAt: now,
  updatedAt: now,
  plan: {
    id: 'p-1',
    incidentId: 'i-1',
    entityRef: 'component:default/checkout',
    mode: 'k8s',
    strategy: 'rollout_restart',
    hypothesis: 'memory_leak',
    summary: 'Restart the checkout deployment to clear the leaking pods.',
    steps: [
      { order: 2, title: 'Watch the rollout', detail: 'until all pods ready' },
      { order: 1, title: 'Restart the rollout', artifact: 'restart.sh' },
    ],
    artifacts: [
      {
        path: 'restart.sh',
        content:
          "kubectl -n 'shop' rollout restart deployment/'checkout'\nkubectl -n 'shop' rollout status deployment/'checkout'",
      },
    ],
    preChecks: [
      {
        id: 'pre-1',
        description: 'Deployment exists',
        command: "kubectl -n 'shop' get deployment/'checkout'",
      },
    ],
    postChecks: [
      {
        id: 'post-1',
        description: 'Error rate recovers',
        sli: 'http_5xx_ratio',
        target: 0.01,
        comparator: '<=',
        deadline: 'PT15M',
      },
    ],
    rollback: {
      method: 'canary',
      gates: [{ trafficPercent: 10, holdMinutes: 5, slis: ['http_5xx_ratio'] }],
      steps: [{ order: 1, title: 'Undo the rollout', artifact: 'rollback.sh' }],
      artifacts: ['rollback.sh'],
    },
    risk: {
      score: 0.35,
      level: 'medium',
      reasons: [
        {
          code: 'restart',
          weight: 0.2,
          message: 'Restarts every pod of the deployment',
        },
        { code: 'env', weight: 0.15, message: 'Staging environment' },
      ],
    },
    createdAt: now,
  },
  ...over,
});

const preflighted = (): FixPlan => ({
  ...plan(),
  status: 'preflighted',
  preflight: {
    verdict: 'warn',
    findings: [
      {
        code: 'k8s.unknown_field',
        severity: 'warn',
        stage: 'schema',
        message: 'spec.template.spec.restartPolicyy is not a known field',
        artifact: 'patch.yaml',
        line: 7,
      },
      {
        code: 'guardrail.budget',
        severity: 'info',
        stage: 'guardrail',
        message: 'Error budget 62% left',
      },
    ],
    policy: {
      engine: 'cedar',
      decision: 'allow',
      reasons: [],
      messages: {},
      errors: [],
    },
    facts: {},
    risk: plan().plan.risk,
    at: now,
  },
});

function fakeApi(
  over: Partial<CopilotFrontendApi> = {},
): Partial<CopilotFrontendApi> {
  return {
    listFixPlans: jest.fn(async () => ({ items: [] })),
    createFixPlan: jest.fn(async () => plan()),
    preflightFixPlan: jest.fn(async () => preflighted()),
    approveFixPlan: jest.fn(),
    executeFixPlan: jest.fn(),
    getFixPlan: jest.fn(async () => plan()),
    ...over,
  };
}

describe('FixPlansCard', () => {
  it('proposes a plan in the chosen mode and shows its scripts, checks, rollback and risk', async () => {
    const api = fakeApi({
      createFixPlan: jest.fn(async () => plan({ mode: 'helm' })),
    });
    await renderInTestApp(<FixPlansCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    expect(await screen.findByText(/No fix plan yet/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('radio', { name: 'Helm values' }));
    await userEvent.click(
      screen.getByRole('button', { name: 'Propose a fix' }),
    );
    const card = await screen.findByTestId('copilot-fix-plan');
    expect(api.createFixPlan).toHaveBeenCalledWith({
      incident_id: 'i-1',
      mode: 'helm',
    });
    expect(card).toHaveTextContent('Restart the checkout deployment');
    expect(card).toHaveTextContent('risk medium (0.35)');
    expect(
      within(screen.getByRole('list', { name: 'Risk reasons' })).getAllByRole(
        'listitem',
      ),
    ).toHaveLength(2);
    const artifact = screen.getByTestId('copilot-fix-artifact');
    expect(within(artifact).getByText('restart.sh')).toBeInTheDocument();
    expect(artifact.querySelector('pre')).toHaveTextContent(
      "kubectl -n 'shop' rollout restart deployment/'checkout'",
    );
    expect(card).toHaveTextContent('http_5xx_ratio <= 0.01 by PT15M');
    expect(card).toHaveTextContent('Rollback (canary)');
    expect(card).toHaveTextContent('10% traffic, hold 5 min');
    // nothing to approve or execute before preflight
    expect(screen.getByRole('button', { name: 'Approve' })).toBeDisabled();
    expect(
      screen.getByRole('button', { name: 'Execute dry run' }),
    ).toBeDisabled();
    expect(screen.getAllByText('Run preflight first.').length).toBeGreaterThan(
      0,
    );
  });

  it('shows the problem detail when no strategy fits (422)', async () => {
    const api = fakeApi({
      createFixPlan: jest.fn(async () => {
        throw new CopilotApiError(422, 'failed with 422', {
          type: 'about:blank',
          title: 'Unprocessable Content',
          status: 422,
          detail:
            'No sql strategy fits memory_leak; component:default/checkout lacks a database annotation',
          missing: ['a database annotation'],
        } as any);
      }),
    });
    await renderInTestApp(<FixPlansCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    await screen.findByText(/No fix plan yet/);
    await userEvent.click(screen.getByRole('radio', { name: 'SQL migration' }));
    await userEvent.click(
      screen.getByRole('button', { name: 'Propose a fix' }),
    );
    expect(
      await screen.findByText(/No sql strategy fits memory_leak/),
    ).toBeInTheDocument();
    expect(screen.getByText('a database annotation')).toBeInTheDocument();
    expect(screen.queryByTestId('copilot-fix-plan')).not.toBeInTheDocument();
  });

  it('runs preflight and shows its findings with severity and the cited artifact line', async () => {
    const api = fakeApi({
      listFixPlans: jest.fn(async () => ({ items: [plan()] })),
    });
    await renderInTestApp(<FixPlansCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Preflight' }),
    );
    const findings = await screen.findAllByTestId('copilot-fix-finding');
    expect(api.preflightFixPlan).toHaveBeenCalledWith('p-1');
    expect(screen.getByText('Preflight: warn')).toBeInTheDocument();
    expect(findings).toHaveLength(2);
    expect(findings[0]).toHaveTextContent('warn');
    expect(findings[0]).toHaveTextContent(
      'restartPolicyy is not a known field',
    );
    expect(findings[0]).toHaveTextContent('patch.yaml:7');
    expect(findings[1]).toHaveTextContent('info');
    // after a passing preflight a dry run is possible, GitOps still needs an approval
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Execute dry run' }),
      ).toBeEnabled(),
    );
    expect(screen.getByRole('button', { name: 'Approve' })).toBeEnabled();
    expect(
      screen.getByRole('button', { name: 'Execute via GitOps' }),
    ).toBeDisabled();
    expect(screen.getByText('Needs an approval first.')).toBeInTheDocument();
  });

  it('shows the 403 problem detail when the author approves their own plan', async () => {
    const api = fakeApi({
      listFixPlans: jest.fn(async () => ({ items: [preflighted()] })),
      approveFixPlan: jest.fn(async () => {
        throw new CopilotApiError(403, 'failed with 403', {
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
          detail:
            'You wrote fix plan p-1; its author cannot approve it. Ask another owner of component:default/checkout to approve.',
          missing: ['an approver other than the author'],
        } as any);
      }),
    });
    await renderInTestApp(<FixPlansCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    await userEvent.type(
      await screen.findByRole('textbox', { name: 'Approval note' }),
      'looks safe',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
    expect(await screen.findByText('Approval refused')).toBeInTheDocument();
    expect(
      screen.getByText(/its author cannot approve it/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('an approver other than the author'),
    ).toBeInTheDocument();
    expect(api.approveFixPlan).toHaveBeenCalledWith('p-1', 'looks safe');
  });

  it('shows what is missing when execution is refused', async () => {
    const api = fakeApi({
      listFixPlans: jest.fn(async () => ({ items: [preflighted()] })),
      executeFixPlan: jest.fn(async () => {
        throw new CopilotApiError(403, 'failed with 403', {
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
          detail: 'Fix plan p-1 cannot run with the dryrun runner',
          missing: ['an approval by an owner of component:default/checkout'],
        } as any);
      }),
    });
    await renderInTestApp(<FixPlansCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Execute dry run' }),
    );
    expect(
      await screen.findByText('Execution (dry run) refused'),
    ).toBeInTheDocument();
    expect(
      within(screen.getByRole('list', { name: 'Missing' })).getByText(
        'an approval by an owner of component:default/checkout',
      ),
    ).toBeInTheDocument();
    expect(api.executeFixPlan).toHaveBeenCalledWith('p-1', 'dryrun');
  });
});

describe('planActions', () => {
  it('blocks everything but preflight after a blocking verdict, and everything once executed', () => {
    const blocked = preflighted();
    blocked.preflight!.verdict = 'block';
    expect(planActions(blocked)).toEqual({
      preflight: undefined,
      approve: 'Preflight blocked this plan.',
      dryrun: 'Preflight blocked this plan.',
      gitops: 'Preflight blocked this plan.',
    });
    expect(planActions({ ...preflighted(), status: 'executed' })).toEqual({
      preflight: 'Already executed.',
      approve: 'Already executed.',
      dryrun: 'Already executed.',
      gitops: 'Already executed.',
    });
  });
});
