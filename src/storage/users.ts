import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface User {
  id: number;
  name: string;
}

export async function ensureUser(db: Kysely<Database>, name: string, now: number): Promise<User> {
  await db
    .insertInto('users')
    .values({ name, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return db.selectFrom('users').select(['id', 'name']).where('name', '=', name).executeTakeFirstOrThrow();
}

export async function findUser(db: Kysely<Database>, id: number): Promise<User | undefined> {
  return db.selectFrom('users').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}
