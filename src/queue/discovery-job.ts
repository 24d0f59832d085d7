import type { Kysely } from 'kysely';
import { prepared } from '../storage/prepared.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import type { RunSnapshot } from '../storage/run-data.js';

const insertDiscovery = prepared(
  (
    db,
    v: {
      runId: number;
      environmentId: number;
      environmentName: string;
      priority: number;
      runCreatedAt: number;
      maxParallel: number;
      timeoutMs: number;
      maxAttempts: number;
      now: number;
    },
  ) =>
    db.insertInto('jobs').values({
      run_id: v.runId,
      kind: 'discover',
      environment_id: v.environmentId,
      environment_name: v.environmentName,
      status: 'queued',
      scenario_ids: '[]',
      priority: v.priority,
      run_created_at: v.runCreatedAt,
      max_parallel: v.maxParallel,
      timeout_ms: v.timeoutMs,
      attempt: 0,
      max_attempts: v.maxAttempts,
      created_at: v.now,
    }),
);

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
  await insertDiscovery.affected(trx, ctx.cap, {
    runId,
    environmentId: env.id,
    environmentName: env.name,
    priority,
    runCreatedAt,
    maxParallel: snapshot.plan.maxParallel,
    timeoutMs: Math.min(snapshot.plan.jobTimeoutMs, 10 * 60_000),
    maxAttempts: ctx.settings.maxAttempts,
    now: ctx.clock(),
  });
}
