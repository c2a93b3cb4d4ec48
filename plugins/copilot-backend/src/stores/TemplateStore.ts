import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import type { LogTemplate } from '../engine/ingest/drain';
import {
  compareCodeUnits,
  epochMsSql,
  listAgg,
  listAggDialect,
  parseJson,
  splitNumbers,
  toIso,
  toMs,
} from './util';

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
/** The per-minute line counts of one template (see `TemplateStore.templateMinuteSeries`). */
export interface TemplateMinuteSeries {
  templateId: string;
  entityRef: string;
  template: string;
  level?: string;
  minutesMs: number[];
  counts: number[];
}

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
    options: { entityRefs?: readonly string[] } = {},
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
    // The templates first (few), then the counts of the range by the minute index, merged here: a
    // template's lines count towards the one it merged into.
    const templates = new Map<
      string,
      { canonical: string; entityRef: string }
    >();
    const info = new Map<string, { template: string; level?: string }>();
    const readTemplates = async (refs?: readonly string[]) => {
      const q = this.db('log_templates')
        .where({ org_id: this.orgId })
        .select('id', 'merged_into', 'entity_ref', 'template', 'level');
      if (refs) q.whereIn('entity_ref', refs as string[]);
      for (const t of (await q) as Array<Record<string, any>>) {
        templates.set(String(t.id), {
          canonical: String(t.merged_into ?? t.id),
          entityRef: t.entity_ref,
        });
        info.set(String(t.id), {
          template: t.template,
          level: t.level ?? undefined,
        });
      }
    };
    const refs = options.entityRefs ? [...new Set(options.entityRefs)] : [];
    if (!options.entityRefs) await readTemplates();
    else
      for (let i = 0; i < refs.length; i += 500)
        await readTemplates(refs.slice(i, i + 500));
    const readCounts = (chunk?: readonly string[]) => {
      const q = this.db('template_counts')
        .where('template_counts.minute', '>=', new Date(fromMs))
        .where('template_counts.minute', '<', new Date(untilMs))
        .select(
          'template_counts.template_id',
          'template_counts.minute',
          'template_counts.count',
        );
      if (chunk)
        q.join(
          'log_templates',
          'log_templates.id',
          'template_counts.template_id',
        ).whereIn('log_templates.entity_ref', chunk as string[]);
      return q as Promise<Array<Record<string, any>>>;
    };
    const merged = new Map<
      string,
      { templateId: string; entityRef: string; minuteMs: number; count: number }
    >();
    const add = (rows: Array<Record<string, any>>) => {
      for (const r of rows) {
        const t = templates.get(String(r.template_id));
        if (!t) continue; // another org's template
        const minuteMs = toMs(r.minute);
        const key = `${t.canonical}\u0000${minuteMs}`;
        const seen = merged.get(key);
        if (seen) seen.count += Number(r.count);
        else
          merged.set(key, {
            templateId: t.canonical,
            entityRef: t.entityRef,
            minuteMs,
            count: Number(r.count),
          });
      }
    };
    if (!options.entityRefs) add(await readCounts());
    else
      for (let i = 0; i < refs.length; i += 500)
        add(await readCounts(refs.slice(i, i + 500)));
    const out = [...merged.values()].map(m => {
      const t = info.get(m.templateId);
      return {
        ...m,
        // A template merged into one of another entity keeps the canonical template's entity.
        entityRef: templates.get(m.templateId)?.entityRef ?? m.entityRef,
        template: t?.template ?? '',
        ...(t?.level ? { level: t.level } : {}),
      };
    });
    return out.sort((a, b) => a.minuteMs - b.minuteMs);
  }

  /**
   * The per-minute line counts of every template of `entityRefs` (every entity when undefined) in
   * [fromMs, untilMs), merged templates counted in the one they merged into, minutes ascending: what
   * `minuteCounts` returns, grouped by template and read in one row per template (a list aggregate).
   */
  async templateMinuteSeries(
    fromMs: number,
    untilMs: number,
    options: { entityRefs?: readonly string[] } = {},
  ): Promise<TemplateMinuteSeries[]> {
    const dialect = listAggDialect(this.db);
    if (!dialect) {
      const byId = new Map<string, TemplateMinuteSeries>();
      for (const c of await this.minuteCounts(fromMs, untilMs, options)) {
        let s = byId.get(c.templateId);
        if (!s) {
          s = {
            templateId: c.templateId,
            entityRef: c.entityRef,
            template: c.template,
            ...(c.level ? { level: c.level } : {}),
            minutesMs: [],
            counts: [],
          };
          byId.set(c.templateId, s);
        }
        s.minutesMs.push(c.minuteMs);
        s.counts.push(c.count);
      }
      return [...byId.values()];
    }
    const templates = new Map<
      string,
      { canonical: string; entityRef: string; template: string; level?: string }
    >();
    const readTemplates = async (refs?: readonly string[]) => {
      const q = this.db('log_templates')
        .where({ org_id: this.orgId })
        .select('id', 'merged_into', 'entity_ref', 'template', 'level');
      if (refs) q.whereIn('entity_ref', refs as string[]);
      for (const t of (await q) as Array<Record<string, any>>)
        templates.set(String(t.id), {
          canonical: String(t.merged_into ?? t.id),
          entityRef: t.entity_ref,
          template: t.template,
          level: t.level ?? undefined,
        });
    };
    const refs = options.entityRefs ? [...new Set(options.entityRefs)] : [];
    if (!options.entityRefs) await readTemplates();
    else
      for (let i = 0; i < refs.length; i += 500)
        await readTemplates(refs.slice(i, i + 500));

    const perMinute = new Map<string, Map<number, number>>();
    const readCounts = async (ids?: string[]) => {
      const q = this.db('template_counts')
        .where('minute', '>=', new Date(fromMs))
        .where('minute', '<', new Date(untilMs))
        .groupBy('template_id')
        .select(
          'template_id',
          listAgg(
            this.db,
            dialect,
            epochMsSql(this.db, dialect, 'minute'),
            'minutes',
          ),
          listAgg(
            this.db,
            dialect,
            this.db.raw('??', ['count']).toQuery(),
            'counts',
          ),
        );
      if (ids) q.whereIn('template_id', ids);
      for (const r of (await q) as Array<Record<string, any>>) {
        const t = templates.get(String(r.template_id));
        if (!t) continue; // another org's, or another entity's
        let counts = perMinute.get(t.canonical);
        if (!counts) perMinute.set(t.canonical, (counts = new Map()));
        const minutes = String(r.minutes ?? '').split(',');
        const values = splitNumbers(r.counts);
        for (let i = 0; i < values.length; i++) {
          const n = Number(minutes[i]);
          const minute = Number.isFinite(n) ? n : Date.parse(minutes[i]);
          counts.set(minute, (counts.get(minute) ?? 0) + values[i]);
        }
      }
    };
    if (!options.entityRefs) await readCounts();
    else {
      const ids = [...templates.keys()];
      for (let i = 0; i < ids.length; i += 500)
        await readCounts(ids.slice(i, i + 500));
    }
    const out: TemplateMinuteSeries[] = [];
    for (const [id, counts] of perMinute) {
      const t = templates.get(id);
      const sorted = [...counts].sort((a, b) => a[0] - b[0]);
      out.push({
        templateId: id,
        entityRef: t?.entityRef ?? '',
        template: t?.template ?? '',
        ...(t?.level ? { level: t.level } : {}),
        minutesMs: sorted.map(p => p[0]),
        counts: sorted.map(p => p[1]),
      });
    }
    return out.sort((a, b) => compareCodeUnits(a.templateId, b.templateId));
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
