import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface AgentJobRow {
  jobId: number;
  runId: number;
  projectId: number;
  plan: string;
  kind: string;
  environment: string;
  agentId: number;
  startedAt: number | null;
  /** Queue mode: waits on its agent behind the slot's current job. */
  lookahead: boolean;
  /** A discovery that runs the whole suite (queue/suite-run.ts). */
  suiteRun: boolean;
}

/** Jobs running now, each with the agent that holds its lease; oldest first. */
export async function runningJobs(db: Kysely<Database>): Promise<AgentJobRow[]> {
  const rows = await db
    .selectFrom('jobs')
    .innerJoin('runs', 'runs.id', 'jobs.run_id')
    .innerJoin('plans', 'plans.id', 'runs.plan_id')
    .select([
      'jobs.id',
      'jobs.run_id',
      'runs.project_id',
      'plans.name',
      'jobs.kind',
      'jobs.environment_name',
      'jobs.lease_owner',
      'jobs.started_at',
      'jobs.lookahead',
      'jobs.suite_run',
    ])
    .where('jobs.status', '=', 'running')
    .where('jobs.lease_owner', 'is not', null)
    .orderBy('jobs.id')
    .execute();
  return rows.map((r) => ({
    jobId: r.id,
    runId: r.run_id,
    projectId: r.project_id,
    plan: r.name,
    kind: r.kind,
    environment: r.environment_name,
    agentId: r.lease_owner!,
    startedAt: r.started_at,
    lookahead: r.lookahead === 1,
    suiteRun: r.suite_run === 1,
  }));
}
