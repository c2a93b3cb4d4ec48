import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Incident } from '@devops-copilot/backstage-plugin-copilot-common';
import { triage } from '../engine/triage/triage';
import type { BaselineOptions } from '../engine/triage/robustBaseline';
import { DEFAULT_BASELINE_OPTIONS } from '../engine/triage/robustBaseline';
import { errorRateSeriesFromRollups } from '../engine/triage/errorRate';
import type { SignalStore } from '../stores/SignalStore';
import type { RollupStore } from '../stores/RollupStore';
import type { IncidentStore } from '../stores/IncidentStore';
import type { Bus } from '../bus/Bus';
import type { CatalogIndex } from './CatalogIndex';
import type { IngestService } from './IngestService';

const MINUTE = 60_000;

type TriageStageOptions = BaselineOptions & {
  changeLookbackMinutes: number;
  minIntervalMs: number;
};

interface TriageStageDeps {
  signals: SignalStore;
  rollups: RollupStore;
  incidents: IncidentStore;
  catalog: CatalogIndex;
  ingest: IngestService;
  bus: Bus;
  logger: LoggerService;
}

/**
 * The detect stage of the first slice: reads the recent error-rate rollups, runs the robust-baseline
 * triage, and opens (or refreshes, by fingerprint) one incident per probable origin.
 */
export class TriageStage {
  private running?: Promise<Incident[]>;
  private lastRunMs = 0;
  private timer?: ReturnType<typeof setTimeout>;

  private constructor(
    private readonly deps: TriageStageDeps & { options: TriageStageOptions },
  ) {}

  static create(
    deps: TriageStageDeps & { options?: Partial<TriageStageOptions> },
  ): TriageStage {
    return new TriageStage({
      ...deps,
      options: {
        ...DEFAULT_BASELINE_OPTIONS,
        changeLookbackMinutes: 15,
        minIntervalMs: 10_000,
        ...deps.options,
      },
    });
  }

  /**
   * Requests a run: runs now, or, when one ran less than `minIntervalMs` ago or is running, once more
   * as soon as allowed (requests in between coalesce into that one run).
   */
  requestRun(now: () => number = Date.now): void {
    if (this.timer) return;
    const wait = this.running
      ? this.deps.options.minIntervalMs
      : Math.max(0, this.lastRunMs + this.deps.options.minIntervalMs - now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const run = this.running ?? this.run(now());
      run.catch(e => this.deps.logger.error(`triage failed: ${e}`));
    }, wait);
    this.timer.unref?.();
  }

  async run(nowMs: number): Promise<Incident[]> {
    if (this.running) return this.running;
    this.running = this.runOnce(nowMs).finally(() => {
      this.running = undefined;
      this.lastRunMs = nowMs;
    });
    return this.running;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runOnce(nowMs: number): Promise<Incident[]> {
    const { options } = this.deps;
    await this.deps.ingest.reresolve(nowMs);
    const fromMs =
      nowMs - (options.baselineMinutes + options.recentMinutes + 2) * MINUTE;
    const [metrics, logs, changes, catalog] = await Promise.all([
      this.deps.rollups.metricSeries({
        metric: 'http_5xx_rate',
        fromMs,
        toMs: nowMs,
      }),
      this.deps.rollups.logVolume({ fromMs, toMs: nowMs }),
      this.deps.signals.changes({
        fromMs: fromMs - options.changeLookbackMinutes * MINUTE,
        toMs: nowMs,
      }),
      this.deps.catalog.get(nowMs),
    ]);
    const result = triage({
      series: errorRateSeriesFromRollups(metrics, logs),
      changes,
      dependsOn: catalog.dependsOn,
      nowMs,
      options,
    });
    const anomalous = [...result.verdicts]
      .filter(([, v]) => v.state === 'anomalous')
      .map(([ref]) => ref);
    this.deps.logger.debug(
      `triage at ${new Date(nowMs).toISOString()}: ${
        metrics.length
      } metric minutes, ${logs.length} log-volume minutes, ` +
        `${result.verdicts.size} series, anomalous: ${
          anomalous.join(', ') || 'none'
        }`,
    );
    const opened: Incident[] = [];
    for (const f of result.findings) {
      const { incident, created } = await this.deps.incidents.open({
        title: f.title,
        entityRef: f.entityRef,
        severity: f.severity,
        source: 'detector',
        summary: f.summary,
        fingerprint: f.fingerprint,
        labels: f.labels,
        affectedEntityRefs: f.affectedEntityRefs,
        openedAt: new Date(f.onsetMs),
      });
      if (created) {
        this.deps.logger.info(
          `Opened incident ${incident.id}: ${incident.title} — ${incident.summary}`,
        );
      }
      opened.push(incident);
    }
    if (opened.length > 0) {
      await this.deps.bus.publish('signal.detect', {
        type: 'incidents',
        incidentIds: opened.map(i => i.id),
      });
    }
    return opened;
  }
}
