import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { buildEntityIndex, type EntityIndex } from '../engine/ingest/resolve';
import { buildTopology, type Topology } from '../engine/correlate';
import {
  COPILOT_ANNOTATIONS,
  parseSloAnnotation,
  type SloSpec,
} from '@devops-copilot/backstage-plugin-copilot-common';

const KINDS = ['Component', 'Resource', 'System', 'API'];

/**
 * A cached view of the catalog for the pipeline: the entity index signals are resolved against, the
 * dependsOn graph, and the typed topology root-cause analysis walks. Refreshed at most every `maxAgeMs`, and never more than once at a time.
 */
export class CatalogIndex {
  private index: EntityIndex = buildEntityIndex([]);
  private dependsOn = new Map<string, string[]>();
  private topology: Topology = { nodes: [], edges: [] };
  private slos = new Map<string, SloSpec[]>();
  private loadedAt = 0;
  private fingerprint = '';
  private changedOnLastLoad = false;
  /** Grows each time the catalog content seen by the index changes. */
  version = 0;
  private inFlight?: Promise<void>;

  private constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly logger: LoggerService,
    private readonly maxAgeMs: number,
  ) {}

  static create(options: {
    catalog: CatalogService;
    auth: AuthService;
    logger: LoggerService;
    maxAgeMs?: number;
  }): CatalogIndex {
    return new CatalogIndex(
      options.catalog,
      options.auth,
      options.logger,
      options.maxAgeMs ?? 60_000,
    );
  }

  async get(nowMs: number): Promise<{
    index: EntityIndex;
    dependsOn: Map<string, string[]>;
    topology: Topology;
    /** SLOs of the entities that declare valid ones (`copilot.dev/slo`), by lower-case ref. */
    slos: Map<string, SloSpec[]>;
  }> {
    // An empty or still changing catalog is usually one being ingested at start: look again soon.
    const maxAge =
      this.index.refs.size === 0 || this.changedOnLastLoad
        ? Math.min(this.maxAgeMs, 5_000)
        : this.maxAgeMs;
    if (nowMs - this.loadedAt > maxAge) {
      this.inFlight ??= this.load(nowMs).finally(() => {
        this.inFlight = undefined;
      });
      await this.inFlight;
    }
    return {
      index: this.index,
      dependsOn: this.dependsOn,
      topology: this.topology,
      slos: this.slos,
    };
  }

  private async load(nowMs: number): Promise<void> {
    try {
      const { items } = await this.catalog.getEntities(
        {
          filter: { kind: KINDS },
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'metadata.annotations',
            'metadata.title',
            'spec',
            'relations',
          ],
        },
        { credentials: await this.auth.getOwnServiceCredentials() },
      );
      this.apply(items);
      this.loadedAt = nowMs;
    } catch (error) {
      // Keep the previous index; signals stay resolvable by explicit entity labels meanwhile.
      this.logger.warn(`Could not refresh the catalog index: ${error}`);
      this.loadedAt = nowMs - this.maxAgeMs + 10_000;
    }
  }

  private apply(entities: Entity[]) {
    const resolvable = entities.map(e => ({
      ref: stringifyEntityRef(e),
      kind: e.kind,
      name: e.metadata.name,
      annotations: e.metadata.annotations ?? {},
    }));
    const dependsOn = new Map<string, string[]>();
    for (const e of entities) {
      const targets = (e.relations ?? [])
        .filter(r => r.type === 'dependsOn')
        .map(r => r.targetRef.toLocaleLowerCase('en-US'));
      if (targets.length)
        dependsOn.set(
          stringifyEntityRef(e).toLocaleLowerCase('en-US'),
          targets,
        );
    }
    const topology = buildTopology(entities);
    const fingerprint = JSON.stringify([resolvable, topology]);
    this.changedOnLastLoad = fingerprint !== this.fingerprint;
    if (this.changedOnLastLoad) {
      this.fingerprint = fingerprint;
      this.version += 1;
    }
    const slos = new Map<string, SloSpec[]>();
    for (const e of entities) {
      const value = e.metadata.annotations?.[COPILOT_ANNOTATIONS.slo];
      if (!value) continue;
      try {
        slos.set(
          stringifyEntityRef(e).toLocaleLowerCase('en-US'),
          parseSloAnnotation(value),
        );
      } catch {
        // the catalog processor reports a bad annotation on the entity; it has no SLO here
      }
    }
    this.index = buildEntityIndex(resolvable);
    this.dependsOn = dependsOn;
    this.topology = topology;
    this.slos = slos;
  }
}
