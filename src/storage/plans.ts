import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PlanDefinition } from '../domain/plan-definition.js';
import type { RunResult, RunStatus } from '../protocol/statuses.js';
import { fromJson, toJson } from './json.js';
import type { Database } from './schema.js';
import { idsOrNone } from './id-list.js';

export interface PlanRecord {
  id: number;
  uuid: string;
  projectId: number;
  definition: PlanDefinition;
  createdAt: number;
  updatedAt: number;
}

function toRecord(r: {
  id: number;
  uuid: string;
  project_id: number;
  definition: string;
  created_at: number;
  updated_at: number;
}): PlanRecord {
  return {
    id: r.id,
    uuid: r.uuid,
    projectId: r.project_id,
    definition: fromJson(r.definition, {} as PlanDefinition),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Creates or replaces the plan of that name; returns whether anything changed. */
export async function upsertPlan(
  db: Kysely<Database>,
  projectId: number,
  def: PlanDefinition,
  now: number,
): Promise<{ record: PlanRecord; changed: boolean }> {
  const existing = await findPlan(db, [projectId], def.name);
  const definition = toJson(def);
  if (existing && toJson(existing.definition) === definition) return { record: existing, changed: false };
  await db
    .insertInto('plans')
    .values({ uuid: randomUUID(), project_id: projectId, name: def.name, definition, created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'name']).doUpdateSet({ definition, updated_at: now }))
    .execute();
  return { record: (await findPlan(db, [projectId], def.name))!, changed: true };
}

/** Finds a plan by numeric id, UUID or name among the given projects (null: any project). */
export async function findPlans(
  db: Kysely<Database>,
  projectIds: readonly number[] | null,
  ref: string | number,
): Promise<PlanRecord[]> {
  let q = db.selectFrom('plans').selectAll();
  if (projectIds) q = q.where('project_id', 'in', idsOrNone(projectIds));
  const s = String(ref);
  if (/^\d+$/.test(s)) q = q.where('id', '=', Number(s));
  else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s))
    q = q.where('uuid', '=', s.toLowerCase());
  else q = q.where('name', '=', s);
  return (await q.orderBy('id').execute()).map(toRecord);
}

export async function findPlan(
  db: Kysely<Database>,
  projectIds: readonly number[] | null,
  ref: string | number,
): Promise<PlanRecord | undefined> {
  return (await findPlans(db, projectIds, ref))[0];
}

export async function listPlans(db: Kysely<Database>, projectIds: readonly number[] | null): Promise<PlanRecord[]> {
  let q = db.selectFrom('plans').selectAll().orderBy('id');
  if (projectIds) q = q.where('project_id', 'in', idsOrNone(projectIds));
  return (await q.execute()).map(toRecord);
}

export async function planHasRuns(db: Kysely<Database>, planId: number): Promise<boolean> {
  return (
    (await db.selectFrom('runs').select('id').where('plan_id', '=', planId).limit(1).executeTakeFirst()) !== undefined
  );
}

export async function deletePlan(db: Kysely<Database>, planId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('scenarios').where('plan_id', '=', planId).execute();
    await trx.deleteFrom('plans').where('id', '=', planId).execute();
  });
}

export interface PlanLastRunRecord {
  id: number;
  planId: number;
  status: RunStatus;
  result: RunResult | null;
  createdAt: number;
  finishedAt: number | null;
  rerunParentId: number | null;
}

/**
 * The latest run of each of these plans, in one query for all of them (the plans list shows each
 * plan's last result). Run ids grow with creation, so a plan's latest run is its highest id.
 */
export async function lastRunsOfPlans(
  db: Kysely<Database>,
  planIds: readonly number[],
): Promise<Map<number, PlanLastRunRecord>> {
  if (planIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('runs')
    .select(['id', 'plan_id', 'status', 'result', 'created_at', 'finished_at', 'rerun_parent_id'])
    .where(
      'id',
      'in',
      db
        .selectFrom('runs as latest')
        .select((eb) => eb.fn.max('latest.id').as('id'))
        .where('latest.plan_id', 'in', [...planIds])
        .groupBy('latest.plan_id'),
    )
    .execute();
  return new Map(
    rows.map((r) => [
      r.plan_id,
      {
        id: r.id,
        planId: r.plan_id,
        status: r.status,
        result: r.result,
        createdAt: Number(r.created_at),
        finishedAt: r.finished_at === null ? null : Number(r.finished_at),
        rerunParentId: r.rerun_parent_id,
      },
    ]),
  );
}
