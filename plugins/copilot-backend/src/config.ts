import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DEFAULT_SAMPLING,
  type SamplingOptions,
} from './engine/ingest/aggregate';
import { BUILTIN_PROFILES, type LineProfile } from './engine/ingest/parsers';
import {
  DEFAULT_NOVELTY,
  type NoveltyOptions,
} from './pipeline/TemplateMiningService';
import {
  DEFAULT_BASELINE_OPTIONS,
  type BaselineOptions,
} from './engine/triage/robustBaseline';
import { readKnowledgeConfig, type KnowledgeConfig } from './knowledge/config';
import {
  readRemediationConfig,
  type RemediationConfig,
} from './remediation/config';
import {
  DEFAULT_MAX_CUMULATIVE_SERIES,
  DEFAULT_MAX_IDLE_MS,
} from './engine/ingest/cumulative';

export interface CopilotConfig {
  bus: {
    nats?: {
      servers: string[];
      stream?: string;
      subjectPrefix?: string;
      durablePrefix?: string;
    };
  };
  ingest: {
    maxBodyBytes: number;
    maxBatchItems: number;
    maxStreamBytes: number;
    /** Configured profiles first, then the built-in ones. */
    profiles: LineProfile[];
    sampling: SamplingOptions & { retentionMs: number };
    novelty: NoveltyOptions;
    /** Cumulative-to-delta state: series remembered, and how long an idle one is kept. */
    cumulative: { maxSeries: number; maxIdleMs: number };
  };
  signals: { retentionMs: number };
  rollups: { retentionMs: number };
  triage: BaselineOptions & {
    changeLookbackMinutes: number;
    minIntervalMs: number;
  };
  analysis: { autoOnOpen: boolean; scope: 'neighbourhood' | 'all' };
  detect: {
    enabled: boolean;
    graceMs: number;
    checkpointEveryMs: number;
    bootstrapMs: number;
    closeAfterMinutes: number;
    continueScore: number;
    maxSeries: number;
    alertThreshold?: number;
    anomalyRetentionMs: number;
  };
  /** Documents, embeddings, importers and the optional LLM (`copilot.knowledge`, `copilot.llm`). */
  knowledge: KnowledgeConfig;
  /** Fix plans, policies, guardrails, runners and signing (`copilot.remediation`). */
  remediation: RemediationConfig;
}

const DAY = 86_400_000;

/** Reads and checks the `copilot` config block (see config.d.ts). */
export function readCopilotConfig(config: Config): CopilotConfig {
  const c = config.getOptionalConfig('copilot');
  const positive = (
    key: string,
    value: number | undefined,
    fallback: number,
  ) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v <= 0) {
      throw new InputError(
        `copilot.${key} must be a positive number, got ${value}`,
      );
    }
    return v;
  };
  const fraction = (
    key: string,
    value: number | undefined,
    fallback: number,
  ) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v <= 0 || v >= 1) {
      throw new InputError(
        `copilot.${key} must be a number between 0 and 1 (exclusive), got ${value}`,
      );
    }
    return v;
  };
  const nats = c?.getOptionalConfig('bus.nats');
  const servers = nats?.getOptionalStringArray('servers');
  if (nats && (!servers || servers.length === 0)) {
    throw new InputError(
      'copilot.bus.nats needs servers, e.g. [nats://127.0.0.1:4222]; remove copilot.bus.nats to use the in-process bus',
    );
  }
  const baselineKeys = [
    'baselineMinutes',
    'minHistoryMinutes',
    'sigmaThreshold',
    'absoluteFloor',
    'minScale',
    'recentMinutes',
  ] as const;
  const baselineOptions = Object.fromEntries(
    baselineKeys.map(key => [
      key,
      positive(
        `triage.${key}`,
        c?.getOptionalNumber(`triage.${key}`),
        DEFAULT_BASELINE_OPTIONS[key],
      ),
    ]),
  ) as Pick<BaselineOptions, (typeof baselineKeys)[number]>;
  return {
    bus: {
      nats: servers
        ? {
            servers,
            stream: nats?.getOptionalString('stream'),
            subjectPrefix: nats?.getOptionalString('subjectPrefix'),
            durablePrefix: nats?.getOptionalString('durablePrefix'),
          }
        : undefined,
    },
    ingest: {
      maxBodyBytes: positive(
        'ingest.maxBodyBytes',
        c?.getOptionalNumber('ingest.maxBodyBytes'),
        10 * 1024 * 1024,
      ),
      maxStreamBytes: positive(
        'ingest.maxStreamBytes',
        c?.getOptionalNumber('ingest.maxStreamBytes'),
        1024 * 1024 * 1024,
      ),
      maxBatchItems: positive(
        'ingest.maxBatchItems',
        c?.getOptionalNumber('ingest.maxBatchItems'),
        50_000,
      ),
      profiles: [
        ...readProfiles(c?.getOptionalConfigArray('ingest.profiles') ?? []),
        ...BUILTIN_PROFILES,
      ],
      sampling: {
        perTemplateMinute: positive(
          'ingest.sampling.perTemplateMinute',
          c?.getOptionalNumber('ingest.sampling.perTemplateMinute'),
          DEFAULT_SAMPLING.perTemplateMinute,
        ),
        perEntityMinute: positive(
          'ingest.sampling.perEntityMinute',
          c?.getOptionalNumber('ingest.sampling.perEntityMinute'),
          DEFAULT_SAMPLING.perEntityMinute,
        ),
        unattributedPerMinute: positive(
          'ingest.sampling.unattributedPerMinute',
          c?.getOptionalNumber('ingest.sampling.unattributedPerMinute'),
          DEFAULT_SAMPLING.unattributedPerMinute,
        ),
        retentionMs:
          positive(
            'ingest.sampling.retentionHours',
            c?.getOptionalNumber('ingest.sampling.retentionHours'),
            48,
          ) * 3_600_000,
      },
      cumulative: {
        maxSeries: positive(
          'ingest.cumulative.maxSeries',
          c?.getOptionalNumber('ingest.cumulative.maxSeries'),
          DEFAULT_MAX_CUMULATIVE_SERIES,
        ),
        maxIdleMs:
          positive(
            'ingest.cumulative.maxIdleMinutes',
            c?.getOptionalNumber('ingest.cumulative.maxIdleMinutes'),
            DEFAULT_MAX_IDLE_MS / 60_000,
          ) * 60_000,
      },
      novelty: {
        warmupLines: positive(
          'ingest.novelty.warmupLines',
          c?.getOptionalNumber('ingest.novelty.warmupLines'),
          DEFAULT_NOVELTY.warmupLines,
        ),
        similarity: positive(
          'ingest.novelty.similarity',
          c?.getOptionalNumber('ingest.novelty.similarity'),
          DEFAULT_NOVELTY.similarity,
        ),
      },
    },
    rollups: {
      retentionMs:
        positive(
          'rollups.retentionDays',
          c?.getOptionalNumber('rollups.retentionDays'),
          30,
        ) * DAY,
    },
    signals: {
      retentionMs:
        positive(
          'signals.retentionDays',
          c?.getOptionalNumber('signals.retentionDays'),
          7,
        ) * DAY,
    },
    analysis: {
      autoOnOpen: c?.getOptionalBoolean('analysis.autoOnOpen') ?? true,
      scope: analysisScope(c?.getOptionalString('analysis.scope')),
    },
    detect: {
      enabled: c?.getOptionalBoolean('detect.enabled') ?? true,
      graceMs:
        positive(
          'detect.graceSeconds',
          c?.getOptionalNumber('detect.graceSeconds'),
          5,
        ) * 1000,
      checkpointEveryMs:
        positive(
          'detect.checkpointMinutes',
          c?.getOptionalNumber('detect.checkpointMinutes'),
          30,
        ) * 60_000,
      bootstrapMs:
        positive(
          'detect.bootstrapHours',
          c?.getOptionalNumber('detect.bootstrapHours'),
          7 * 24,
        ) * 3_600_000,
      closeAfterMinutes: positive(
        'detect.closeAfterMinutes',
        c?.getOptionalNumber('detect.closeAfterMinutes'),
        5,
      ),
      continueScore: fraction(
        'detect.continueScore',
        c?.getOptionalNumber('detect.continueScore'),
        0.5,
      ),
      maxSeries: positive(
        'detect.maxSeries',
        c?.getOptionalNumber('detect.maxSeries'),
        50_000,
      ),
      ...(c?.has('detect.alertThreshold')
        ? {
            alertThreshold: fraction(
              'detect.alertThreshold',
              c.getNumber('detect.alertThreshold'),
              0.5,
            ),
          }
        : {}),
      anomalyRetentionMs:
        positive(
          'detect.anomalyRetentionDays',
          c?.getOptionalNumber('detect.anomalyRetentionDays'),
          90,
        ) * DAY,
    },
    triage: {
      ...baselineOptions,
      minPartialObservations:
        c?.getOptionalNumber('triage.minPartialObservations') ??
        DEFAULT_BASELINE_OPTIONS.minPartialObservations,
      changeLookbackMinutes: positive(
        'triage.changeLookbackMinutes',
        c?.getOptionalNumber('triage.changeLookbackMinutes'),
        15,
      ),
      minIntervalMs:
        positive(
          'triage.minIntervalSeconds',
          c?.getOptionalNumber('triage.minIntervalSeconds'),
          10,
        ) * 1000,
    },
    knowledge: readKnowledgeConfig(c),
    remediation: readRemediationConfig(config),
  };
}

/** Text-log profiles from config: each pattern must compile and have named groups. */
function readProfiles(entries: Config[]): LineProfile[] {
  return entries.map((entry, i) => {
    const name = entry.getString('name');
    const source = entry.getString('pattern');
    let pattern: RegExp;
    try {
      pattern = new RegExp(source);
    } catch (error) {
      throw new InputError(
        `copilot.ingest.profiles[${i}] (${name}): pattern is not a valid regular expression: ${
          (error as Error).message
        }`,
      );
    }
    if (!/\(\?<[A-Za-z]\w*>/.test(source)) {
      throw new InputError(
        `copilot.ingest.profiles[${i}] (${name}): pattern has no named groups; name what it captures, e.g. (?<level>\\w+) (?<message>.*)`,
      );
    }
    const unit = entry.getOptionalString('latencyUnit');
    if (unit !== undefined && unit !== 's' && unit !== 'ms' && unit !== 'us') {
      throw new InputError(
        `copilot.ingest.profiles[${i}] (${name}): latencyUnit must be s, ms or us, got ${unit}`,
      );
    }
    return { name, pattern, latencyUnit: unit };
  });
}

function analysisScope(value: string | undefined): 'neighbourhood' | 'all' {
  if (value === undefined || value === 'neighbourhood' || value === 'all')
    return value ?? 'neighbourhood';
  throw new InputError(
    `copilot.analysis.scope must be 'neighbourhood' or 'all', got '${value}'`,
  );
}
