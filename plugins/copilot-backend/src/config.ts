import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DEFAULT_BASELINE_OPTIONS,
  type BaselineOptions,
} from './engine/triage/robustBaseline';

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
  };
  signals: { retentionMs: number };
  triage: BaselineOptions & {
    changeLookbackMinutes: number;
    minIntervalMs: number;
  };
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
    },
    signals: {
      retentionMs:
        positive(
          'signals.retentionDays',
          c?.getOptionalNumber('signals.retentionDays'),
          7,
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
  };
}
