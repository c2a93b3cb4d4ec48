import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '@backstage/errors';
import type {
  FixPlanDocument,
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
    return row ? toPlan(row) : undefined;
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
    const byId = new Map(rows.map(r => [r.id, toPlan(r)]));
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
    return rows.map(toPlan);
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
