import { sql, type Expression, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Records that `sha256` is being stored now (before it becomes visible); a later put refreshes the time. */
export async function registerBlob(
  db: Kysely<Database>,
  b: { sha256: string; size: number; now: number },
): Promise<void> {
  await db
    .insertInto('blobs')
    .values({ sha256: b.sha256, size: b.size, created_at: b.now, put_at: b.now })
    .onConflict((oc) => oc.column('sha256').doUpdateSet({ put_at: b.now }))
    .execute();
}

/** Whether any row still refers to the blob: an artifact, an uploaded app build, an ended log. */
export async function blobReferenced(db: Kysely<Database>, sha256: string): Promise<boolean> {
  const row = await db
    .selectNoFrom((eb) => [eb.or(referencesTo(eb, eb.val(sha256))).as('referenced')])
    .executeTakeFirstOrThrow();
  return Boolean(Number(row.referenced));
}

/**
 * Of the next `limit` registered blobs after `after` (by checksum), those no row refers to that were
 * last stored before `before`: orphans of a crash, or what an interrupted pass left. One page per
 * call keeps each statement short however many blobs there are.
 */
export async function unreferencedBlobs(
  db: Kysely<Database>,
  opts: { before: number; after: string; limit: number },
): Promise<{ orphans: string[]; next: string | null }> {
  const page = await db
    .selectFrom('blobs')
    .select('sha256')
    .where('sha256', '>', opts.after)
    .orderBy('sha256')
    .limit(opts.limit)
    .execute();
  if (page.length === 0) return { orphans: [], next: null };
  const last = page[page.length - 1]!.sha256;
  const rows = await db
    .selectFrom('blobs as b')
    .select('b.sha256')
    .where('b.sha256', '>', opts.after)
    .where('b.sha256', '<=', last)
    .where('b.put_at', '<', opts.before)
    .where(unreferenced)
    .execute();
  return { orphans: rows.map((r) => r.sha256), next: page.length < opts.limit ? null : last };
}

/** Registers a blob found in the store without a row (an older server wrote it), as stored when the store says. */
export async function adoptBlob(
  db: Kysely<Database>,
  b: { sha256: string; size: number; modifiedAt: number },
): Promise<void> {
  await db
    .insertInto('blobs')
    .values({ sha256: b.sha256, size: b.size, created_at: b.modifiedAt, put_at: b.modifiedAt })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
}

/** Which of these checksums have a registry row. */
export async function registeredAmong(db: Kysely<Database>, shas: readonly string[]): Promise<Set<string>> {
  if (shas.length === 0) return new Set();
  const rows = await db
    .selectFrom('blobs')
    .select('sha256')
    .where('sha256', 'in', [...shas])
    .execute();
  return new Set(rows.map((r) => r.sha256));
}

/**
 * The rows that can refer to a blob, one `exists` each: an artifact, an uploaded app build (one
 * registered by URL has no blob), an ended log. The one rule for what retention may delete and what
 * usage counts as unreferenced.
 */
function referencesTo<DB extends Database, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  sha256: Expression<string>,
) {
  // The sub-selects name only Database's own tables, whatever aliases the outer query adds.
  const db = eb as unknown as ExpressionBuilder<Database, never>;
  return [
    db.exists(db.selectFrom('artifacts').select(sql.lit(1).as('x')).where('artifacts.sha256', '=', sha256)),
    db.exists(
      db
        .selectFrom('app_builds')
        .select(sql.lit(1).as('x'))
        .where('app_builds.sha256', '=', sha256)
        .where('app_builds.url', 'is', null),
    ),
    db.exists(db.selectFrom('attempts').select(sql.lit(1).as('x')).where('attempts.log_sha256', '=', sha256)),
  ];
}

/** Whether no row refers to the blob `b` (`blobs as b`): see `referencesTo`. */
export function unreferenced(eb: ExpressionBuilder<Database & { b: Database['blobs'] }, 'b'>) {
  return eb.and(referencesTo(eb, eb.ref('b.sha256')).map((e) => eb.not(e)));
}
