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

/** 127.0.0.0/8, ::1 and localhost: traffic to them does not leave the machine. */
function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  );
}

/**
 * Checks the GitOps repository URL before it reaches `git clone`: no option-like value (`-…`), no
 * whitespace or control characters, no `<transport>::` remote helpers (`ext::`, `fd::`), no credentials
 * in an http(s) URL (the token comes from the integration, never from the URL). Returns the parsed URL
 * for http(s), undefined for ssh, scp-like and local paths.
 */
export function checkGitOpsRepoUrl(repoUrl: string): URL | undefined {
  const refuse = (why: string) =>
    new Error(
      `copilot.remediation.gitops.repoUrl is refused: ${why} (an https URL, ssh://, user@host:path or a local path)`,
    );
  // eslint-disable-next-line no-control-regex
  if (!repoUrl || /[\s\x00-\x1f\x7f]/.test(repoUrl))
    throw refuse('it is empty or contains whitespace or control characters');
  if (repoUrl.startsWith('-'))
    throw refuse('it starts with "-" and would be read as an option');
  if (/^[A-Za-z][\w+.-]*::/.test(repoUrl))
    throw refuse('remote helper transports (<transport>::…) are not allowed');
  if (!/^https?:\/\//i.test(repoUrl)) return undefined;
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    throw refuse('it is not a valid URL');
  }
  if (url.password)
    throw refuse(
      'it carries credentials; the token comes from integrations.github',
    );
  return url;
}

/** Replaces every occurrence of the secrets in `text` (the token and its Basic header form). */
function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets)
    if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

const AUTH_FAILED =
  /authentication failed|could not read (username|password)|terminal prompts disabled|invalid username or password|HTTP (401|403)|returned error: 40[13]|\b40[13]\b.*(unauthorized|forbidden)|permission to .* denied|write access to repository not granted/i;

/**
 * Writes the plan's files under `<path>/<plan id>/` on a new branch of the GitOps repository with the
 * `git` CLI (execFile, no shell), pushes it, and opens a pull request on GitHub.
 *
 * Credentials: git gets the token of the `integrations.github` entry whose host is the host of `repoUrl`
 * (the host git actually contacts), and only over https, or plain http to a loopback host; with no such
 * entry git gets no token. The token is passed in git's environment (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/
 * `GIT_CONFIG_VALUE_n`, readable only by this user), never in argv (`/proc/<pid>/cmdline` is
 * world-readable) nor in the URL, scoped to that origin, with redirects off so it cannot follow a
 * redirect to another host. The pull request is opened with the token of the entry matching
 * `pullRequestRepoUrl ?? repoUrl`, on that entry's API only.
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
    const repoUrl = checkGitOpsRepoUrl(g.repoUrl);
    const prRepoUrl = g.pullRequestRepoUrl ?? g.repoUrl;
    const gh = this.integrations.github.byUrl(prRepoUrl)?.config;
    const repo = parseGitHubRepo(prRepoUrl);
    if (!gh || !repo)
      throw new Error(
        `no GitHub integration matches ${prRepoUrl}; add it under integrations.github`,
      );
    if (!gh.token)
      throw new Error(
        `the integrations.github entry for host ${gh.host} has no token, so no pull request can be opened on ${repo.owner}/${repo.repo}; set integrations.github[host=${gh.host}].token`,
      );

    // The token sent to git is the one of the host git contacts, never the PR host's.
    const gitHost = repoUrl?.host;
    const gitIntegration = repoUrl
      ? this.integrations.github.byUrl(repoUrl.href)?.config
      : undefined;
    const secureTransport =
      repoUrl !== undefined &&
      (repoUrl.protocol === 'https:' ||
        (repoUrl.protocol === 'http:' && isLoopback(repoUrl.hostname)));
    const gitToken =
      secureTransport && gitIntegration?.token
        ? gitIntegration.token
        : undefined;
    const basic = gitToken
      ? Buffer.from(`x-access-token:${gitToken}`).toString('base64')
      : undefined;
    const secrets = [gh.token, gitToken, basic].filter((s): s is string => !!s);
    const gitConfig: Array<[string, string]> = [
      // No credential helper (system config included) is asked for or given anything.
      ['credential.helper', ''],
    ];
    if (repoUrl && basic)
      gitConfig.push(
        [
          `http.${repoUrl.origin}/.extraHeader`,
          `Authorization: Basic ${basic}`,
        ],
        ['http.followRedirects', 'false'],
      );
    const configEnv: Record<string, string> = {
      GIT_CONFIG_COUNT: String(gitConfig.length),
    };
    gitConfig.forEach(([k, v], i) => {
      configEnv[`GIT_CONFIG_KEY_${i}`] = k;
      configEnv[`GIT_CONFIG_VALUE_${i}`] = v;
    });

    const branch = `copilot/${plan.id}-${ctx.executionId.slice(0, 8)}`;
    const dir = await mkdtemp(join(tmpdir(), 'copilot-gitops-'));
    const gitFailure = (what: string, e: GitError): string => {
      const said = String(e.stderr ?? '').trim() || e.message || String(e);
      let why: string;
      if (e.killed || e.signal)
        why = `git did not finish within 60s (${e.signal ?? 'killed'})`;
      else if (e.code === 'ENOENT')
        why = 'the git CLI is not installed on the backend host';
      else if (/returned error: 30[1278]\b/.test(said))
        why = `the server answered with a redirect (HTTP ${
          /returned error: (30\d)/.exec(said)?.[1]
        }); redirects are not followed, so credentials cannot be sent on to another host; set repoUrl to the repository's final URL`;
      else if (repoUrl && AUTH_FAILED.test(said)) {
        if (gitToken)
          why = `${gitHost} refused the token of the integrations.github entry for host ${gitHost}; check that token (integrations.github[host=${gitHost}].token) is valid and may push to the repository`;
        else if (gitIntegration?.token)
          why = `${gitHost} asked for credentials; the token of integrations.github[host=${gitHost}] is only sent over https (plain http only to a loopback host), so none was sent; use an https repoUrl`;
        else
          why = `${gitHost} asked for credentials and no integrations.github entry with a token matches host ${gitHost}, so none was sent (a token is only sent to the host of its own entry); add integrations.github[host=${gitHost}] with a token`;
      } else why = 'git failed';
      return `git ${what} of ${g.repoUrl} failed: ${why}. git said: ${said}`;
    };

    const git = async (...args: string[]) => {
      try {
        return await run('git', args, {
          cwd: dir,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: dir,
            GIT_TERMINAL_PROMPT: '0',
            GIT_AUTHOR_NAME: g.authorName,
            GIT_AUTHOR_EMAIL: g.authorEmail,
            GIT_COMMITTER_NAME: g.authorName,
            GIT_COMMITTER_EMAIL: g.authorEmail,
            ...configEnv,
          },
          timeout: 60_000,
          maxBuffer: 4 * 1024 * 1024,
        });
      } catch (e) {
        throw new Error(
          redact(gitFailure(args[0], e as GitError), secrets).slice(0, 2000),
        );
      }
    };
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

      // The pull request goes to the API of the PR repository's own integration, with its token.
      const apiBaseUrl =
        gh.apiBaseUrl ??
        (gh.host === 'github.com'
          ? 'https://api.github.com'
          : `https://${gh.host}/api/v3`);
      const octokit = new Octokit({ auth: gh.token, baseUrl: apiBaseUrl });
      let pr;
      try {
        pr = await octokit.pulls.create({
          owner: repo.owner,
          repo: repo.repo,
          head: branch,
          base: g.baseBranch,
          title: `Copilot fix: ${plan.plan.summary}`.slice(0, 250),
          body: planMarkdown(plan),
        });
      } catch (e) {
        const status = (e as { status?: number }).status;
        throw new Error(
          redact(
            `branch ${branch} was pushed, but opening the pull request on ${
              repo.owner
            }/${repo.repo} at ${apiBaseUrl} failed${
              status ? ` (HTTP ${status})` : ''
            }: ${(e as Error).message}${
              status === 401 || status === 403
                ? `; check integrations.github[host=${gh.host}].token`
                : ''
            }`,
            secrets,
          ).slice(0, 2000),
        );
      }
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

interface GitError extends Error {
  stderr?: string | Buffer;
  code?: number | string;
  killed?: boolean;
  signal?: string | null;
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
