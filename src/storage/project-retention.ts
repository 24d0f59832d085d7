import type { Kysely } from 'kysely';
import type { RetentionSettings } from '../domain/retention-policy.js';
import { fromJson } from './json.js';
import type { Database } from './schema.js';
import { idsOrNone } from './id-list.js';

/** A project with the retention settings its `proctor.yaml` gave it (null: none, the server defaults). */
export interface ProjectRetention {
  projectId: number;
  projectName: string;
  settings: RetentionSettings | null;
}

/** Stores a project's settings (from `proctor.yaml`); whether they changed. */
export async function setProjectRetention(
  db: Kysely<Database>,
  projectId: number,
  settings: RetentionSettings,
): Promise<boolean> {
  const json = JSON.stringify(settings, Object.keys(settings).sort());
  const before = await db.selectFrom('projects').select('retention').where('id', '=', projectId).executeTakeFirst();
  if (before?.retention === json) return false;
  await db.updateTable('projects').set({ retention: json }).where('id', '=', projectId).execute();
  return true;
}

/** Every project's settings, or those of the given projects. */
export async function listProjectRetention(
  db: Kysely<Database>,
  projectIds: readonly number[] | null = null,
): Promise<ProjectRetention[]> {
  let q = db.selectFrom('projects').select(['id', 'name', 'retention']).orderBy('id');
  if (projectIds) q = q.where('id', 'in', idsOrNone(projectIds));
  const rows = await q.execute();
  return rows.map((r) => ({
    projectId: r.id,
    projectName: r.name,
    settings: r.retention === null ? null : fromJson<RetentionSettings>(r.retention, {}),
  }));
}
