import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { readRunTrigger } from './run-data.js';
import type { AppBuildTable, Database } from './schema.js';
import { idsOrNone } from './id-list.js';

/** An app build as the rest of Proctor sees it. */
export interface AppBuildRecord {
  id: number;
  uuid: string;
  projectId: number;
  name: string;
  version: string;
  fileName: string;
  sha256: string | null;
  size: number | null;
  url: string | null;
  createdBy: number;
  createdAt: number;
}

/** A build to record; its id is made on insert, and its UUID too unless the caller chose one. */
export type NewAppBuild = Omit<AppBuildRecord, 'id' | 'uuid'> & { uuid?: string };

function toRecord(r: Selectable<AppBuildTable>): AppBuildRecord {
  return {
    id: r.id,
    uuid: r.uuid,
    projectId: r.project_id,
    name: r.name,
    version: r.version,
    fileName: r.file_name,
    sha256: r.sha256,
    size: r.size === null ? null : Number(r.size),
    url: r.url,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

/** Records a build (its content, if any, is already in the blob store). */
export async function insertAppBuild(db: Kysely<Database>, b: NewAppBuild): Promise<AppBuildRecord> {
  const row = await db
    .insertInto('app_builds')
    .values({
      uuid: b.uuid ?? randomUUID(),
      project_id: b.projectId,
      name: b.name,
      version: b.version,
      file_name: b.fileName,
      sha256: b.sha256,
      size: b.size,
      url: b.url,
      created_by: b.createdBy,
      created_at: b.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** Finds a build by numeric id or UUID. */
export async function findAppBuild(db: Kysely<Database>, ref: number | string): Promise<AppBuildRecord | undefined> {
  const q = db.selectFrom('app_builds').selectAll();
  const row = await (typeof ref === 'number'
    ? q.where('id', '=', ref)
    : q.where('uuid', '=', ref.toLowerCase())
  ).executeTakeFirst();
  return row && toRecord(row);
}

export interface AppBuildFilter {
  projectIds: readonly number[] | null;
  name?: string;
  /** Builds with an id below this one (newest first). */
  beforeId?: number;
  limit: number;
}

/** Builds newest first; one more than `limit` is read so the caller knows whether a page follows. */
export async function listAppBuilds(db: Kysely<Database>, f: AppBuildFilter): Promise<AppBuildRecord[]> {
  let q = db
    .selectFrom('app_builds')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(f.limit + 1);
  if (f.projectIds) q = q.where('project_id', 'in', idsOrNone(f.projectIds));
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return (await q.execute()).map(toRecord);
}

/**
 * Whether a job the agent holds (running, leased to it) belongs to a run that uses the build: an
 * agent may download only the builds of its own work.
 */
export async function agentHoldsAppBuild(db: Kysely<Database>, agentId: number, buildId: number): Promise<boolean> {
  const rows = await db
    .selectFrom('jobs')
    .innerJoin('runs', 'runs.id', 'jobs.run_id')
    .select('runs.trigger')
    .where('jobs.lease_owner', '=', agentId)
    .where('jobs.status', '=', 'running')
    .execute();
  return rows.some((r) => Object.values(readRunTrigger(r.trigger).appBuilds ?? {}).includes(buildId));
}
