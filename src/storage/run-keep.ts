import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Marks a run kept (or no longer kept). Guarded: a run retention has begun deleting cannot be kept
 * any more; `false` says so.
 */
export async function setRunKeep(db: Kysely<Database>, runId: number, keep: boolean): Promise<boolean> {
  const r = await db
    .updateTable('runs')
    .set({ keep: keep ? 1 : 0 })
    .where('id', '=', runId)
    .where('deleting_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
