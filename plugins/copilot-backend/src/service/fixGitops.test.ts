import { TestDatabases } from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import {
  ALICE,
  as,
  incidentWithAnalysis,
  startFixBackend,
} from '../__testUtils__/fix';

jest.setTimeout(120_000);

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });

async function body(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('fix execution through GitOps, with OPA policies over HTTP', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let dir: string;
  let bare: string;
  const github: Array<{
    method?: string;
    url?: string;
    auth?: string;
    body: any;
  }> = [];
  const opa: Array<{ url?: string; body: any }> = [];
  let opaDeny: string[] = [];
  const githubServer = createServer(async (req, res) => {
    const b = await body(req);
    github.push({
      method: req.method,
      url: req.url,
      auth: req.headers.authorization,
      body: b,
    });
    if (req.method === 'POST' && req.url === '/repos/acme/gitops/pulls') {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          number: 7,
          html_url: 'https://github.com/acme/gitops/pull/7',
          head: { ref: b.head },
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"Not Found"}');
  });
  const opaServer = createServer(async (req, res) => {
    const b = await body(req);
    opa.push({ url: req.url, body: b });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        req.url === '/v1/data/copilot/preflight'
          ? { result: { allow: opaDeny.length === 0, deny: opaDeny } }
          : {},
      ),
    );
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'copilot-gitops-test-'));
    bare = join(dir, 'origin.git');
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    const seed = join(dir, 'seed');
    git(dir, 'clone', '--quiet', bare, seed);
    writeFileSync(join(seed, 'README.md'), '# gitops\n');
    git(seed, 'checkout', '--quiet', '-b', 'main');
    git(seed, 'add', 'README.md');
    git(seed, 'commit', '--quiet', '-m', 'init');
    git(seed, 'push', '--quiet', 'origin', 'main');
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise(r => githubServer.close(r));
    await new Promise(r => opaServer.close(r));
  });

  it('preflights with OPA, pushes a branch to the bare repository and opens a pull request', async () => {
    const githubUrl = await listen(githubServer);
    const opaUrl = await listen(opaServer);
    const knex = await databases.init('SQLITE_3');
    const { server } = await startFixBackend(knex, {
      copilot: {
        remediation: {
          opa: { url: opaUrl },
          nonProductionRunners: ['dryrun', 'gitops'],
          gitops: {
            repoUrl: bare,
            baseBranch: 'main',
            path: 'fixes',
            pullRequestRepoUrl: 'https://github.com/acme/gitops',
          },
        },
      },
      config: {
        integrations: {
          github: [
            {
              host: 'github.com',
              apiBaseUrl: githubUrl,
              token: 'ghp_test',
            },
          ],
        },
      },
    });
    const api = '/api/copilot/v1';
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
      .post(`${api}/fix/plan`)
      .set('Authorization', as(ALICE))
      .send({ incident_id: incidentId, mode: 'k8s' });
    expect(plan.status).toBe(201);

    // OPA denies: the preflight blocks, citing OPA's message; nothing can run.
    opaDeny = ['no changes on Fridays'];
    const denied = await request(server)
      .post(`${api}/fix/preflight`)
      .set('Authorization', as(ALICE))
      .send({ plan_id: plan.body.id });
    expect(denied.status).toBe(200);
    expect(denied.body.preflight.verdict).toBe('block');
    expect(denied.body.preflight.policy).toMatchObject({
      engine: 'opa',
      decision: 'deny',
    });
    expect(JSON.stringify(denied.body.preflight.findings)).toMatch(
      /no changes on Fridays/,
    );
    expect(opa[0].url).toBe('/v1/data/copilot/preflight');
    expect(opa[0].body.input).toMatchObject({
      entity: 'component:default/cart',
      environment: 'staging',
      production: false,
      mode: 'k8s',
      author: ALICE,
      tools: expect.arrayContaining(['kubectl']),
    });
    const blocked = await request(server)
      .post(`${api}/fix/execute`)
      .set('Authorization', as(ALICE))
      .send({ plan_id: plan.body.id, runner: 'gitops' });
    expect(blocked.status).toBe(403);
    expect(blocked.body.detail).toMatch(
      /passing preflight.*no changes on Fridays/,
    );

    // OPA allows: staging plans go through GitOps without approval (nonProductionRunners).
    opaDeny = [];
    const allowed = await request(server)
      .post(`${api}/fix/preflight`)
      .set('Authorization', as(ALICE))
      .send({ plan_id: plan.body.id });
    expect(allowed.body.preflight.verdict).not.toBe('block');
    const ran = await request(server)
      .post(`${api}/fix/execute`)
      .set('Authorization', as(ALICE))
      .set('Idempotency-Key', 'exec-1')
      .send({ plan_id: plan.body.id, runner: 'gitops' });
    expect(ran.status).toBe(201);
    expect(ran.body).toMatchObject({
      runner: 'gitops',
      status: 'pr_opened',
      prUrl: 'https://github.com/acme/gitops/pull/7',
    });
    // A retry with the same key answers the same record: no second branch or pull request.
    const retried = await request(server)
      .post(`${api}/fix/execute`)
      .set('Authorization', as(ALICE))
      .set('Idempotency-Key', 'exec-1')
      .send({ plan_id: plan.body.id, runner: 'gitops' });
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body.id).toBe(ran.body.id);
    expect(github.filter(r => r.method === 'POST')).toHaveLength(1);
    const branch = ran.body.output.branch as string;
    expect(branch).toMatch(/^copilot\/plan-/);

    const pr = github.find(r => r.method === 'POST');
    expect(pr).toMatchObject({
      url: '/repos/acme/gitops/pulls',
      auth: 'token ghp_test',
      body: {
        head: branch,
        base: 'main',
        title: expect.stringMatching(/^Copilot fix: /),
      },
    });
    const files = git(bare, 'ls-tree', '-r', '--name-only', branch)
      .trim()
      .split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        `fixes/${plan.body.id}/PLAN.md`,
        `fixes/${plan.body.id}/manifest.json`,
        ...plan.body.plan.artifacts.map(
          (a: any) => `fixes/${plan.body.id}/${a.path}`,
        ),
      ]),
    );
    const first = plan.body.plan.artifacts[0];
    expect(
      git(bare, 'show', `${branch}:fixes/${plan.body.id}/${first.path}`),
    ).toBe(first.content);
    expect(git(bare, 'rev-parse', branch).trim()).toBe(ran.body.output.commit);
    expect(git(bare, 'rev-parse', 'main').trim()).not.toBe(
      ran.body.output.commit,
    );

    const pack = await request(server)
      .post(`${api}/exports/incident`)
      .set('Authorization', as(ALICE))
      .send({ incident_id: incidentId });
    expect(pack.body.audit.map((r: any) => r.action)).toEqual(
      expect.arrayContaining([
        'fix.plan',
        'fix.preflight',
        'fix.execute.refused',
        'fix.execute',
        'fix.pr',
      ]),
    );
    const verified = await request(server)
      .get(`${api}/audit/verify`)
      .set('Authorization', as(ALICE));
    expect(verified.body.ok).toBe(true);
  });
});
