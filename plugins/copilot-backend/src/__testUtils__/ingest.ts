import type { Knex } from 'knex';
import { mockServices } from '@backstage/backend-test-utils';
import { SignalStore } from '../stores/SignalStore';
import { RollupStore } from '../stores/RollupStore';
import { TemplateStore } from '../stores/TemplateStore';
import { InProcessBus } from '../bus/InProcessBus';
import { buildEntityIndex } from '../engine/ingest/resolve';
import {
  SignalAggregator,
  type SamplingOptions,
} from '../engine/ingest/aggregate';
import { IngestService } from '../pipeline/IngestService';
import {
  TemplateMiningService,
  type NoveltyOptions,
} from '../pipeline/TemplateMiningService';
import type { CatalogIndex } from '../pipeline/CatalogIndex';

/** Entities as the catalog index reads them. */
export type TestEntities = Parameters<typeof buildEntityIndex>[0];

/** A catalog index over a fixed, replaceable list of entities. */
export function fakeCatalog(initial: TestEntities) {
  let entities = initial;
  const catalog = {
    version: 1,
    async get() {
      return {
        index: buildEntityIndex(entities),
        dependsOn: new Map(),
        topology: { nodes: [], edges: [] },
      };
    },
    set(next: TestEntities) {
      entities = next;
      catalog.version += 1;
    },
  };
  return catalog as unknown as CatalogIndex & {
    version: number;
    set(next: TestEntities): void;
  };
}

/** A component entity claimed by its name. */
export const component = (name: string) => ({
  ref: `component:default/${name}`,
  kind: 'Component',
  name,
  annotations: {},
});

/** The ingest path with real stores on `knex`, as the plugin wires it. */
export function createTestIngest(
  knex: Knex,
  options: {
    catalog?: CatalogIndex;
    sampling?: SamplingOptions;
    novelty?: Partial<NoveltyOptions>;
  } = {},
) {
  const logger = mockServices.logger.mock();
  const signals = SignalStore.create({ database: knex });
  const rollups = RollupStore.create({ database: knex });
  const templateStore = TemplateStore.create({ database: knex });
  const templates = TemplateMiningService.create({
    store: templateStore,
    novelty: options.novelty,
  });
  const bus = new InProcessBus(logger);
  const catalog = options.catalog ?? fakeCatalog([]);
  const ingest = IngestService.create({
    database: knex,
    signals,
    rollups,
    templates,
    catalog,
    bus,
    logger,
    aggregator: new SignalAggregator({ sampling: options.sampling }),
  });
  return { ingest, signals, rollups, templateStore, templates, bus, logger };
}
