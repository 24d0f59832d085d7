import type { Kysely } from 'kysely';
import type { JobView } from '../protocol/resource-views.js';
import { isoTime, isoTimeOrNull } from '../protocol/wire-time.js';
import { fromJson } from './json.js';
import type { Database } from './schema.js';

/** The jobs of a run with their attempts, in the order they were made (`GET /api/v1/runs/{run}/jobs`). */
export async function runJobViews(db: Kysely<Database>, runId: number): Promise<JobView[]> {
  const jobs = await db.selectFrom('jobs').selectAll().where('run_id', '=', runId).orderBy('id').execute();
  const attempts = jobs.length
    ? await db
        .selectFrom('attempts')
        .select([
          'job_id',
          'attempt',
          'agent_id',
          'status',
          'started_at',
          'finished_at',
          'exit_code',
          'ended_by',
          'end_reason',
          'error',
        ])
        .where(
          'job_id',
          'in',
          jobs.map((j) => j.id),
        )
        .orderBy('attempt')
        .execute()
    : [];
  return jobs.map((j) => ({
    id: j.id,
    kind: j.kind,
    environment: j.environment_name,
    status: j.status,
    scenario_count: fromJson<number[]>(j.scenario_ids, []).length,
    suite_run: j.suite_run === 1,
    attempts: attempts
      .filter((a) => a.job_id === j.id)
      .map((a) => ({
        attempt: a.attempt,
        agent_id: a.agent_id,
        status: a.status,
        started_at: isoTime(a.started_at),
        finished_at: isoTimeOrNull(a.finished_at),
        exit_code: a.exit_code,
        ended_by: a.ended_by,
        end_reason: a.end_reason,
        error: a.error,
      })),
    created_at: isoTime(j.created_at),
    started_at: isoTimeOrNull(j.started_at),
    finished_at: isoTimeOrNull(j.finished_at),
    ended_by: j.ended_by,
    end_reason: j.end_reason,
    error: j.error,
  }));
}

/** An attempt of a run's job as its log route reads it: the `attempt`-th, or the last. */
export async function attemptOfRunJob(db: Kysely<Database>, runId: number, jobId: number, attempt: number | undefined) {
  let q = db
    .selectFrom('attempts')
    .innerJoin('jobs', 'jobs.id', 'attempts.job_id')
    .select([
      'attempts.id',
      'attempts.output',
      'attempts.attempt',
      'attempts.status',
      'attempts.log_bytes',
      'attempts.log_sha256',
    ])
    .where('jobs.run_id', '=', runId)
    .where('jobs.id', '=', jobId);
  q = attempt !== undefined ? q.where('attempts.attempt', '=', attempt) : q.orderBy('attempts.attempt', 'desc');
  return q.limit(1).executeTakeFirst();
}

/** The streamed log chunks of an attempt that end after `from`, in order. */
export function logChunksFrom(db: Kysely<Database>, jobId: number, attempt: number, from: number) {
  return db
    .selectFrom('log_chunks')
    .select(['offset', 'length', 'data'])
    .where('job_id', '=', jobId)
    .where('attempt', '=', attempt)
    .where((eb) => eb(eb('offset', '+', eb.ref('length')), '>', from))
    .orderBy('offset')
    .execute();
}
