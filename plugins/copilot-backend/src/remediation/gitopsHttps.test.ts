import { TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { StoredFixPlan } from '../stores/FixPlanStore';
import {
  ALICE,
  as,
  incidentWithAnalysis,
  startFixBackend,
} from '../__testUtils__/fix';
import { GitOpsRunner } from './runners';

// The GitOps runner's https + token path against a real git smart-HTTP server (git http-backend as a CGI
// behind a Node http server that requires Basic auth). Plain http is used: the runner sends a token over
// http only to loopback hosts (127.0.0.0/8, ::1, localhost); anywhere else it needs https.

/** Every execFile the runner makes (the real one runs): argv and env, to prove where the token goes. */
jest.mock('node:child_process', () => {
  const actual = jest.requireActual('node:child_process');
  const { promisify } = jest.requireActual('node:util');
  const calls: Array<{
    file: string;
    args: string[];
    env: Record<string, string>;
  }> = [];
  const real = promisify(actual.execFile);
  const execFile: any = (...a: any[]) => actual.execFile(...a);
  execFile[promisify.custom] = (file: string, args: string[], opts: any) => {
    calls.push({ file, args: [...args], env: { ...(opts?.env ?? {}) } });
    return real(file, args, opts);
  };
  return { ...actual, execFile, mockCalls: calls };
});
const execCalls: Array<{
  file: string;
  args: string[];
  env: Record<string, string>;
}> = jest.requireMock('node:child_process').mockCalls;

jest.setTimeout(120_000);

const GIT_TOKEN = 'ghs_GitHostToken_0123456789abcdef';
const PR_TOKEN = 'ghp_PrHostToken_fedcba9876543210';
const basic = (t: string) =>
  `Basic ${Buffer.from(`x-access-token:${t}`).toString('base64')}`;
const SECRETS = [GIT_TOKEN, PR_TOKEN, basic(GIT_TOKEN), basic(PR_TOKEN)].map(
  s => s.replace(/^Basic /, ''),
);

const gitEnv = (cwd: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: cwd,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
});
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: gitEnv(cwd),
  });

/** The command lines of every process on the machine that contain one of the secrets (world-readable). */
function procCmdlines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.push(
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '),
      );
    } catch {
      // gone
    }
  }
  return out;
}

interface GitRequest {
  method?: string;
  url?: string;
  auth?: string;
  /** Command lines of live processes containing a secret while git was talking to us. */
  leaks: string[];
  /** Whether a git client process with our URL was seen (proves the /proc scan sees git). */
  sawClient: boolean;
}

/** A git smart-HTTP server: Basic auth with `x-access-token:<token>`, then `git http-backend` as a CGI. */
function gitHttpServer() {
  const state = {
    root: '',
    token: GIT_TOKEN,
    requests: [] as GitRequest[],
    url: '',
    redirectTo: '',
  };
  const server = createServer((req, res) => {
    const cmdlines = procCmdlines();
    state.requests.push({
      method: req.method,
      url: req.url,
      auth: req.headers.authorization,
      leaks: cmdlines.filter(c => SECRETS.some(s => c.includes(s))),
      sawClient: cmdlines.some(
        c => c.includes('remote-http') && c.includes(state.url),
      ),
    });
    const u = new URL(req.url ?? '/', 'http://localhost');
    if (u.pathname.startsWith('/moved/') && state.redirectTo) {
      res.writeHead(301, {
        location: `${state.redirectTo}${u.pathname.slice(6)}${u.search}`,
      });
      res.end();
      return;
    }
    if (req.headers.authorization !== basic(state.token)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('Unauthorized\n');
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '',
        GIT_PROJECT_ROOT: state.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
      if (end < 0) return;
      const sep = end === crlf ? 4 : 2;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head
        .subarray(0, end)
        .toString('latin1')
        .split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10);
        else headers[k] = v;
      }
      headersDone = true;
      res.writeHead(status, headers);
      res.write(head.subarray(end + sep));
    });
    cgi.stdout.on('end', () => res.end());
    cgi.on('error', () => res.destroy());
  });
  return { server, state };
}

/** A GitHub REST API stand-in: records pull request calls and their Authorization header. */
function githubApi() {
  const calls: Array<{
    method?: string;
    url?: string;
    auth?: string;
    body: any;
  }> = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? JSON.parse(text) : undefined;
    calls.push({
      method: req.method,
      url: req.url,
      auth: req.headers.authorization,
      body,
    });
    const m = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(req.url ?? '');
    if (req.method === 'POST' && m) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          number: 11,
          html_url: `https://github.com/${m[1]}/${m[2]}/pull/11`,
          head: { ref: body.head },
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"Not Found"}');
  });
  return { server, calls };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const noSecret = (text: string) => {
  for (const s of SECRETS) expect(text).not.toContain(s);
};

function fixturePlan(id: string): StoredFixPlan {
  const now = new Date().toISOString();
  return {
    id,
    incidentId: 'inc-1',
    entityRef: 'component:default/cart',
    environment: 'staging',
    owners: ['group:default/team-cart'],
    mode: 'k8s',
    strategy: 'rollback',
    status: 'approved',
    author: ALICE,
    plan: {
      id,
      incidentId: 'inc-1',
      entityRef: 'component:default/cart',
      mode: 'k8s',
      strategy: 'rollback',
      hypothesis: 'bad_deploy',
      summary: 'Roll cart back to 2.0.0',
      steps: [{ order: 1, title: 'Apply', artifact: 'deployment.yaml' }],
      artifacts: [{ path: 'deployment.yaml', content: 'kind: Deployment\n' }],
      preChecks: [],
      postChecks: [],
      rollback: { method: 'revert', gates: [], steps: [], artifacts: [] },
      risk: { score: 0.2, level: 'low', reasons: [] },
      createdAt: now,
    },
    createdAt: now,
    updatedAt: now,
  } as StoredFixPlan;
}

describe('GitOps runner over http(s) with the integration token', () => {
  let dir: string;
  let root: string;
  let bare: string;
  const served = gitHttpServer();
  const otherRequests: Array<{ url?: string; auth?: string }> = [];
  const other = createServer((req, res) => {
    otherRequests.push({ url: req.url, auth: req.headers.authorization });
    res.writeHead(404);
    res.end();
  });
  const api = githubApi();
  let gitHost: string;
  let repoUrl: string;
  let apiUrl: string;

  const gitops = (
    over: Partial<ConstructorParameters<typeof GitOpsRunner>[0]> = {},
  ) => ({
    repoUrl,
    baseBranch: 'main',
    path: 'fixes',
    authorName: 'DevOps Copilot',
    authorEmail: 'copilot@backstage.invalid',
    ...over,
  });
  const runner = (
    integrations: Array<Record<string, string>>,
    over: Partial<ConstructorParameters<typeof GitOpsRunner>[0]> = {},
  ) =>
    new GitOpsRunner(
      gitops(over),
      new ConfigReader({ integrations: { github: integrations } }),
    );
  const branches = () =>
    git(bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/')
      .trim()
      .split('\n');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'copilot-gitops-https-'));
    root = join(dir, 'served');
    bare = join(root, 'acme', 'gitops.git');
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    git(bare, 'config', 'http.receivepack', 'true');
    const seed = join(dir, 'seed');
    git(dir, 'clone', '--quiet', bare, seed);
    writeFileSync(join(seed, 'README.md'), '# gitops\n');
    git(seed, 'checkout', '--quiet', '-b', 'main');
    git(seed, 'add', 'README.md');
    git(seed, 'commit', '--quiet', '-m', 'init');
    git(seed, 'push', '--quiet', 'origin', 'main');
    served.state.root = root;
    const port = await listen(served.server);
    gitHost = `127.0.0.1:${port}`;
    repoUrl = `http://${gitHost}/acme/gitops.git`;
    served.state.url = `http://${gitHost}/`;
    apiUrl = `http://127.0.0.1:${await listen(api.server)}`;
    const otherPort = await listen(other);
    served.state.redirectTo = `http://localhost:${otherPort}`;
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise(r => served.server.close(r));
    await new Promise(r => api.server.close(r));
    await new Promise(r => other.close(r));
  });
  beforeEach(() => {
    served.state.requests.length = 0;
    served.state.token = GIT_TOKEN;
    api.calls.length = 0;
    execCalls.length = 0;
  });

  it('refuses option-like and odd repository URLs before git runs', async () => {
    for (const bad of [
      '--upload-pack=touch /tmp/pwned',
      '-uhttps://github.com/acme/gitops',
      'ext::sh -c touch% /tmp/pwned',
      'fd::17',
      'https://github.com/acme/gitops.git\n--upload-pack=x',
      'https://github.com/acme/git ops.git',
      `https://x-access-token:${PR_TOKEN}@github.com/acme/gitops.git`,
    ]) {
      const err = await runner(
        [{ host: 'github.com', token: PR_TOKEN, apiBaseUrl: apiUrl }],
        { repoUrl: bad, pullRequestRepoUrl: 'https://github.com/acme/gitops' },
      )
        .run(fixturePlan('plan-bad'), { executionId: 'e1', actor: ALICE })
        .then(
          () => undefined,
          e => e as Error,
        );
      expect(err?.message).toMatch(/gitops\.repoUrl is refused/);
      noSecret(err!.message);
    }
    expect(execCalls).toHaveLength(0);
    expect(existsSync('/tmp/pwned')).toBe(false);
  });

  const run = (r: GitOpsRunner, planId: string) =>
    r.run(fixturePlan(planId), {
      executionId: `exec-${planId}-0000`,
      actor: ALICE,
    });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected the runner to fail');
      },
      e => e as Error,
    );

  it('pushes with the git host integration token over smart HTTP and opens the PR, the token only in the env', async () => {
    const result = await run(
      runner([{ host: gitHost, token: GIT_TOKEN, apiBaseUrl: apiUrl }]),
      'plan-ok',
    );
    expect(result).toMatchObject({
      status: 'pr_opened',
      prUrl: 'https://github.com/acme/gitops/pull/11',
      output: { runner: 'gitops', branch: 'copilot/plan-ok-exec-pla' },
    });
    const branch = result.output.branch as string;
    expect(branches()).toEqual(expect.arrayContaining(['main', branch]));
    expect(
      git(bare, 'ls-tree', '-r', '--name-only', branch).trim().split('\n'),
    ).toEqual(
      expect.arrayContaining([
        'README.md',
        'fixes/plan-ok/deployment.yaml',
        'fixes/plan-ok/PLAN.md',
        'fixes/plan-ok/manifest.json',
      ]),
    );
    expect(git(bare, 'show', `${branch}:fixes/plan-ok/deployment.yaml`)).toBe(
      'kind: Deployment\n',
    );
    expect(git(bare, 'rev-parse', branch).trim()).toBe(result.output.commit);

    // Every request git made (clone and push) carried the git host's token; receive-pack ran.
    const reqs = served.state.requests;
    expect(reqs.length).toBeGreaterThan(2);
    expect(reqs.every(r => r.auth === basic(GIT_TOKEN))).toBe(true);
    expect(reqs.some(r => /git-receive-pack/.test(r.url ?? ''))).toBe(true);
    // While git talked to the server, no process's command line held the token, and the scan did see git.
    expect(reqs.some(r => r.sawClient)).toBe(true);
    expect(reqs.flatMap(r => r.leaks)).toEqual([]);

    // What the runner passed to execFile: the token is not in any argv, only in the env of git.
    const gits = execCalls.filter(c => c.file === 'git');
    expect(gits.map(c => c.args[0])).toEqual([
      'clone',
      'checkout',
      'add',
      'commit',
      'rev-parse',
      'push',
    ]);
    noSecret(JSON.stringify(gits.map(c => c.args)));
    const clone = gits[0].args;
    expect(clone.slice(-3)).toEqual(['--', repoUrl, '.']);
    expect(gits[0].env).toMatchObject({
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: '3',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: `http.http://${gitHost}/.extraHeader`,
      GIT_CONFIG_VALUE_1: `Authorization: ${basic(GIT_TOKEN)}`,
      GIT_CONFIG_KEY_2: 'http.followRedirects',
      GIT_CONFIG_VALUE_2: 'false',
    });
    noSecret(JSON.stringify(result));

    // The PR went to the integration's API with its token.
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]).toMatchObject({
      method: 'POST',
      url: '/repos/acme/gitops/pulls',
      auth: `token ${GIT_TOKEN}`,
      body: { head: branch, base: 'main' },
    });
  });

  it('uses the PR host token for the API only, and the git host token for git', async () => {
    const result = await run(
      runner(
        [
          { host: gitHost, token: GIT_TOKEN },
          { host: 'github.com', token: PR_TOKEN, apiBaseUrl: apiUrl },
        ],
        { pullRequestRepoUrl: 'https://github.com/acme/gitops' },
      ),
      'plan-two-hosts',
    );
    expect(result.status).toBe('pr_opened');
    expect(branches()).toContain(result.output.branch);
    const reqs = served.state.requests;
    expect(reqs.length).toBeGreaterThan(2);
    expect(reqs.every(r => r.auth === basic(GIT_TOKEN))).toBe(true);
    expect(api.calls.map(c => c.auth)).toEqual([`token ${PR_TOKEN}`]);
    for (const c of execCalls) noSecret(JSON.stringify(c.args));
    for (const c of execCalls)
      expect(JSON.stringify(c.env)).not.toContain(PR_TOKEN);
  });

  it('sends no token to a git host without an integration, even when the PR host has one', async () => {
    const started = Date.now();
    const err = await failure(
      run(
        runner([{ host: 'github.com', token: PR_TOKEN, apiBaseUrl: apiUrl }], {
          pullRequestRepoUrl: 'https://github.com/acme/gitops',
        }),
        'plan-no-integration',
      ),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err.message).toMatch(
      new RegExp(
        `^git clone of ${repoUrl} failed: ${gitHost.replace(
          /\./g,
          '\\.',
        )} asked for credentials and no integrations\\.github entry with a token matches host ${gitHost.replace(
          /\./g,
          '\\.',
        )}`,
      ),
    );
    noSecret(err.message);
    expect(served.state.requests.length).toBeGreaterThan(0);
    expect(served.state.requests.map(r => r.auth)).toEqual(
      served.state.requests.map(() => undefined),
    );
    for (const c of execCalls) noSecret(JSON.stringify(c));
    expect(api.calls).toHaveLength(0);
  });

  it('fails fast on a refused token, naming the host and the integration, without the token', async () => {
    served.state.token = 'ghs_the_token_the_server_wants_now';
    const started = Date.now();
    const err = await failure(
      run(
        runner([{ host: gitHost, token: GIT_TOKEN, apiBaseUrl: apiUrl }]),
        'plan-wrong-token',
      ),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err.message).toContain(
      `git clone of ${repoUrl} failed: ${gitHost} refused the token of the integrations.github entry for host ${gitHost}; check that token (integrations.github[host=${gitHost}].token)`,
    );
    noSecret(err.message);
    expect(served.state.requests[0].auth).toBe(basic(GIT_TOKEN));
    expect(served.state.requests.flatMap(r => r.leaks)).toEqual([]);
    expect(api.calls).toHaveLength(0);
  });

  it('does not follow a redirect to another host with the token', async () => {
    const err = await failure(
      run(
        runner([{ host: gitHost, token: GIT_TOKEN, apiBaseUrl: apiUrl }], {
          repoUrl: `http://${gitHost}/moved/acme/gitops.git`,
          pullRequestRepoUrl: `http://${gitHost}/acme/gitops`,
        }),
        'plan-redirect',
      ),
    );
    expect(err.message).toMatch(
      /^git clone of .* failed: the server answered with a redirect \(HTTP 301\)/,
    );
    noSecret(err.message);
    expect(served.state.requests.map(r => r.url)).toEqual([
      '/moved/acme/gitops.git/info/refs?service=git-upload-pack',
    ]);
    expect(otherRequests).toEqual([]);
  });

  it('sends the token over plain http only to loopback hosts', async () => {
    const err = await failure(
      run(
        runner(
          [
            { host: 'git.example.invalid', token: GIT_TOKEN },
            { host: 'github.com', token: PR_TOKEN, apiBaseUrl: apiUrl },
          ],
          {
            repoUrl: 'http://git.example.invalid/acme/gitops.git',
            pullRequestRepoUrl: 'https://github.com/acme/gitops',
          },
        ),
        'plan-plain-http',
      ),
    );
    expect(err.message).toMatch(
      /^git clone of http:\/\/git\.example\.invalid\/acme\/gitops\.git failed/,
    );
    expect(execCalls).toHaveLength(1);
    noSecret(JSON.stringify(execCalls[0]));
    expect(execCalls[0].env.GIT_CONFIG_COUNT).toBe('1');
  });

  describe('through the backend', () => {
    const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

    it('stores the output and audit rows without the token, and reports a refused token as 502 naming the integration', async () => {
      const knex = await databases.init('SQLITE_3');
      const { server } = await startFixBackend(knex, {
        copilot: {
          remediation: {
            nonProductionRunners: ['dryrun', 'gitops'],
            gitops: { repoUrl, baseBranch: 'main', path: 'fixes' },
          },
        },
        config: {
          integrations: {
            github: [
              { host: gitHost, token: GIT_TOKEN, apiBaseUrl: apiUrl },
              { host: 'github.com', token: PR_TOKEN, apiBaseUrl: apiUrl },
            ],
          },
        },
      });
      const base = '/api/copilot/v1';
      const planFor = async () => {
        const incidentId = await incidentWithAnalysis(
          server,
          knex,
          'component:default/cart',
          [
            {
              kind: 'bad_deploy',
              confidence: 0.9,
              data: { previousVersion: '2.0.0' },
            },
          ],
        );
        const plan = await request(server)
          .post(`${base}/fix/plan`)
          .set('Authorization', as(ALICE))
          .send({ incident_id: incidentId, mode: 'k8s' });
        expect(plan.status).toBe(201);
        const pre = await request(server)
          .post(`${base}/fix/preflight`)
          .set('Authorization', as(ALICE))
          .send({ plan_id: plan.body.id });
        expect(pre.body.preflight.verdict).not.toBe('block');
        return { incidentId, plan: plan.body };
      };

      const ok = await planFor();
      const ran = await request(server)
        .post(`${base}/fix/execute`)
        .set('Authorization', as(ALICE))
        .send({ plan_id: ok.plan.id, runner: 'gitops' });
      expect(ran.status).toBe(201);
      expect(ran.body).toMatchObject({
        runner: 'gitops',
        status: 'pr_opened',
        prUrl: 'https://github.com/acme/gitops/pull/11',
      });
      expect(branches()).toContain(ran.body.output.branch);
      expect(
        git(
          bare,
          'show',
          `${ran.body.output.branch}:fixes/${ok.plan.id}/PLAN.md`,
        ),
      ).toMatch(/^# /);
      expect(
        served.state.requests.every(r => r.auth === basic(GIT_TOKEN)),
      ).toBe(true);
      expect(served.state.requests.flatMap(r => r.leaks)).toEqual([]);
      expect(api.calls.map(c => c.auth)).toEqual([`token ${GIT_TOKEN}`]);
      noSecret(JSON.stringify(ran.body));

      // The token is rotated on the server: the next run fails fast with a clear 502.
      served.state.token = 'ghs_rotated_token_the_portal_does_not_have';
      const bad = await planFor();
      const started = Date.now();
      const failed = await request(server)
        .post(`${base}/fix/execute`)
        .set('Authorization', as(ALICE))
        .send({ plan_id: bad.plan.id, runner: 'gitops' });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(failed.status).toBe(502);
      expect(failed.body.detail).toContain(
        `The gitops runner failed: git clone of ${repoUrl} failed: ${gitHost} refused the token of the integrations.github entry for host ${gitHost}`,
      );
      noSecret(JSON.stringify(failed.body));

      const packs = await Promise.all(
        [ok.incidentId, bad.incidentId].map(id =>
          request(server)
            .post(`${base}/exports/incident`)
            .set('Authorization', as(ALICE))
            .send({ incident_id: id }),
        ),
      );
      expect(packs[0].body.audit.map((r: any) => r.action)).toEqual(
        expect.arrayContaining(['fix.execute', 'fix.pr']),
      );
      const failedRow = packs[1].body.audit.find(
        (r: any) => r.action === 'fix.execute.failed',
      );
      expect(JSON.stringify(failedRow)).toMatch(/refused the token/);
      noSecret(JSON.stringify(packs.map(p => p.body)));

      // Nothing stored anywhere in the database holds the token.
      const tables: Array<{ name: string }> = await knex('sqlite_master')
        .where({ type: 'table' })
        .select('name');
      for (const { name } of tables)
        noSecret(JSON.stringify(await knex(name).select()));
      const verified = await request(server)
        .get(`${base}/audit/verify`)
        .set('Authorization', as(ALICE));
      expect(verified.body.ok).toBe(true);
    });
  });
});
