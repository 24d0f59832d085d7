import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import type { RunSnapshot } from '../storage/run-data.js';

/** Queues the job that lists a run's scenarios; it runs on the run's first environment. */
export async function queueDiscovery(
  trx: Kysely<Database>,
  ctx: QueueContext,
  runId: number,
  snapshot: RunSnapshot,
  priority: number,
  runCreatedAt: number,
): Promise<void> {
  const env = snapshot.environments[0]!;
  await trx
    .insertInto('jobs')
    .values({
      run_id: runId,
      kind: 'discover',
      environment_id: env.id,
      environment_name: env.name,
      status: 'queued',
      scenario_ids: '[]',
      priority,
      run_created_at: runCreatedAt,
      max_parallel: snapshot.plan.maxParallel,
      timeout_ms: Math.min(snapshot.plan.jobTimeoutMs, 10 * 60_000),
      attempt: 0,
      max_attempts: ctx.settings.maxAttempts,
      created_at: ctx.clock(),
    })
    .execute();
}
