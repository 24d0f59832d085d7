import type { Kysely } from 'kysely';
import { keepStart } from '../domain/text-cap.js';
import { checkName, Problems } from '../domain/validation.js';
import { AppError } from '../protocol/errors.js';
import type { ApiKey } from '../storage/api-keys.js';
import { findPlans, type PlanRecord } from '../storage/plans.js';
import { ensureProject, findProject, type Project } from '../storage/projects.js';
import { getRunView, runIdByUuid } from '../storage/run-views.js';
import type { Database } from '../storage/schema.js';
import { assertProject, keyOf } from './principal.js';

/**
 * Finds a plan by numeric id, UUID or name among the projects the key may see. A name that exists in
 * several of them needs `project` to choose.
 */
export async function resolvePlan(
  db: Kysely<Database>,
  key: ApiKey,
  ref: string,
  projectName?: string,
): Promise<PlanRecord> {
  const scope = await listScope(db, key, projectName);
  const isName = !/^\d+$/.test(ref) && !/^[0-9a-f-]{36}$/i.test(ref);
  const plans = await findPlans(db, isName ? scope : null, ref);
  const missing = `plan "${ref}" does not exist${isName ? '; list the plans with proctor plans list (GET /api/v1/plans)' : ''}`;
  if (plans.length === 0) throw new AppError('NOT_FOUND', missing);
  if (plans.length > 1) {
    throw new AppError(
      'AMBIGUOUS',
      `several projects have a plan named "${ref}": add ?project=<name> or use the plan's id`,
      {
        details: { plan_ids: plans.map((p) => p.id) },
      },
    );
  }
  const plan = plans[0]!;
  assertProject(key, plan.projectId, missing);
  return plan;
}

/**
 * The projects a listing covers: the one `?project=` names (404 if the key may not see it, as if it
 * did not exist), else every project the key may see (null: all).
 */
export async function listScope(
  db: Kysely<Database>,
  key: ApiKey,
  project: string | undefined,
): Promise<number[] | null> {
  return project !== undefined ? [(await visibleProject(db, key, project)).id] : key.projectIds;
}

/**
 * The project of that name (or id) if the key may see it; else NOT_FOUND with the message of a
 * project that does not exist, so a limited key cannot tell the two apart.
 */
export async function visibleProject(db: Kysely<Database>, key: ApiKey, ref: string | number): Promise<Project> {
  const project = await findProject(db, ref);
  const missing = `project ${JSON.stringify(String(ref))} does not exist`;
  if (!project) throw new AppError('NOT_FOUND', missing);
  assertProject(key, project.id, missing);
  return project;
}

/**
 * The project a write goes to: the named one, else the key's only project, else `default`. A key
 * limited to some projects cannot create new ones. A project the key may not use is refused (403:
 * the caller named it) with the answer a project that does not exist gets, so nothing is told.
 */
export async function targetProject(
  db: Kysely<Database>,
  key: ApiKey,
  name: string | undefined,
  now: number,
): Promise<Project> {
  if (name === undefined && key.projectIds?.length === 1) {
    const only = await findProject(db, key.projectIds[0]!);
    if (only) return only;
  }
  const wanted = name ?? 'default';
  const existing = await findProject(db, wanted);
  if (key.projectIds === null) {
    if (existing) return existing;
    // A project made here follows the rule of a plan file's `project`, which apply checks.
    const problems = new Problems();
    if (!checkName(problems, 'project', wanted))
      throw new AppError('VALIDATION_FAILED', problems.toString(), { details: problems.list });
    return ensureProject(db, wanted, now);
  }
  if (existing && key.projectIds.includes(existing.id)) return existing;
  throw new AppError('FORBIDDEN', `this key may not write to project "${wanted}": it is limited to other projects`);
}

/** Parses a numeric path id, refusing anything else with a 400 naming the parameter. */
export function numericId(value: string, what: string): number {
  if (!/^\d{1,15}$/.test(value))
    throw new AppError('VALIDATION_FAILED', `${what}: expected a numeric id, got "${keepStart(value, 40)}"`);
  return Number(value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Loads a run, by id or UUID, that the key may see, or throws 404 (for a run of a project the key
 * may not see too).
 */
export async function loadRun(db: Kysely<Database>, principal: unknown, raw: string) {
  const key = keyOf(principal as never);
  const id = UUID.test(raw) ? await runIdByUuid(db, raw) : numericId(raw, 'run');
  const run = id === undefined ? undefined : await getRunView(db, id);
  const missing = `run ${raw} does not exist`;
  if (!run) throw new AppError('NOT_FOUND', missing);
  assertProject(key, run.projectId, missing);
  return run;
}
