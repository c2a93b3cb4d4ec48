import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import type { LogTemplate } from '../engine/ingest/drain';
import { parseJson, toIso } from './util';

/** A template with its entity, as the API shows it. */
export interface StoredTemplate {
  id: string;
  entityRef: string;
  template: string;
  count: number;
  exemplars: string[];
  firstSeen: string;
  lastSeen: string;
}

const rowId = (entityRef: string, minerId: number) =>
  `${createHash('sha1')
    .update(entityRef)
    .digest('hex')
    .slice(0, 16)}-${minerId}`;

/** Log templates per entity and their per-minute counts. */
export class TemplateStore {
  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): TemplateStore {
    return new TemplateStore(options.database, options.orgId ?? 'default');
  }

  /** The miner templates of an entity, ids 0..n-1, to rebuild its miner. */
  async load(entityRef: string): Promise<LogTemplate[]> {
    const rows = await this.db('log_templates')
      .where({ org_id: this.orgId, entity_ref: entityRef })
      .whereNotNull('miner_id')
      .orderBy('miner_id');
    return rows.map(r => ({
      id: Number(r.miner_id),
      tokens: String(r.template).split(' '),
      path: parseJson<string[]>(r.path, []),
      count: Number(r.count),
      exemplars: parseJson<string[]>(r.exemplars, []),
    }));
  }

  /** Saves changed templates and adds per-minute counts (minute epoch ms -> count per miner id). */
  async save(
    entityRef: string,
    templates: LogTemplate[],
    minuteCounts: Map<number, Map<number, number>>,
    now: Date,
  ): Promise<void> {
    if (templates.length === 0) return;
    await this.db.transaction(async tx => {
      for (const t of templates) {
        await tx('log_templates')
          .insert({
            id: rowId(entityRef, t.id),
            org_id: this.orgId,
            entity_ref: entityRef,
            miner_id: t.id,
            template: t.tokens.join(' '),
            path: JSON.stringify(t.path),
            count: t.count,
            exemplars: JSON.stringify(t.exemplars),
            first_seen: now,
            last_seen: now,
          })
          .onConflict('id')
          .merge(['template', 'count', 'exemplars', 'last_seen', 'path']);
      }
      const counts = [...minuteCounts].flatMap(([minute, perTemplate]) =>
        [...perTemplate].map(([minerId, count]) => ({
          template_id: rowId(entityRef, minerId),
          minute: new Date(minute),
          count,
        })),
      );
      for (let i = 0; i < counts.length; i += 300) {
        await tx('template_counts')
          .insert(counts.slice(i, i + 300))
          .onConflict(['template_id', 'minute'])
          .merge({
            count: tx.raw('?? + ??', [
              'template_counts.count',
              'excluded.count',
            ]),
          });
      }
    });
  }

  /** An entity's templates, most frequent first. */
  async list(entityRef: string, limit = 100): Promise<StoredTemplate[]> {
    const rows = await this.db('log_templates')
      .where({ org_id: this.orgId, entity_ref: entityRef })
      .orderBy([{ column: 'count', order: 'desc' }, { column: 'id' }])
      .limit(limit);
    return rows.map(r => ({
      id: r.id,
      entityRef: r.entity_ref,
      template: r.template,
      count: Number(r.count),
      exemplars: parseJson<string[]>(r.exemplars, []),
      firstSeen: toIso(r.first_seen),
      lastSeen: toIso(r.last_seen),
    }));
  }

  /** Per-minute counts of one template in [fromMs, toMs). */
  async counts(
    templateId: string,
    fromMs: number,
    toMs: number,
  ): Promise<Array<{ minute: string; count: number }>> {
    const rows = await this.db('template_counts')
      .where({ template_id: templateId })
      .where('minute', '>=', new Date(fromMs))
      .where('minute', '<', new Date(toMs))
      .orderBy('minute');
    return rows.map(r => ({ minute: toIso(r.minute), count: Number(r.count) }));
  }
}
