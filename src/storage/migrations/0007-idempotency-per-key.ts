import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/**
 * An `Idempotency-Key` belongs to the API key that sent it, as Stripe's belong to the API key of
 * an account: two callers of one project that happen to send the same key get a run each, and
 * neither learns the other's run. The unique constraint of 0001 on (project_id, idempotency_key)
 * becomes a unique index on (project_id, api_key_id, idempotency_key); runs stored before keep
 * their keys (those without an API key can no longer be replayed, as NULLs are distinct).
 */
export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  if (cap.dropConstraint) await db.schema.alterTable('runs').dropConstraint('runs_project_idempotency').execute();
  else await rebuildRunsWithoutConstraint(db);
  await db.schema
    .createIndex('runs_idempotency_per_key')
    .on('runs')
    .columns(['project_id', 'api_key_id', 'idempotency_key'])
    .unique()
    .execute();
}

// The constraint as Kysely wrote it into the CREATE TABLE statement of 0001.
const CONSTRAINT =
  /,\s*constraint\s+"runs_project_idempotency"\s+unique\s*\(\s*"project_id"\s*,\s*"idempotency_key"\s*\)/i;

/**
 * SQLite keeps a table constraint for the table's life: the table is made again without it, the
 * way SQLite's documentation gives (https://sqlite.org/lang_altertable.html#otheralter). The
 * statement that creates it is the stored one, so the columns later migrations added come along,
 * in their order; ids, the AUTOINCREMENT sequence and the indexes stay. Foreign keys are off while
 * the table is away (tables that reference `runs` keep their rows) and checked before the commit.
 */
async function rebuildRunsWithoutConstraint(db: Kysely<unknown>): Promise<void> {
  const stored = await sql<{
    sql: string;
  }>`select sql from sqlite_master where type = 'table' and name = 'runs'`.execute(db);
  const create = stored.rows[0]?.sql;
  if (!create || !CONSTRAINT.test(create))
    throw new Error('runs: the constraint runs_project_idempotency is not where migration 0001 put it');
  const indexes = await sql<{
    sql: string;
  }>`select sql from sqlite_master where type = 'index' and tbl_name = 'runs' and sql is not null`.execute(db);
  // Ids of runs deleted at the end of the table stay used: the new table continues the old sequence.
  const sequence =
    (await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'runs'`.execute(db)).rows[0]?.seq ?? 0;
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      await sql
        .raw(create.replace(CONSTRAINT, '').replace(/^create table\s+"?runs"?/i, 'create table "runs_rebuilt"'))
        .execute(trx);
      await sql`insert into runs_rebuilt select * from runs`.execute(trx);
      await sql`drop table runs`.execute(trx);
      await sql`alter table runs_rebuilt rename to runs`.execute(trx);
      for (const index of indexes.rows) await sql.raw(index.sql).execute(trx);
      await sql`delete from sqlite_sequence where name = 'runs'`.execute(trx);
      await sql`insert into sqlite_sequence (name, seq) select 'runs', max(coalesce(max(id), 0), ${sequence}) from runs`.execute(
        trx,
      );
      const broken = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0)
        throw new Error(`runs: ${broken.rows.length} rows refer to rows that are missing after the rebuild`);
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
