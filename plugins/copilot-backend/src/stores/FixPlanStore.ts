import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '@backstage/errors';
import type {
  FixPlanDocument,
  FixPlanLink,
  FixPlanStatus,
  FixPreflight,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { parseJson, toIso } from './util';

/** A stored plan without its approvals (the ApprovalStore holds those). */
export interface StoredFixPlan {
  id: string;
  incidentId: string;
  entityRef: string;
  environment: 'production' | 'staging' | 'development';
  owners: string[];
  mode: FixPlanDocument['mode'];
  strategy: string;
  status: FixPlanStatus;
  author: string;
  plan: FixPlanDocument;
  preflight?: FixPreflight;
  /** Where the plan's change went (the `fix_plan_links` rows), oldest first. */
  links?: FixPlanLink[];
  createdAt: string;
  updatedAt: string;
}

/** Fix plans (the `fix_plans` aggregate): the plan document, its latest preflight and its status. */
export class FixPlanStore {
  private constructor(
    private readonly db: Knex,
    private readonly orgId: string,
  ) {}

  static create(options: { database: Knex; orgId?: string }): FixPlanStore {
    return new FixPlanStore(options.database, options.orgId ?? 'default');
  }

  /** Stores a new plan; the same plan id twice is a ConflictError. */
  async insert(input: {
    plan: FixPlanDocument;
    environment: StoredFixPlan['environment'];
    owners: string[];
    author: string;
    now?: Date;
  }): Promise<StoredFixPlan> {
    const now = input.now ?? new Date();
    const existing = await this.db('fix_plans')
      .where({ id: input.plan.id })
      .first();
    if (existing)
      throw new ConflictError(`fix plan ${input.plan.id} already exists`);
    await this.db('fix_plans').insert({
      id: input.plan.id,
      org_id: this.orgId,
      incident_id: input.plan.incidentId,
      entity_ref: input.plan.entityRef,
      mode: input.plan.mode,
      strategy: input.plan.strategy,
      environment: input.environment,
      status: 'draft',
      plan: JSON.stringify(input.plan),
      risk_score: input.plan.risk.score,
      author: input.author,
      owners: JSON.stringify(input.owners),
      created_at: now,
      updated_at: now,
    });
    return this.get(input.plan.id);
  }

  async find(id: string): Promise<StoredFixPlan | undefined> {
    const row = await this.db('fix_plans')
      .where({ org_id: this.orgId, id })
      .first();
    return row ? (await this.withLinks([toPlan(row)]))[0] : undefined;
  }

  async get(id: string): Promise<StoredFixPlan> {
    const plan = await this.find(id);
    if (!plan) throw new NotFoundError(`No fix plan with id '${id}'`);
    return plan;
  }

  async getMany(ids: string[]): Promise<Array<StoredFixPlan | undefined>> {
    if (ids.length === 0) return [];
    const rows: Array<Record<string, any>> = await this.db('fix_plans')
      .where({ org_id: this.orgId })
      .whereIn('id', ids);
    const plans = await this.withLinks(rows.map(toPlan));
    const byId = new Map(plans.map(p => [p.id, p]));
    return ids.map(id => byId.get(id));
  }

  /** The incident's plans, newest first. */
  async list(options: {
    incidentId?: string;
    limit?: number;
  }): Promise<StoredFixPlan[]> {
    const q = this.db('fix_plans')
      .where({ org_id: this.orgId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(Math.min(options.limit ?? 100, 500));
    if (options.incidentId) q.andWhere({ incident_id: options.incidentId });
    const rows: Array<Record<string, any>> = await q;
    return this.withLinks(rows.map(toPlan));
  }

  /**
   * Links the plan to where its change went. The same plan, kind and URL again answers the existing link
   * with `created: false` (a retried template step records once).
   */
  async addLink(input: {
    planId: string;
    kind: FixPlanLink['kind'];
    url: string;
    note?: string;
    createdBy: string;
    now?: Date;
  }): Promise<{ link: FixPlanLink; created: boolean }> {
    await this.get(input.planId);
    const key = { plan_id: input.planId, kind: input.kind, url: input.url };
    const existing = await this.db('fix_plan_links').where(key).first();
    if (existing) return { link: toLink(existing), created: false };
    const now = input.now ?? new Date();
    try {
      await this.db('fix_plan_links').insert({
        id: randomUUID(),
        org_id: this.orgId,
        ...key,
        note: input.note ?? null,
        created_by: input.createdBy,
        created_at: now,
      });
    } catch (e) {
      // A concurrent insert of the same link won the unique index.
      const raced = await this.db('fix_plan_links').where(key).first();
      if (raced) return { link: toLink(raced), created: false };
      throw e;
    }
    const row = await this.db('fix_plan_links').where(key).first();
    return { link: toLink(row), created: true };
  }

  private async withLinks(plans: StoredFixPlan[]): Promise<StoredFixPlan[]> {
    if (plans.length === 0) return plans;
    const rows: Array<Record<string, any>> = await this.db('fix_plan_links')
      .where({ org_id: this.orgId })
      .whereIn(
        'plan_id',
        plans.map(p => p.id),
      )
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return plans.map(p => ({
      ...p,
      links: rows.filter(r => r.plan_id === p.id).map(toLink),
    }));
  }

  /** Records a preflight run (the latest one counts); an executed plan is not preflighted again. */
  async setPreflight(
    id: string,
    preflight: FixPreflight,
    now = new Date(),
  ): Promise<StoredFixPlan> {
    const current = await this.get(id);
    if (current.status === 'executed')
      throw new ConflictError(`fix plan ${id} was already executed`);
    await this.db('fix_plans')
      .where({ org_id: this.orgId, id })
      .update({
        preflight_verdict: preflight.verdict,
        preflight_report: JSON.stringify(preflight),
        preflighted_at: now,
        status: current.status === 'approved' ? 'approved' : 'preflighted',
        updated_at: now,
      });
    return this.get(id);
  }

  async setStatus(
    id: string,
    status: FixPlanStatus,
    now = new Date(),
  ): Promise<void> {
    await this.db('fix_plans')
      .where({ org_id: this.orgId, id })
      .update({ status, updated_at: now });
  }
}

function toPlan(r: Record<string, any>): StoredFixPlan {
  const preflight = parseJson<FixPreflight | undefined>(
    r.preflight_report,
    undefined,
  );
  return {
    id: r.id,
    incidentId: r.incident_id,
    entityRef: r.entity_ref,
    environment: r.environment,
    owners: parseJson<string[]>(r.owners, []),
    mode: r.mode,
    strategy: r.strategy,
    status: r.status,
    author: r.author,
    plan: parseJson<FixPlanDocument>(r.plan, undefined!),
    ...(preflight ? { preflight } : {}),
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

function toLink(r: Record<string, any>): FixPlanLink {
  return {
    id: r.id,
    planId: r.plan_id,
    kind: r.kind,
    url: r.url,
    ...(r.note ? { note: r.note } : {}),
    createdBy: r.created_by,
    createdAt: toIso(r.created_at),
  };
}
