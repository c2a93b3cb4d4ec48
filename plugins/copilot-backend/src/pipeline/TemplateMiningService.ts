import type { LoggerService } from '@backstage/backend-plugin-api';
import { DrainMiner } from '../engine/ingest/drain';
import type { TemplateStore } from '../stores/TemplateStore';
import type { StoredSignalInput } from '../stores/SignalStore';

const MINUTE = 60_000;

/**
 * Mines every attributed log line into its entity's templates as it is ingested: one miner per entity,
 * rebuilt from the store on first use (so template ids survive restarts), templates and per-minute counts
 * saved after each batch. Raw lines are not needed afterwards.
 */
export class TemplateMiningService {
  private readonly miners = new Map<string, Promise<DrainMiner>>();

  private constructor(
    private readonly store: TemplateStore,
    private readonly logger: LoggerService,
  ) {}

  static create(options: { store: TemplateStore; logger: LoggerService }) {
    return new TemplateMiningService(options.store, options.logger);
  }

  private miner(entityRef: string): Promise<DrainMiner> {
    let miner = this.miners.get(entityRef);
    if (!miner) {
      miner = this.store
        .load(entityRef)
        .then(templates => DrainMiner.fromTemplates(templates));
      miner.catch(() => this.miners.delete(entityRef));
      this.miners.set(entityRef, miner);
    }
    return miner;
  }

  /** Mines the log lines among `signals`; returns how many lines were mined. */
  async observe(signals: StoredSignalInput[], now: Date): Promise<number> {
    const byEntity = new Map<string, StoredSignalInput[]>();
    for (const s of signals) {
      if (s.kind !== 'log' || !s.entityRef || !s.text) continue;
      byEntity.set(s.entityRef, [...(byEntity.get(s.entityRef) ?? []), s]);
    }
    let mined = 0;
    for (const [entityRef, lines] of byEntity) {
      const miner = await this.miner(entityRef);
      const counts = new Map<number, Map<number, number>>();
      for (const line of lines) {
        const id = miner.add(line.text!);
        const minute = Math.floor(line.tsMs / MINUTE) * MINUTE;
        const perTemplate = counts.get(minute) ?? new Map<number, number>();
        perTemplate.set(id, (perTemplate.get(id) ?? 0) + 1);
        counts.set(minute, perTemplate);
        mined += 1;
      }
      try {
        await this.store.save(entityRef, miner.takeChanged(), counts, now);
      } catch (error) {
        this.logger.error(
          `Could not save log templates of ${entityRef}: ${error}`,
        );
        throw error;
      }
    }
    return mined;
  }
}
