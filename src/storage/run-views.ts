import { isoTimeOrNull } from '../protocol/wire-time.js';
import type { Kysely, Selectable } from 'kysely';
import type { ResultRow, Run } from '../protocol/api.js';
import type { RunResult, RunStatus, ScenarioResult, TriggerSource } from '../protocol/statuses.js';
import { countsFrom, type RunCounts } from '../domain/run-outcome.js';
import { encodeCursor } from './cursor.js';
import { fromJson } from './json.js';
import { readRunTrigger } from './run-data.js';
import type { Database, JobTable, RunTable } from './schema.js';
import { idsOrNone } from './id-list.js';

type RunRow = Selectable<RunTable> & { plan_name: string; project_name: string };

function runQuery(db: Kysely<Database>) {
  return db
    .selectFrom('runs')
    .innerJoin('plans', 'plans.id', 'runs.plan_id')
    .innerJoin('projects', 'projects.id', 'runs.project_id')
    .selectAll('runs')
    .select(['plans.name as plan_name', 'projects.name as project_name']);
}

function toRun(r: RunRow, counts: RunCounts): Run {
  const t = readRunTrigger(r.trigger);
  return {
    id: r.id,
    uuid: r.uuid,
    project: { id: r.project_id, name: r.project_name },
    plan: { id: r.plan_id, name: r.plan_name },
    status: r.status,
    result: r.result,
    priority: r.priority,
    counts,
    trigger: {
      source: t.source,
      user_id: t.userId,
      build: t.build,
      ref: t.ref,
      branch: t.branch,
      parameters: t.parameters,
      callback_url: t.callbackUrl,
      environments: t.environments,
      scenarios: t.scenarios,
      idempotency_key: r.idempotency_key,
      app_builds: t.appBuilds ?? {},
      profile: t.profile ?? null,
    },
    unavailable_environments: t.unavailableEnvironments ?? [],
    created_at: isoTimeOrNull(r.created_at)!,
    started_at: isoTimeOrNull(r.started_at),
    finished_at: isoTimeOrNull(r.finished_at),
    duration_ms: r.started_at !== null && r.finished_at !== null ? r.finished_at - r.started_at : null,
    ended_by: r.ended_by,
    end_reason: r.end_reason,
    rerun_parent_id: r.rerun_parent_id,
    rerun_type: r.rerun_type,
    keep: r.keep === 1,
  };
}

async function countsByRun(db: Kysely<Database>, runIds: number[]): Promise<Map<number, RunCounts>> {
  const out = new Map<number, RunCounts>();
  if (runIds.length === 0) return out;
  const rows = await db
    .selectFrom('results')
    .select(['run_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('run_id', 'in', runIds)
    .groupBy(['run_id', 'status'])
    .execute();
  for (const id of runIds) {
    out.set(id, countsFrom(rows.filter((r) => r.run_id === id).map((r) => ({ status: r.status, n: Number(r.n) }))));
  }
  return out;
}

/** The API view of one run, or undefined. */
export async function getRunView(
  db: Kysely<Database>,
  runId: number,
): Promise<(Run & { projectId: number }) | undefined> {
  const r = await runQuery(db).where('runs.id', '=', runId).executeTakeFirst();
  if (!r) return undefined;
  const counts = (await countsByRun(db, [r.id])).get(r.id)!;
  return { ...toRun(r, counts), projectId: r.project_id };
}

/** The id of the run with this UUID, or undefined. */
export async function runIdByUuid(db: Kysely<Database>, uuid: string): Promise<number | undefined> {
  return (await db.selectFrom('runs').select('id').where('uuid', '=', uuid.toLowerCase()).executeTakeFirst())?.id;
}

export interface RunFilter {
  projectIds: number[] | null;
  planId?: number;
  status?: RunStatus[];
  result?: RunResult[];
  branch?: string;
  build?: string;
  /** Trigger sources (`api`, `dashboard`, …). */
  source?: TriggerSource[];
  /** Created at or after / before these epoch milliseconds. */
  createdFrom?: number;
  createdBefore?: number;
  /** Return runs with an id below this one (newest first). */
  beforeId?: number;
  limit: number;
}

export async function listRunViews(
  db: Kysely<Database>,
  f: RunFilter,
): Promise<{ items: Run[]; next_cursor: string | null }> {
  let q = runQuery(db)
    .orderBy('runs.id', 'desc')
    .limit(f.limit + 1);
  if (f.projectIds) q = q.where('runs.project_id', 'in', idsOrNone(f.projectIds));
  if (f.planId !== undefined) q = q.where('runs.plan_id', '=', f.planId);
  if (f.status?.length) q = q.where('runs.status', 'in', f.status);
  if (f.result?.length) q = q.where('runs.result', 'in', f.result);
  if (f.branch !== undefined) q = q.where('runs.branch', '=', f.branch);
  if (f.build !== undefined) q = q.where('runs.build', '=', f.build);
  if (f.source?.length) q = q.where('runs.source', 'in', f.source);
  if (f.createdFrom !== undefined) q = q.where('runs.created_at', '>=', f.createdFrom);
  if (f.createdBefore !== undefined) q = q.where('runs.created_at', '<', f.createdBefore);
  if (f.beforeId !== undefined) q = q.where('runs.id', '<', f.beforeId);
  const rows = await q.execute();
  const page = rows.slice(0, f.limit);
  const counts = await countsByRun(
    db,
    page.map((r) => r.id),
  );
  return {
    items: page.map((r) => toRun(r, counts.get(r.id)!)),
    next_cursor: rows.length > f.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}

export interface ResultFilter {
  status?: ScenarioResult[];
  /** Only these result ids (live updates fetch the rows that changed). */
  ids?: number[];
  environment?: string;
  afterId?: number;
  limit: number;
}

/** A short fingerprint of every result row of a run: what changes when a row changes. */
export async function resultSignatures(db: Kysely<Database>, runId: number): Promise<Map<number, string>> {
  const rows = await db
    .selectFrom('results')
    .select(['id', 'status', 'attempts', 'job_id', 'duration_ms'])
    .where('run_id', '=', runId)
    .execute();
  return new Map(rows.map((r) => [r.id, resultSignature(r)]));
}

/** The fingerprint of one row; the same for a stored row and its API view. */
export function resultSignature(r: {
  status: string;
  attempts: number;
  job_id: number | null;
  duration_ms: number | null;
}): string {
  return `${r.status}|${r.attempts}|${r.job_id ?? ''}|${r.duration_ms ?? ''}`;
}

export async function listResultViews(
  db: Kysely<Database>,
  runId: number,
  f: ResultFilter,
): Promise<{ items: ResultRow[]; next_cursor: string | null }> {
  let q = db
    .selectFrom('results')
    .innerJoin('scenarios', 'scenarios.id', 'results.scenario_id')
    .selectAll('results')
    .select(['scenarios.key', 'scenarios.file', 'scenarios.path'])
    .where('results.run_id', '=', runId)
    .orderBy('results.id')
    .limit(f.limit + 1);
  if (f.status?.length) q = q.where('results.status', 'in', f.status);
  if (f.environment !== undefined) q = q.where('results.environment_name', '=', f.environment);
  if (f.ids !== undefined) q = q.where('results.id', 'in', idsOrNone(f.ids));
  if (f.afterId !== undefined) q = q.where('results.id', '>', f.afterId);
  const rows = await q.execute();
  const page = rows.slice(0, f.limit);
  const artifacts = await artifactsOf(db, runId, page);
  return {
    items: page.map((r) => ({
      id: r.id,
      scenario: { id: r.scenario_id, key: r.key, file: r.file, path: fromJson<string[]>(r.path, []) },
      environment: r.environment_name,
      environment_id: r.environment_id,
      status: r.status,
      attempts: r.attempts,
      duration_ms: r.duration_ms,
      message: r.message,
      stack: r.stack,
      stdout: r.stdout,
      stderr: r.stderr,
      job_id: r.job_id,
      started_at: isoTimeOrNull(r.started_at),
      finished_at: isoTimeOrNull(r.finished_at),
      artifacts: artifacts.get(`${r.scenario_id}:${r.job_id}`) ?? [],
    })),
    next_cursor: rows.length > f.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}

/** Artifacts of the page's results, keyed `scenarioId:jobId` (a result's files come from its last job). */
async function artifactsOf(
  db: Kysely<Database>,
  runId: number,
  rows: { scenario_id: number; job_id: number | null }[],
) {
  const out = new Map<string, ResultRow['artifacts']>();
  const jobIds = [...new Set(rows.map((r) => r.job_id).filter((j): j is number => j !== null))];
  if (jobIds.length === 0) return out;
  const found = await db
    .selectFrom('artifacts')
    .select(['id', 'name', 'content_type', 'size', 'scenario_id', 'job_id', 'attempt'])
    .where('run_id', '=', runId)
    .where('job_id', 'in', jobIds)
    .where('scenario_id', 'is not', null)
    .orderBy('id')
    .execute();
  for (const a of found) {
    const k = `${a.scenario_id}:${a.job_id}`;
    const list = out.get(k) ?? [];
    list.push({
      id: a.id,
      name: a.name,
      content_type: a.content_type,
      size: Number(a.size),
      url: `/api/v1/runs/${runId}/artifacts/${a.id}`,
    });
    out.set(k, list);
  }
  return out;
}

/**
 * A run view as the API shows it: without its project id, which is the server's to check (keys
 * limited to projects), not part of the wire shape.
 */
export function publicRun<T extends { projectId: number }>(run: T): Omit<T, 'projectId'> {
  const { projectId: _omit, ...rest } = run;
  return rest;
}

/** A job as an event's body shows it (`data.job` of `job.finished`). */
export function eventJobView(job: Selectable<JobTable>): Record<string, unknown> {
  return {
    id: job.id,
    kind: job.kind,
    environment: job.environment_name,
    status: job.status,
    attempt: job.attempt,
    started_at: isoTimeOrNull(job.started_at),
    finished_at: isoTimeOrNull(job.finished_at),
    ended_by: job.ended_by,
    end_reason: job.end_reason,
    error: job.error,
  };
}
