import { readFileSync } from 'node:fs';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { FixRunner } from '@devops-copilot/backstage-plugin-copilot-common';
import {
  readKubernetesConfig,
  type KubernetesRemediationConfig,
} from './kubernetes';

export type RemediationEnvironment = 'production' | 'staging' | 'development';

export interface ChangeFreezeConfig {
  from: string;
  to: string;
  environments?: RemediationEnvironment[];
  reason?: string;
}

/** `copilot.remediation` (see config.d.ts). */
export interface RemediationConfig {
  /** Cedar policy text; undefined = the engine's default set. */
  policies?: string;
  opa?: { url: string; path: string; timeoutMs: number };
  changeFreezes: ChangeFreezeConfig[];
  /** Environments by entity ref, when the entity has no `copilot.dev/environment` annotation. */
  environments: Record<string, RemediationEnvironment>;
  defaultEnvironment: RemediationEnvironment;
  /** Runners allowed without approval and passed preflight on non-production entities. */
  nonProductionRunners: FixRunner[];
  /** PKCS#8 PEM of the ed25519 signing key; undefined = ephemeral (development only). */
  signingKey?: string;
  gitops?: {
    repoUrl: string;
    baseBranch: string;
    path: string;
    /** The GitHub repository the pull request is opened on (defaults to repoUrl). */
    pullRequestRepoUrl?: string;
    authorName: string;
    authorEmail: string;
  };
  agent: {
    image: string;
    namespace: string;
    serviceAccountName: string;
  };
  /** Cluster access for preflight (live objects, server-side dry run); undefined = no cluster calls. */
  kubernetes?: KubernetesRemediationConfig;
}

const ENVIRONMENTS: RemediationEnvironment[] = [
  'production',
  'staging',
  'development',
];
const RUNNERS: FixRunner[] = ['dryrun', 'gitops', 'agent'];

function env(key: string, value: string): RemediationEnvironment {
  if ((ENVIRONMENTS as string[]).includes(value))
    return value as RemediationEnvironment;
  throw new InputError(
    `copilot.remediation.${key} must be one of ${ENVIRONMENTS.join(
      ', ',
    )}, got '${value}'`,
  );
}

/** Reads and checks `copilot.remediation`. Throws InputError naming the bad key. */
export function readRemediationConfig(root: Config): RemediationConfig {
  const c = root.getOptionalConfig('copilot.remediation');
  let policies = c?.getOptionalString('policies');
  const policiesFile = c?.getOptionalString('policiesFile');
  if (policies && policiesFile)
    throw new InputError(
      'copilot.remediation: set either policies (Cedar text) or policiesFile, not both',
    );
  if (policiesFile) {
    try {
      policies = readFileSync(policiesFile, 'utf8');
    } catch (e) {
      throw new InputError(
        `copilot.remediation.policiesFile: cannot read ${policiesFile}: ${
          (e as Error).message
        }`,
      );
    }
  }
  const opaUrl = c?.getOptionalString('opa.url');
  if (opaUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(opaUrl))
    throw new InputError(
      `copilot.remediation.opa.url must be an http(s) URL, got '${opaUrl}'`,
    );
  const opaPath = c?.getOptionalString('opa.path') ?? 'copilot/preflight';
  if (!/^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*$/.test(opaPath))
    throw new InputError(
      `copilot.remediation.opa.path must be a slash-separated Rego package path like copilot/preflight, got '${opaPath}'`,
    );
  const changeFreezes = (c?.getOptionalConfigArray('changeFreezes') ?? []).map(
    (f, i) => {
      const from = f.getString('from');
      const to = f.getString('to');
      const a = Date.parse(from);
      const b = Date.parse(to);
      if (!Number.isFinite(a) || !Number.isFinite(b) || a >= b)
        throw new InputError(
          `copilot.remediation.changeFreezes[${i}]: from and to must be ISO-8601 times with from before to, got ${from} .. ${to}`,
        );
      const envs = f.getOptionalStringArray('environments');
      return {
        from,
        to,
        ...(envs
          ? {
              environments: envs.map(e =>
                env(`changeFreezes[${i}].environments`, e),
              ),
            }
          : {}),
        ...(f.getOptionalString('reason')
          ? { reason: f.getString('reason') }
          : {}),
      };
    },
  );
  const environments: Record<string, RemediationEnvironment> = {};
  (c?.getOptionalConfigArray('environments') ?? []).forEach((e, i) => {
    environments[e.getString('entity').toLocaleLowerCase('en-US')] = env(
      `environments[${i}].environment`,
      e.getString('environment'),
    );
  });
  const nonProductionRunners = (
    c?.getOptionalStringArray('nonProductionRunners') ?? ['dryrun']
  ).map(r => {
    if (!(RUNNERS as string[]).includes(r))
      throw new InputError(
        `copilot.remediation.nonProductionRunners: '${r}' is not a runner (dryrun, gitops, agent)`,
      );
    return r as FixRunner;
  });
  const signingKey = c?.getOptionalString('signingKey');
  if (
    signingKey !== undefined &&
    !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(signingKey)
  )
    throw new InputError(
      'copilot.remediation.signingKey must be an ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)',
    );
  const g = c?.getOptionalConfig('gitops');
  const gitops = g
    ? {
        repoUrl: g.getString('repoUrl'),
        baseBranch: g.getOptionalString('baseBranch') ?? 'main',
        path: g.getOptionalString('path') ?? 'remediations',
        pullRequestRepoUrl: g.getOptionalString('pullRequestRepoUrl'),
        authorName: g.getOptionalString('authorName') ?? 'DevOps Copilot',
        authorEmail:
          g.getOptionalString('authorEmail') ?? 'copilot@backstage.invalid',
      }
    : undefined;
  if (gitops) {
    if (
      !/^[\w./-]+$/.test(gitops.baseBranch) ||
      gitops.baseBranch.startsWith('-')
    )
      throw new InputError(
        `copilot.remediation.gitops.baseBranch is not a valid branch name: '${gitops.baseBranch}'`,
      );
    if (
      gitops.path.startsWith('/') ||
      gitops.path.split('/').includes('..') ||
      !/^[\w./-]+$/.test(gitops.path)
    )
      throw new InputError(
        `copilot.remediation.gitops.path must be a relative path inside the repository, got '${gitops.path}'`,
      );
    if (gitops.repoUrl.startsWith('-'))
      throw new InputError('copilot.remediation.gitops.repoUrl is not a URL');
  }
  return {
    policies,
    opa: opaUrl
      ? {
          url: opaUrl.replace(/\/+$/, ''),
          path: opaPath,
          timeoutMs: c?.getOptionalNumber('opa.timeoutMs') ?? 2000,
        }
      : undefined,
    changeFreezes,
    environments,
    defaultEnvironment: env(
      'defaultEnvironment',
      c?.getOptionalString('defaultEnvironment') ?? 'production',
    ),
    nonProductionRunners,
    signingKey,
    gitops,
    agent: {
      image:
        c?.getOptionalString('agent.image') ??
        'ghcr.io/devops-copilot/runner:latest',
      namespace: c?.getOptionalString('agent.namespace') ?? 'copilot-runner',
      serviceAccountName:
        c?.getOptionalString('agent.serviceAccountName') ?? 'copilot-runner',
    },
    kubernetes: readKubernetesConfig(c?.getOptionalConfig('kubernetes')),
  };
}
