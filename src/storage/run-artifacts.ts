import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The artifacts of a run, in the order they were stored. */
export function runArtifacts(db: Kysely<Database>, runId: number) {
  return db.selectFrom('artifacts').selectAll().where('run_id', '=', runId).orderBy('id').execute();
}

/** One artifact of a run, if the run has it. */
export function runArtifact(db: Kysely<Database>, runId: number, id: number) {
  return db.selectFrom('artifacts').selectAll().where('run_id', '=', runId).where('id', '=', id).executeTakeFirst();
}
