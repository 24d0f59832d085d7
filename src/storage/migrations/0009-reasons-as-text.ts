import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/**
 * Why a run, job or attempt ended is a sentence a person reads ("discovery failed: workdir … does
 * not exist …; fix the plan's workdir"), not a code of 100 characters: the columns become text.
 * SQLite does not enforce a varchar's length; PostgreSQL does, and changes the type in place.
 */
export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  if (cap.name !== 'postgres') return;
  for (const table of ['runs', 'jobs', 'attempts']) {
    await db.schema
      .alterTable(table)
      .alterColumn('end_reason', (c) => c.setDataType('text'))
      .execute();
  }
}
