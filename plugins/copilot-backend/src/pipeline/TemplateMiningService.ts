import type { Knex } from 'knex';
import { DrainMiner, WILDCARD } from '../engine/ingest/drain';
import type { NewTemplate } from '../engine/ingest/aggregate';
import {
  isNovel,
  LshIndex,
  minhashSignature,
  signatureFromBytes,
  signatureToBytes,
} from '../engine/ingest/minhash';
import type { TemplateFacts, TemplateStore } from '../stores/TemplateStore';

/** An entity's miner with its MinHash index of templates. */
interface EntityMiner {
  miner: DrainMiner;
  lsh: LshIndex;
  /** Lines mined for the entity so far (restored from the template counts). */
  lines: number;
}

export interface NoveltyOptions {
  /** Lines an entity must have sent before a new template can count as novel. */
  warmupLines: number;
  /** Least estimated Jaccard similarity to a known template for a new one not to be novel. */
  similarity: number;
}

export const DEFAULT_NOVELTY: NoveltyOptions = {
  warmupLines: 500,
  similarity: 0.5,
};

/** A template first seen in a batch that is unlike every earlier template of its entity. */
export interface NovelTemplate {
  entityRef: string;
  minerId: number;
  level: string;
  template: string;
}

/**
 * Keeps one streaming miner per entity, rebuilt from the store on first use (so template ids survive
 * restarts), flags new templates unlike any earlier one of the entity through a MinHash/LSH index, and
 * saves templates and per-minute counts in the ingest transaction.
 */
export class TemplateMiningService {
  private readonly entities = new Map<string, Promise<EntityMiner>>();
  private readonly facts = new Map<string, Map<number, TemplateFacts>>();

  private constructor(
    private readonly store: TemplateStore,
    private readonly novelty: NoveltyOptions,
  ) {}

  static create(options: {
    store: TemplateStore;
    novelty?: Partial<NoveltyOptions>;
  }) {
    return new TemplateMiningService(options.store, {
      ...DEFAULT_NOVELTY,
      ...options.novelty,
    });
  }

  private entity(entityRef: string): Promise<EntityMiner> {
    let entry = this.entities.get(entityRef);
    if (!entry) {
      entry = this.store.load(entityRef).then(templates => {
        const miner = DrainMiner.fromTemplates(templates);
        const lsh = new LshIndex();
        let lines = 0;
        for (const t of templates) {
          lines += t.mergedInto === undefined ? t.count : 0;
          if (t.mergedInto !== undefined) continue;
          lsh.add(
            String(t.id),
            t.signature
              ? signatureFromBytes(t.signature)
              : minhashSignature(t.tokens),
          );
        }
        return { miner, lsh, lines };
      });
      entry.catch(() => this.entities.delete(entityRef));
      this.entities.set(entityRef, entry);
    }
    return entry;
  }

  /** Loads the miners of these entities; the returned lookup is synchronous. */
  async prepare(
    entityRefs: Iterable<string>,
  ): Promise<(entityRef: string) => DrainMiner> {
    const loaded = new Map<string, DrainMiner>();
    for (const ref of new Set(entityRefs)) {
      loaded.set(ref, (await this.entity(ref)).miner);
    }
    return ref => {
      const miner = loaded.get(ref);
      if (!miner) throw new Error(`miner of ${ref} was not prepared`);
      return miner;
    };
  }

  /**
   * Decides which of a batch's new templates are novel for their entity and indexes them all.
   * Call after the batch was mined, with the lines it mined per entity.
   */
  async classify(
    created: NewTemplate[],
    linesPerEntity: Map<string, number>,
  ): Promise<NovelTemplate[]> {
    const novel: NovelTemplate[] = [];
    const byEntity = new Map<string, NewTemplate[]>();
    for (const t of created)
      byEntity.set(t.entityRef, [...(byEntity.get(t.entityRef) ?? []), t]);
    for (const [entityRef, templates] of byEntity) {
      const e = await this.entity(entityRef);
      let facts = this.facts.get(entityRef);
      if (!facts) {
        facts = new Map();
        this.facts.set(entityRef, facts);
      }
      for (const t of templates) {
        const tokens = e.miner.template(t.minerId).tokens;
        const signature = minhashSignature(tokens);
        const warm = e.lines >= this.novelty.warmupLines;
        const constant = tokens.some(x => x !== WILDCARD);
        const verdict = isNovel(e.lsh, signature, this.novelty.similarity);
        const isNew = warm && constant && verdict.novel;
        facts.set(t.minerId, {
          level: t.level,
          novel: isNew,
          signature: signatureToBytes(signature),
        });
        e.lsh.add(String(t.minerId), signature);
        if (isNew) {
          novel.push({
            entityRef,
            minerId: t.minerId,
            level: t.level,
            template: e.miner.text(t.minerId),
          });
        }
      }
    }
    for (const [entityRef, n] of linesPerEntity) {
      const e = await this.entity(entityRef);
      e.lines += n;
    }
    return novel;
  }

  /** Saves the changed templates of these entities and the batch's per-minute counts. */
  async save(
    tx: Knex.Transaction,
    counts: Map<string, Map<number, Map<number, number>>>,
    now: Date,
  ): Promise<void> {
    for (const [entityRef, minutes] of counts) {
      const e = await this.entity(entityRef);
      const facts = this.facts.get(entityRef);
      await this.store.save(
        tx,
        entityRef,
        e.miner.takeChanged(),
        minutes,
        now,
        facts,
      );
      this.facts.delete(entityRef);
    }
  }

  /**
   * Forgets the in-memory miners: after a failed write the miners are ahead of the store, so the next
   * batch rebuilds them from what was committed.
   */
  reset(): void {
    this.entities.clear();
    this.facts.clear();
  }
}
