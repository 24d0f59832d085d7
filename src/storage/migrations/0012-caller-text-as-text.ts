import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/**
 * Text a caller names things with (key, token, agent and user names, a run's build and branch, an
 * app build's version, a webhook's description) is stored with NUL and lone surrogates escaped,
 * six characters each, so a name within its API limit can be longer once stored. PostgreSQL
 * refused it (its varchar width) where SQLite, which enforces no width, stored it. The columns
 * become text and the API's limits (on the text as sent) are the only ones, the same on both
 * dialects. PostgreSQL changes the type in place (varchar to text rewrites nothing).
 */
const CALLER_TEXT: readonly (readonly [table: string, column: string])[] = [
  ['users', 'name'],
  ['api_keys', 'name'],
  ['registration_tokens', 'name'],
  ['agents', 'name'],
  ['runs', 'build'],
  ['runs', 'branch'],
  ['app_builds', 'version'],
  ['webhook_endpoints', 'description'],
];

export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  if (cap.name !== 'postgres') return;
  for (const [table, column] of CALLER_TEXT) {
    await db.schema
      .alterTable(table)
      .alterColumn(column, (c) => c.setDataType('text'))
      .execute();
  }
}
