import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { idsOrNone } from './id-list.js';

export interface Project {
  id: number;
  name: string;
}

/** Returns the project of that name, creating it when missing (safe against a concurrent creator). */
export async function ensureProject(db: Kysely<Database>, name: string, now: number): Promise<Project> {
  await db
    .insertInto('projects')
    .values({ name, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return db.selectFrom('projects').select(['id', 'name']).where('name', '=', name).executeTakeFirstOrThrow();
}

export async function listProjects(db: Kysely<Database>, ids: readonly number[] | null): Promise<Project[]> {
  let q = db.selectFrom('projects').select(['id', 'name']).orderBy('id');
  if (ids) q = q.where('id', 'in', idsOrNone(ids));
  return q.execute();
}

export async function findProject(db: Kysely<Database>, ref: string | number): Promise<Project | undefined> {
  const q = db.selectFrom('projects').select(['id', 'name']);
  return (
    typeof ref === 'number' || /^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('name', '=', ref)
  ).executeTakeFirst();
}
