import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  CopilotSignalSink,
  CopilotSignalSource,
} from '@devops-copilot/backstage-plugin-copilot-node';
import {
  generateWindow,
  loadTopology,
  SCENARIOS,
  SLOT_MS,
  type SimulationOptions,
} from './simulator';

export interface SimulatorSettings {
  enabled: boolean;
  catalogPath: string;
  scenario: string;
  incidentAfterMinutes: number;
  backfillMinutes: number;
  tickSeconds: number;
  seed: number;
}

/** Reads `copilot.simulator` (see config.d.ts), with clear errors for bad values. */
export function readSimulatorConfig(config: Config): SimulatorSettings {
  const c = config.getOptionalConfig('copilot.simulator');
  const scenario = c?.getOptionalString('scenario') ?? 'bad-deploy';
  if (!SCENARIOS[scenario]) {
    throw new Error(
      `copilot.simulator.scenario '${scenario}' is unknown; use one of ${Object.keys(
        SCENARIOS,
      ).join(', ')}`,
    );
  }
  return {
    enabled: c?.getOptionalBoolean('enabled') ?? false,
    catalogPath:
      c?.getOptionalString('catalogPath') ?? '../../examples/catalog',
    scenario,
    incidentAfterMinutes: c?.getOptionalNumber('incidentAfterMinutes') ?? 0.5,
    backfillMinutes: c?.getOptionalNumber('backfillMinutes') ?? 45,
    tickSeconds: c?.getOptionalNumber('tickSeconds') ?? 10,
    seed: c?.getOptionalNumber('seed') ?? 42,
  };
}

/**
 * A signal source that backfills recent normal history (so the detector has a baseline at once), then
 * streams the live simulation every tick, with the scenario's incident shortly after start.
 */
export class SimulatorSource implements CopilotSignalSource {
  readonly id = 'simulator';

  private constructor(
    private readonly settings: SimulatorSettings,
    private readonly logger: LoggerService,
    private readonly now: () => number,
  ) {}

  static create(
    options: SimulatorSettings & { logger: LoggerService; now?: () => number },
  ) {
    return new SimulatorSource(
      options,
      options.logger,
      options.now ?? Date.now,
    );
  }

  async start(
    sink: CopilotSignalSink,
    { signal }: { signal: AbortSignal },
  ): Promise<void> {
    const topology = loadTopology(this.settings.catalogPath);
    const startMs = this.now();
    const options: SimulationOptions = {
      topology,
      scenario: SCENARIOS[this.settings.scenario],
      incidentAtMs: startMs + this.settings.incidentAfterMinutes * 60_000,
      seed: this.settings.seed,
    };
    this.logger.info(
      `Simulating ${topology.entities.length} entities; scenario '${
        this.settings.scenario
      }' at ${new Date(options.incidentAtMs).toISOString()}`,
    );
    let cursor =
      Math.floor((startMs - this.settings.backfillMinutes * 60_000) / SLOT_MS) *
      SLOT_MS;
    const pushUntil = async (untilMs: number) => {
      const end = Math.floor(untilMs / SLOT_MS) * SLOT_MS;
      while (cursor < end && !signal.aborted) {
        const chunkEnd = Math.min(end, cursor + 5 * 60_000);
        const batch = generateWindow(options, cursor, chunkEnd);
        const result = await sink.ingest(batch);
        if (result.rejected > 0) {
          this.logger.warn(
            `simulator batch: ${
              result.rejected
            } signals rejected: ${JSON.stringify(result.errors.slice(0, 3))}`,
          );
        }
        cursor = chunkEnd;
      }
    };
    await pushUntil(startMs);
    if (signal.aborted) return;
    await new Promise<void>(resolveDone => {
      const timer = setInterval(() => {
        pushUntil(this.now()).catch(e =>
          this.logger.error(`simulator push failed: ${e}`),
        );
      }, this.settings.tickSeconds * 1000);
      signal.addEventListener(
        'abort',
        () => {
          clearInterval(timer);
          resolveDone();
        },
        { once: true },
      );
    });
  }
}
