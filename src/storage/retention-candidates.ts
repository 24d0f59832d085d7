import { sql, type Kysely } from 'kysely';
import { TERMINAL_RUN_STATUSES } from '../protocol/statuses.js';
import { OPEN_DELIVERY_STATUSES } from '../protocol/webhooks.js';
import { readRunTrigger } from './run-data.js';
import type { Database } from './schema.js';

/** Where a plan's runs stop being protected: ids at or above `protectedFrom` stay; below `lastFloor` are beyond its newest N. */
export interface PlanBounds {
  planId: number;
  /** Runs with this id or higher are what the plan's history reads; null: every run (it has fewer finished). */
  protectedFrom: number | null;
  /** Runs with a lower id are beyond the newest N; null: no such limit, or fewer runs. */
  lastFloor: number | null;
}

/**
 * A plan's bounds. History (duration estimates: the last 5 finished runs; the dashboard: the last
 * runs that are not reruns, and the reruns since) reads the newest `historyRuns` finished runs that
 * are not reruns and everything newer, so those never go.
 */
export async function planBounds(
  db: Kysely<Database>,
  planId: number,
  historyRuns: number,
  runLast: number | null,
): Promise<PlanBounds> {
  const history = await db
    .selectFrom('runs')
    .select('id')
    .where('plan_id', '=', planId)
    .where('status', 'in', TERMINAL_RUN_STATUSES)
    .where('rerun_parent_id', 'is', null)
    .orderBy('id', 'desc')
    .offset(historyRuns - 1)
    .limit(1)
    .executeTakeFirst();
  let lastFloor: number | null = null;
  if (runLast !== null) {
    const nth = await db
      .selectFrom('runs')
      .select('id')
      .where('plan_id', '=', planId)
      .orderBy('id', 'desc')
      .offset(runLast - 1)
      .limit(1)
      .executeTakeFirst();
    lastFloor = nth?.id ?? null;
  }
  return { planId, protectedFrom: history?.id ?? null, lastFloor };
}

/**
 * Runs of the plan the policy deletes, oldest first: ended, not kept, below the history bound, and
 * beyond the newest N or ended before `endedBefore`. A run whose webhooks are still being delivered
 * waits for them.
 */
export function deletableRunsQuery(db: Kysely<Database>, b: PlanBounds, endedBefore: number | null) {
  return db
    .selectFrom('runs as r')
    .where('r.plan_id', '=', b.planId)
    .where('r.id', '<', b.protectedFrom ?? -1)
    .where('r.keep', '=', 0)
    .where('r.deleting_at', 'is', null)
    .where('r.status', 'in', TERMINAL_RUN_STATUSES)
    .where((eb) => {
      const rules = [];
      if (b.lastFloor !== null) rules.push(eb('r.id', '<', b.lastFloor));
      if (endedBefore !== null) rules.push(eb('r.finished_at', '<', endedBefore));
      return rules.length ? eb.or(rules) : eb.val(false);
    })
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as d')
            .select(sql.lit(1).as('x'))
            .whereRef('d.run_id', '=', 'r.id')
            .where('d.status', 'in', OPEN_DELIVERY_STATUSES),
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('webhook_events as e')
            .select(sql.lit(1).as('x'))
            .whereRef('e.run_id', '=', 'r.id')
            .where('e.fanned_out', '=', 0),
        ),
      ),
    );
}

/** Runs of the project (not kept) that ended before `endedBefore` and still have their logs, or their artifacts. */
export function runsDueQuery(db: Kysely<Database>, projectId: number, what: 'logs' | 'artifacts', endedBefore: number) {
  const mark = what === 'logs' ? 'r.logs_deleted_at' : 'r.artifacts_deleted_at';
  return db
    .selectFrom('runs as r')
    .where('r.project_id', '=', projectId)
    .where(mark, 'is', null)
    .where('r.finished_at', '<', endedBefore)
    .where('r.keep', '=', 0);
}

/**
 * App builds of the project beyond the newest `last` of their name that nothing needs: not the app
 * of a plan (Testinium's), not the build of a run still active or kept.
 */
export async function appBuildsBeyond(
  db: Kysely<Database>,
  projectId: number,
  last: number,
  limit: number,
): Promise<{ id: number; sha256: string | null; size: number | null; url: string | null; name: string }[]> {
  const names = await db
    .selectFrom('app_builds')
    .select('name')
    .where('project_id', '=', projectId)
    .groupBy('name')
    .having((eb) => eb.fn.countAll(), '>', last)
    .execute();
  if (names.length === 0) return [];
  const needed = await neededAppBuilds(db, projectId);
  const out = [];
  for (const { name } of names) {
    const rows = await db
      .selectFrom('app_builds')
      .select(['id', 'sha256', 'size', 'url', 'name'])
      .where('project_id', '=', projectId)
      .where('name', '=', name)
      .orderBy('id', 'desc')
      .offset(last)
      .limit(limit + needed.size)
      .execute();
    for (const r of rows)
      if (!needed.has(r.id) && out.length < limit) out.push({ ...r, size: r.size === null ? null : Number(r.size) });
  }
  return out;
}

/** Builds of the project a plan's mobile app setting, an active run or a kept run refers to. */
export async function neededAppBuilds(db: Kysely<Database>, projectId: number): Promise<Set<number>> {
  const apps = await db.selectFrom('plan_mobile_apps').select('app_build_id').execute();
  const runs = await db
    .selectFrom('runs')
    .select('trigger')
    .where('project_id', '=', projectId)
    .where((eb) => eb.or([eb('status', 'not in', TERMINAL_RUN_STATUSES), eb('keep', '=', 1)]))
    .execute();
  const ids = new Set(apps.map((a) => a.app_build_id));
  for (const r of runs) {
    for (const id of Object.values(readRunTrigger(r.trigger).appBuilds ?? {})) ids.add(id);
  }
  return ids;
}
