import type { Kysely } from 'kysely';
import { AppError } from '../protocol/errors.js';
import { ACTIVE_RUN_STATUSES } from '../protocol/statuses.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';

/** What a rate-limited caller is told to wait when its active runs are at the limit. */
export const ACTIVE_RUNS_RETRY_AFTER_S = 30;

/**
 * Refuses a trigger with RATE_LIMITED (429 + Retry-After) when the key already has `max` active
 * runs. Runs inside the trigger's transaction; on PostgreSQL the key's row is locked first so two
 * concurrent triggers of one key cannot both pass the count.
 */
export async function enforceActiveRunLimit(
  trx: Kysely<Database>,
  ctx: QueueContext,
  apiKeyId: number | null | undefined,
  max: number | null | undefined,
): Promise<void> {
  if (!apiKeyId || !max) return;
  if (ctx.cap.rowLocks) await trx.selectFrom('api_keys').select('id').where('id', '=', apiKeyId).forUpdate().execute();
  const row = await trx
    .selectFrom('runs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('api_key_id', '=', apiKeyId)
    .where('status', 'in', ACTIVE_RUN_STATUSES)
    .executeTakeFirstOrThrow();
  if (Number(row.n) >= max) {
    throw new AppError(
      'RATE_LIMITED',
      `this key already has ${row.n} active run(s), its limit is ${max}: wait for one to finish`,
      {
        details: { limit: 'max_active_runs', max_active_runs: max, retry_after_s: ACTIVE_RUNS_RETRY_AFTER_S },
      },
    );
  }
}
