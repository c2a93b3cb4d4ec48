import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NormalizedAlert } from '../engine/ingest/alertmanager';
import { resolveEntity } from '../engine/ingest/resolve';
import type { IncidentStore } from '../stores/IncidentStore';
import type { CatalogIndex } from './CatalogIndex';
import type { IngestService } from './IngestService';

/** What the webhook did with a batch of alerts. */
export interface AlertOutcome {
  received: number;
  opened: string[];
  updated: string[];
  resolved: string[];
  /** Firing alerts whose labels name no catalog entity: kept as signals, no incident opened. */
  unresolved: number;
}

/**
 * Turns alerts into incidents: a firing alert opens an incident on the entity its labels name (or
 * refreshes the open one with the same fingerprint); a resolved alert resolves it. Every alert is also
 * kept as an `event` signal, so it is evidence like any other.
 */
export class AlertService {
  private constructor(
    private readonly deps: {
      incidents: IncidentStore;
      catalog: CatalogIndex;
      ingest: IngestService;
      logger: LoggerService;
    },
  ) {}

  static create(deps: {
    incidents: IncidentStore;
    catalog: CatalogIndex;
    ingest: IngestService;
    logger: LoggerService;
  }) {
    return new AlertService(deps);
  }

  async handle(
    alerts: NormalizedAlert[],
    now: Date = new Date(),
  ): Promise<AlertOutcome> {
    const { index } = await this.deps.catalog.get(now.getTime());
    await this.deps.ingest.ingest(
      alerts.map(a => ({
        source: 'alertmanager',
        kind: 'event',
        key: 'alert',
        ts: Math.min(a.startsAtMs, now.getTime()),
        text: a.title,
        labels: { ...a.labels, alert_status: a.firing ? 'firing' : 'resolved' },
      })),
      { now },
    );
    const outcome: AlertOutcome = {
      received: alerts.length,
      opened: [],
      updated: [],
      resolved: [],
      unresolved: 0,
    };
    for (const alert of alerts) {
      if (!alert.firing) {
        const open = await this.deps.incidents.findOpenByFingerprint(
          alert.fingerprint,
        );
        if (open) {
          await this.deps.incidents.setStatus(open.id, 'resolved');
          outcome.resolved.push(open.id);
        }
        continue;
      }
      const entityRef = resolveEntity(alert.labels, index);
      if (!entityRef) {
        outcome.unresolved += 1;
        continue;
      }
      const { incident, created } = await this.deps.incidents.open({
        title: alert.title,
        entityRef,
        severity: alert.severity,
        source: 'alertmanager',
        summary: alert.summary,
        fingerprint: alert.fingerprint,
        labels: alert.link
          ? { ...alert.labels, generator_url: alert.link }
          : alert.labels,
        openedAt: new Date(Math.min(alert.startsAtMs, now.getTime())),
      });
      (created ? outcome.opened : outcome.updated).push(incident.id);
    }
    if (outcome.opened.length) {
      this.deps.logger.info(
        `Alertmanager opened incidents ${outcome.opened.join(', ')}`,
      );
    }
    return outcome;
  }
}
