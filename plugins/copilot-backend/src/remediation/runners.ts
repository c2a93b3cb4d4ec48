import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { Octokit } from '@octokit/rest';
import { ScmIntegrations } from '@backstage/integration';
import type { Config } from '@backstage/config';
import type { FixRunner } from '@devops-copilot/backstage-plugin-copilot-common';
import { sha256Hex } from '../engine/remediate';
import type { StoredFixPlan } from '../stores/FixPlanStore';
import type { RemediationConfig } from './config';

const run = promisify(execFile);

/** What a runner hands back: its output (stored once and signed) and the PR it opened, if any. */
export interface RunnerResult {
  status: 'recorded' | 'rendered' | 'pr_opened';
  output: Record<string, unknown>;
  prUrl?: string;
}

export interface FixRunnerImpl {
  readonly id: FixRunner;
  run(
    plan: StoredFixPlan,
    ctx: { executionId: string; actor: string },
  ): Promise<RunnerResult>;
}

/** The one tool each mode's runner image may call (DESIGN.md section 6: no free-form shell). */
export const ALLOWED_TOOLS: Record<StoredFixPlan['mode'], string[]> = {
  k8s: ['kubectl'],
  helm: ['helm'],
  tf: ['terraform'],
  ansible: ['ansible-playbook'],
  sql: ['psql', 'mysql'],
};

function manifest(plan: StoredFixPlan) {
  return {
    planId: plan.id,
    mode: plan.mode,
    tools: ALLOWED_TOOLS[plan.mode],
    steps: plan.plan.steps.map(s => ({
      order: s.order,
      title: s.title,
      ...(s.artifact ? { artifact: s.artifact } : {}),
    })),
    artifacts: plan.plan.artifacts.map(a => ({
      path: a.path,
      sha256: sha256Hex(a.content),
    })),
    rollback: plan.plan.rollback.artifacts,
  };
}

/** Records what would run, in order, with each artifact's hash: nothing is executed. */
export class DryRunRunner implements FixRunnerImpl {
  readonly id = 'dryrun' as const;

  async run(plan: StoredFixPlan): Promise<RunnerResult> {
    return {
      status: 'recorded',
      output: {
        runner: 'dryrun',
        wouldRun: manifest(plan),
        preflight: plan.preflight?.verdict ?? null,
      },
    };
  }
}

/** A ConfigMap key for an artifact path (keys allow [-._a-zA-Z0-9]). */
function configMapKey(path: string): string {
  return path.replace(/[^-._a-zA-Z0-9]/g, '_');
}

/**
 * Renders a Kubernetes Job for the isolated in-cluster runner: the plan's generated, preflighted files
 * mounted read-only from a ConfigMap with a manifest of their hashes; the runner image executes only the
 * allow-listed tool of the plan's mode on those files. Nothing is applied by the backend.
 */
export class AgentRunner implements FixRunnerImpl {
  readonly id = 'agent' as const;

  constructor(private readonly config: RemediationConfig['agent']) {}

  async run(
    plan: StoredFixPlan,
    ctx: { executionId: string },
  ): Promise<RunnerResult> {
    const name = `copilot-fix-${plan.id
      .replace(/^plan-/, '')
      .slice(0, 16)}-${ctx.executionId.slice(0, 8)}`.toLowerCase();
    const labels = {
      'app.kubernetes.io/managed-by': 'devops-copilot',
      'copilot.dev/plan-id': plan.id,
    };
    const data: Record<string, string> = {
      'manifest.json': JSON.stringify(manifest(plan), null, 2),
    };
    const items = [{ key: 'manifest.json', path: 'manifest.json' }];
    for (const a of plan.plan.artifacts) {
      const key = configMapKey(a.path);
      data[key] = a.content;
      // Mounted under its own relative path when that is a plain one, else under its key.
      const plain =
        /^[\w.-]+(\/[\w.-]+)*$/.test(a.path) &&
        !a.path.split('/').some(p => p === '..' || p === '.');
      items.push({ key, path: plain ? a.path : key });
    }
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: this.config.namespace, labels },
      immutable: true,
      data,
    };
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: this.config.namespace, labels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 900,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: this.config.serviceAccountName,
            automountServiceAccountToken: true,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'runner',
                image: this.config.image,
                // The image's entrypoint: verifies every file against manifest.json, then runs the steps
                // with the allow-listed tool only. No shell, no arguments from the plan's text.
                args: [
                  '--manifest',
                  '/plan/manifest.json',
                  '--mode',
                  plan.mode,
                  '--allowed-tools',
                  ALLOWED_TOOLS[plan.mode].join(','),
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  privileged: false,
                  capabilities: { drop: ['ALL'] },
                },
                resources: {
                  requests: { cpu: '100m', memory: '128Mi' },
                  limits: { cpu: '500m', memory: '256Mi' },
                },
                volumeMounts: [
                  { name: 'plan', mountPath: '/plan', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'plan', configMap: { name, items } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    };
    return {
      status: 'rendered',
      output: { runner: 'agent', configMap, job, manifest: manifest(plan) },
    };
  }
}

/** owner/repo of a GitHub repository URL. */
export function parseGitHubRepo(
  url: string,
): { owner: string; repo: string } | undefined {
  const m = /^https?:\/\/[^/]+\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url);
  return m ? { owner: m[1], repo: m[2] } : undefined;
}

/**
 * Writes the plan's files under `<path>/<plan id>/` on a new branch of the GitOps repository with the
 * `git` CLI (execFile, no shell), pushes it, and opens a pull request on GitHub with the token of the
 * portal's integration for that host.
 */
export class GitOpsRunner implements FixRunnerImpl {
  readonly id = 'gitops' as const;
  private readonly integrations: ScmIntegrations;

  constructor(
    private readonly gitops: NonNullable<RemediationConfig['gitops']>,
    rootConfig: Config,
  ) {
    this.integrations = ScmIntegrations.fromConfig(rootConfig);
  }

  async run(
    plan: StoredFixPlan,
    ctx: { executionId: string; actor: string },
  ): Promise<RunnerResult> {
    const g = this.gitops;
    const prRepoUrl = g.pullRequestRepoUrl ?? g.repoUrl;
    const gh = this.integrations.github.byUrl(prRepoUrl)?.config;
    const repo = parseGitHubRepo(prRepoUrl);
    if (!gh || !repo)
      throw new Error(
        `no GitHub integration matches ${prRepoUrl}; add it under integrations.github`,
      );
    const branch = `copilot/${plan.id}-${ctx.executionId.slice(0, 8)}`;
    const dir = await mkdtemp(join(tmpdir(), 'copilot-gitops-'));
    const auth: string[] =
      gh.token && /^https:/.test(g.repoUrl)
        ? [
            '-c',
            `http.extraHeader=Authorization: Basic ${Buffer.from(
              `x-access-token:${gh.token}`,
            ).toString('base64')}`,
          ]
        : [];
    const git = (...args: string[]) =>
      run('git', [...auth, ...args], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          GIT_TERMINAL_PROMPT: '0',
          GIT_AUTHOR_NAME: g.authorName,
          GIT_AUTHOR_EMAIL: g.authorEmail,
          GIT_COMMITTER_NAME: g.authorName,
          GIT_COMMITTER_EMAIL: g.authorEmail,
        },
        timeout: 60_000,
        maxBuffer: 4 * 1024 * 1024,
      });
    try {
      await git(
        'clone',
        '--quiet',
        '--depth',
        '1',
        '--branch',
        g.baseBranch,
        '--',
        g.repoUrl,
        '.',
      );
      await git('checkout', '--quiet', '-b', branch);
      const base = posix.join(g.path, plan.id);
      const written: string[] = [];
      const files = [
        ...plan.plan.artifacts,
        {
          path: 'PLAN.md',
          content: planMarkdown(plan),
        },
        {
          path: 'manifest.json',
          content: `${JSON.stringify(manifest(plan), null, 2)}\n`,
        },
      ];
      for (const a of files) {
        const rel = posix.normalize(posix.join(base, a.path));
        if (!rel.startsWith(`${base}/`))
          throw new Error(`artifact path ${a.path} leaves the plan's folder`);
        const abs = join(dir, ...rel.split('/'));
        await mkdir(dirname(abs), { recursive: true });
        await writeFile(abs, a.content, 'utf8');
        written.push(rel);
      }
      await git('add', '--', base);
      await git(
        'commit',
        '--quiet',
        '-m',
        `copilot: ${plan.strategy} for ${plan.entityRef} (${plan.id})`,
        '-m',
        `Incident ${plan.incidentId}. Requested by ${ctx.actor}.`,
      );
      const { stdout: sha } = await git('rev-parse', 'HEAD');
      await git('push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);

      const octokit = new Octokit({
        auth: gh.token,
        baseUrl: gh.apiBaseUrl ?? 'https://api.github.com',
      });
      const pr = await octokit.pulls.create({
        owner: repo.owner,
        repo: repo.repo,
        head: branch,
        base: g.baseBranch,
        title: `Copilot fix: ${plan.plan.summary}`.slice(0, 250),
        body: planMarkdown(plan),
      });
      return {
        status: 'pr_opened',
        prUrl: pr.data.html_url,
        output: {
          runner: 'gitops',
          branch,
          commit: sha.trim(),
          files: written,
          pullRequest: { number: pr.data.number, url: pr.data.html_url },
        },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function planMarkdown(plan: StoredFixPlan): string {
  const p = plan.plan;
  return [
    `# ${p.summary}`,
    '',
    `Plan \`${plan.id}\` for incident \`${plan.incidentId}\` on \`${plan.entityRef}\` (${plan.environment}), strategy \`${plan.strategy}\`, mode \`${plan.mode}\`.`,
    `Risk ${p.risk.level} (${p.risk.score.toFixed(2)}); preflight: ${
      plan.preflight?.verdict ?? 'not run'
    }.`,
    '',
    '## Steps',
    ...p.steps.map(
      s => `${s.order}. ${s.title}${s.artifact ? ` (\`${s.artifact}\`)` : ''}`,
    ),
    '',
    '## Post-checks',
    ...p.postChecks.map(c => `- ${c.description}`),
    '',
    `## Rollback (${p.rollback.method})`,
    ...p.rollback.steps.map(s => `${s.order}. ${s.title}`),
    '',
  ].join('\n');
}
