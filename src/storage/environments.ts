import type { Kysely } from 'kysely';
import type { EnvironmentDefinition } from '../domain/plan-definition.js';
import { fromJson, toJson } from './json.js';
import type { Database } from './schema.js';
import { idsOrNone } from './id-list.js';

export interface EnvironmentRecord {
  id: number;
  projectId: number;
  definition: EnvironmentDefinition;
  createdAt: number;
  updatedAt: number;
}

function toRecord(r: {
  id: number;
  project_id: number;
  definition: string;
  created_at: number;
  updated_at: number;
}): EnvironmentRecord {
  return {
    id: r.id,
    projectId: r.project_id,
    definition: fromJson(r.definition, {} as EnvironmentDefinition),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Creates or replaces the environment of that name; returns whether anything changed. */
export async function upsertEnvironment(
  db: Kysely<Database>,
  projectId: number,
  def: EnvironmentDefinition,
  now: number,
): Promise<{ record: EnvironmentRecord; changed: boolean }> {
  const existing = await findEnvironment(db, projectId, def.name);
  const definition = toJson(def);
  if (existing && toJson(existing.definition) === definition) return { record: existing, changed: false };
  await db
    .insertInto('environments')
    .values({ project_id: projectId, name: def.name, definition, created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'name']).doUpdateSet({ definition, updated_at: now }))
    .execute();
  return { record: (await findEnvironment(db, projectId, def.name))!, changed: true };
}

export async function findEnvironment(
  db: Kysely<Database>,
  projectId: number,
  ref: string | number,
): Promise<EnvironmentRecord | undefined> {
  let q = db.selectFrom('environments').selectAll().where('project_id', '=', projectId);
  q = typeof ref === 'number' || /^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('name', '=', ref);
  const r = await q.executeTakeFirst();
  return r && toRecord(r);
}

export async function listEnvironments(
  db: Kysely<Database>,
  projectIds: readonly number[] | null,
): Promise<EnvironmentRecord[]> {
  let q = db.selectFrom('environments').selectAll().orderBy('id');
  if (projectIds) q = q.where('project_id', 'in', idsOrNone(projectIds));
  return (await q.execute()).map(toRecord);
}

export async function deleteEnvironment(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('environments').where('id', '=', id).execute();
}
