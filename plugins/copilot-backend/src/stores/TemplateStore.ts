import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import type { LogTemplate } from '../engine/ingest/drain';
import { parseJson, toIso, toMs } from './util';

/** A template with its entity, as the API shows it. */
export interface StoredTemplate {
  id: string;
  entityRef: string;
  template: string;
  count: number;
  level?: string;
  /** Unlike every earlier template of the entity when first seen. */
  novel: boolean;
  exemplars: string[];
  firstSeen: string;
  lastSeen: string;
}

/** A miner template as stored, with what the miner service adds. */
export interface LoadedTemplate extends LogTemplate {
  signature?: Uint8Array;
}

/** What the miner service knows of a template beyond the miner's own state. */
export interface TemplateFacts {
  level?: string;
  novel?: boolean;
  signature?: Uint8Array;
}

/** Row id of an entity's miner template: stable across restarts. */
export const templateRowId = (entityRef: string, minerId: number) =>
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
  async load(entityRef: string): Promise<LoadedTemplate[]> {
    const rows = await this.db('log_templates')
      .where({ org_id: this.orgId, entity_ref: entityRef })
      .whereNotNull('miner_id')
      .orderBy('miner_id');
    const minerIdOf = new Map<string, number>(
      rows.map(r => [r.id, Number(r.miner_id)]),
    );
    return rows.map(r => ({
      id: Number(r.miner_id),
      tokens: String(r.template).split(' '),
      path: parseJson<string[]>(r.path, []),
      count: Number(r.count),
      exemplars: parseJson<string[]>(r.exemplars, []),
      mergedInto: r.merged_into ? minerIdOf.get(r.merged_into) : undefined,
      signature: r.minhash ? new Uint8Array(r.minhash) : undefined,
    }));
  }

  /**
   * Saves an entity's changed templates and adds per-minute counts (minute epoch ms -> count per miner
   * id), inside the caller's transaction.
   */
  async save(
    tx: Knex.Transaction,
    entityRef: string,
    templates: LogTemplate[],
    minuteCounts: Map<number, Map<number, number>>,
    now: Date,
    facts: Map<number, TemplateFacts> = new Map(),
  ): Promise<void> {
    if (templates.length === 0) return;
    for (const t of templates) {
      const known = facts.get(t.id);
      const row: Record<string, unknown> = {
        id: templateRowId(entityRef, t.id),
        org_id: this.orgId,
        entity_ref: entityRef,
        miner_id: t.id,
        template: t.tokens.join(' '),
        path: JSON.stringify(t.path),
        count: t.count,
        exemplars: JSON.stringify(t.exemplars),
        merged_into:
          t.mergedInto === undefined
            ? null
            : templateRowId(entityRef, t.mergedInto),
        first_seen: now,
        last_seen: now,
      };
      if (known) {
        row.level = known.level ?? null;
        row.novel = known.novel ?? false;
        row.minhash = known.signature ? Buffer.from(known.signature) : null;
      }
      await tx('log_templates')
        .insert(row)
        .onConflict('id')
        .merge([
          'template',
          'count',
          'exemplars',
          'last_seen',
          'path',
          'merged_into',
        ]);
    }
    const counts = [...minuteCounts].flatMap(([minute, perTemplate]) =>
      [...perTemplate].map(([minerId, count]) => ({
        template_id: templateRowId(entityRef, minerId),
        minute: new Date(minute),
        count,
      })),
    );
    for (let i = 0; i < counts.length; i += 300) {
      await tx('template_counts')
        .insert(counts.slice(i, i + 300))
        .onConflict(['template_id', 'minute'])
        .merge({
          count: tx.raw('?? + ??', ['template_counts.count', 'excluded.count']),
        });
    }
  }

  /** An entity's live templates (merged ones excluded), most frequent first. */
  async list(
    entityRef: string,
    options: { limit?: number; novelOnly?: boolean } = {},
  ): Promise<StoredTemplate[]> {
    const q = this.db('log_templates')
      .where({ org_id: this.orgId, entity_ref: entityRef })
      .whereNull('merged_into');
    if (options.novelOnly) q.where('novel', true);
    const rows = await q
      .orderBy([{ column: 'count', order: 'desc' }, { column: 'id' }])
      .limit(options.limit ?? 100);
    return rows.map(r => ({
      id: r.id,
      entityRef: r.entity_ref,
      template: r.template,
      count: Number(r.count),
      level: r.level ?? undefined,
      novel: Boolean(r.novel),
      exemplars: parseJson<string[]>(r.exemplars, []),
      firstSeen: toIso(r.first_seen),
      lastSeen: toIso(r.last_seen),
    }));
  }

  /**
   * Per-minute counts of every template in [fromMs, toMs), with the counts of merged templates added to
   * the template they merged into. Ordered by minute.
   */
  async minuteCounts(
    fromMs: number,
    untilMs: number,
  ): Promise<
    Array<{
      templateId: string;
      entityRef: string;
      template: string;
      level?: string;
      minuteMs: number;
      count: number;
    }>
  > {
    const rows: Array<Record<string, any>> = await this.db('template_counts')
      .join('log_templates', 'log_templates.id', 'template_counts.template_id')
      .where('log_templates.org_id', this.orgId)
      .where('template_counts.minute', '>=', new Date(fromMs))
      .where('template_counts.minute', '<', new Date(untilMs))
      .groupByRaw('coalesce(??, ??), ??, ??', [
        'log_templates.merged_into',
        'log_templates.id',
        'log_templates.entity_ref',
        'template_counts.minute',
      ])
      .select(
        this.db.raw('coalesce(??, ??) as template_id', [
          'log_templates.merged_into',
          'log_templates.id',
        ]),
        { entity_ref: 'log_templates.entity_ref' },
        { minute: 'template_counts.minute' },
      )
      .sum({ count: 'template_counts.count' })
      .orderBy('template_counts.minute');
    const ids = [...new Set(rows.map(r => String(r.template_id)))];
    const info = new Map<string, { template: string; level?: string }>();
    for (let i = 0; i < ids.length; i += 500) {
      const found: Array<Record<string, any>> = await this.db('log_templates')
        .whereIn('id', ids.slice(i, i + 500))
        .select('id', 'template', 'level');
      for (const t of found)
        info.set(t.id, { template: t.template, level: t.level ?? undefined });
    }
    return rows.map(r => ({
      templateId: String(r.template_id),
      entityRef: r.entity_ref,
      template: info.get(String(r.template_id))?.template ?? '',
      ...(info.get(String(r.template_id))?.level
        ? { level: info.get(String(r.template_id))!.level }
        : {}),
      minuteMs: toMs(r.minute),
      count: Number(r.count),
    }));
  }

  /** Per-minute counts of one template in [fromMs, untilMs). */
  async counts(
    templateId: string,
    fromMs: number,
    untilMs: number,
  ): Promise<Array<{ minute: string; count: number }>> {
    // A template counts the lines of the templates that merged into it as well.
    const merged = await this.db('log_templates')
      .where({ org_id: this.orgId, merged_into: templateId })
      .select('id');
    const rows = await this.db('template_counts')
      .whereIn('template_id', [templateId, ...merged.map(m => m.id)])
      .groupBy('minute')
      .select('minute')
      .sum({ count: 'count' })
      .where('minute', '>=', new Date(fromMs))
      .where('minute', '<', new Date(untilMs))
      .orderBy('minute');
    return (rows as Array<Record<string, any>>).map(r => ({
      minute: toIso(r.minute),
      count: Number(r.count),
    }));
  }
}
