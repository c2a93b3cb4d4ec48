import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './net';

/** A copilot backend the harness started in its own process. */
export interface BackendProcess {
  port: number;
  token: string;
  /** Its temporary folder: config, SQLite files, and what `files` wrote. */
  dir: string;
  child: ChildProcess;
  /** SIGTERM (SIGKILL after 10 s), then removes `dir` unless `keepDir`. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

/**
 * Starts `script` (a backend entry that prints READY when listening) as a production install runs it:
 * backend-defaults config with SQLite in a temporary folder, a static external access token for
 * `subject`, permissions off, a fresh ed25519 signing key, and `copilot` as the plugin's config. `files` are written into the folder
 * first and passed to the process as environment variables holding their paths.
 */
export async function startBackendProcess(options: {
  script: string;
  subject: string;
  copilot: Record<string, unknown>;
  nodeArgs?: string[];
  env?: Record<string, string>;
  files?: Record<string, { name: string; content: string }>;
}): Promise<BackendProcess> {
  const dir = mkdtempSync(join(tmpdir(), `copilot-${options.subject}-`));
  const port = await freePort();
  const token = `${options.subject}-${Math.random().toString(36).slice(2)}`;
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      backend: {
        baseUrl: `http://127.0.0.1:${port}`,
        listen: { port, host: '127.0.0.1' },
        database: {
          client: 'better-sqlite3',
          connection: { directory: join(dir, 'db') },
        },
        auth: {
          externalAccess: [
            { type: 'static', options: { token, subject: options.subject } },
          ],
        },
      },
      permission: { enabled: false },
      copilot: {
        // A production install signs runner outputs and audit rows with its own key.
        remediation: {
          signingKey: generateKeyPairSync('ed25519')
            .privateKey.export({ type: 'pkcs8', format: 'pem' })
            .toString(),
        },
        ...options.copilot,
      },
    }),
  );
  const fileEnv: Record<string, string> = {};
  for (const [variable, file] of Object.entries(options.files ?? {})) {
    const path = join(dir, file.name);
    writeFileSync(path, file.content);
    fileEnv[variable] = path;
  }
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter(Boolean) ??
        []),
      '--import',
      'tsx',
      options.script,
      '--config',
      config,
    ],
    {
      cwd: resolve(__dirname, '../..'),
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        ...options.env,
        ...fileEnv,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const backend: BackendProcess = {
    port,
    token,
    dir,
    child,
    async stop(stopOptions = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise(r => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise(r => setTimeout(r, 10_000))]);
        if (child.exitCode === null && child.signalCode === null)
          child.kill('SIGKILL');
      }
      if (!stopOptions.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await new Promise<void>((ok, fail) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('READY')) ok();
      });
      child.once('exit', code =>
        fail(new Error(`backend ${options.script} exited with ${code}`)),
      );
      setTimeout(
        () => fail(new Error('the backend did not start in 120 s')),
        120_000,
      ).unref();
    });
  } catch (error) {
    await backend.stop();
    throw error;
  }
  return backend;
}
