import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { effectivePolicy, type RetentionPolicy } from '../domain/retention-policy.js';
import { unreferenced } from './blob-registry.js';
import { listProjectRetention } from './project-retention.js';
import { BLOB_GRACE_MS } from './registered-blobs.js';
import { appBuildsBeyond, deletableRunsQuery, planBounds, runsDueQuery } from './retention-candidates.js';
import type { Database } from './schema.js';

export const USAGE_KINDS = ['runs', 'results', 'logs', 'artifacts', 'app_builds'] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/** What one kind of data of a plan (or, for app builds, of a project) holds, and what the next pass deletes of it. */
export interface UsageRow {
  project: { id: number; name: string };
  plan: { id: number; name: string } | null;
  kind: UsageKind;
  rows: number;
  /** Bytes of blobs (artifacts, app builds, ended logs); characters of text kept in the database (results, live logs); null for runs. */
  bytes: number | null;
  next_pass: { rows: number; bytes: number | null };
}

export interface Usage {
  items: UsageRow[];
  policies: { project: { id: number; name: string }; policy: RetentionPolicy }[];
  /** The blob store as a whole: shared content counted once; null for a key limited to projects. */
  blobs: { rows: number; bytes: number; unreferenced: { rows: number; bytes: number } } | null;
}

// biome-ignore lint/suspicious/noExplicitAny: the run ids come from queries over different aliases (runs, runs as r); only their `id` column is read
type RunIds = SelectQueryBuilder<Database, any, { id: number }>;

const num = (v: unknown) => Number(v ?? 0);
const DAY = 86_400_000;
const none: RunIds | null = null;

/**
 * Rows and bytes per project, plan and kind, and what the next retention pass will delete of each
 * (the same queries the pass runs, counted instead of deleted). Reads every table once per plan:
 * an administrator's question, not a hot path.
 */
export async function usage(
  db: Kysely<Database>,
  opts: {
    projectIds: readonly number[] | null;
    defaults: RetentionPolicy;
    historyRuns: number;
    now: number;
    withBlobs: boolean;
    graceMs?: number;
  },
): Promise<Usage> {
  const items: UsageRow[] = [];
  const policies: Usage['policies'] = [];
  for (const p of await listProjectRetention(db, opts.projectIds)) {
    const project = { id: p.projectId, name: p.projectName };
    const policy = effectivePolicy(p.settings, opts.defaults);
    policies.push({ project, policy });
    const plans = await db
      .selectFrom('plans')
      .select(['id', 'name'])
      .where('project_id', '=', p.projectId)
      .orderBy('id')
      .execute();
    const logsDue =
      policy.logDays === null
        ? none
        : runsDueQuery(db, p.projectId, 'logs', opts.now - policy.logDays * DAY).select('r.id');
    const artifactsDue =
      policy.artifactDays === null
        ? none
        : runsDueQuery(db, p.projectId, 'artifacts', opts.now - policy.artifactDays * DAY).select('r.id');
    for (const plan of plans) {
      const runsOf = db.selectFrom('runs').select('id').where('plan_id', '=', plan.id);
      const deletable =
        policy.runDays === null && policy.runLast === null
          ? none
          : deletableRunsQuery(
              db,
              await planBounds(db, plan.id, opts.historyRuns, policy.runLast),
              policy.runDays === null ? null : opts.now - policy.runDays * DAY,
            ).select('r.id');
      const row = (
        kind: UsageKind,
        now: { rows: number; bytes: number | null },
        next: { rows: number; bytes: number | null },
      ) => items.push({ project, plan, kind, ...now, next_pass: next });
      row(
        'runs',
        {
          rows: num(
            (
              await runsOf
                .clearSelect()
                .select((eb) => eb.fn.countAll().as('n'))
                .executeTakeFirst()
            )?.n,
          ),
          bytes: null,
        },
        { rows: deletable ? await countOf(db, deletable) : 0, bytes: null },
      );
      row('results', await resultsIn(db, runsOf), deletable ? await resultsIn(db, deletable) : { rows: 0, bytes: 0 });
      row('logs', await logsIn(db, [runsOf]), await logsIn(db, [deletable, logsDue]));
      row('artifacts', await artifactsIn(db, [runsOf]), await artifactsIn(db, [deletable, artifactsDue]));
    }
    items.push({
      project,
      plan: null,
      kind: 'app_builds',
      ...(await appBuildsOf(db, p.projectId)),
      next_pass: await buildsBeyond(db, p.projectId, policy.appBuildLast),
    });
  }
  return {
    items,
    policies,
    blobs: opts.withBlobs ? await blobTotals(db, opts.now - (opts.graceMs ?? BLOB_GRACE_MS)) : null,
  };
}

async function countOf(db: Kysely<Database>, ids: RunIds): Promise<number> {
  const r = await db
    .selectFrom(ids.as('d'))
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return num(r?.n);
}

async function resultsIn(db: Kysely<Database>, runs: RunIds): Promise<{ rows: number; bytes: number }> {
  const r = await db
    .selectFrom('results')
    .select((eb) => [
      eb.fn.countAll().as('n'),
      sql<number>`sum(coalesce(length(message), 0) + coalesce(length(stack), 0) + coalesce(length(stdout), 0) + coalesce(length(stderr), 0))`.as(
        'chars',
      ),
    ])
    .where('run_id', 'in', runs)
    .executeTakeFirst();
  return { rows: num(r?.n), bytes: num(r?.chars) };
}

/** Streamed chunks (characters) and ended logs in the blob store (bytes) of jobs of any of these runs. */
async function logsIn(db: Kysely<Database>, sets: (RunIds | null)[]): Promise<{ rows: number; bytes: number }> {
  const runSets = sets.filter((s): s is RunIds => s !== null);
  if (runSets.length === 0) return { rows: 0, bytes: 0 };
  const jobs = db
    .selectFrom('jobs')
    .select('jobs.id')
    .where((eb) => eb.or(runSets.map((s) => eb('jobs.run_id', 'in', s))));
  const chunks = await db
    .selectFrom('log_chunks')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('length').as('chars')])
    .where('job_id', 'in', jobs)
    .executeTakeFirst();
  const archived = await db
    .selectFrom('attempts')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('log_size').as('bytes')])
    .where('job_id', 'in', jobs)
    .where('log_sha256', 'is not', null)
    .executeTakeFirst();
  return { rows: num(chunks?.n) + num(archived?.n), bytes: num(chunks?.chars) + num(archived?.bytes) };
}

async function artifactsIn(db: Kysely<Database>, sets: (RunIds | null)[]): Promise<{ rows: number; bytes: number }> {
  const runSets = sets.filter((s): s is RunIds => s !== null);
  if (runSets.length === 0) return { rows: 0, bytes: 0 };
  const r = await db
    .selectFrom('artifacts')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('size').as('bytes')])
    .where((eb) => eb.or(runSets.map((s) => eb('run_id', 'in', s))))
    .executeTakeFirst();
  return { rows: num(r?.n), bytes: num(r?.bytes) };
}

/** The project's uploaded builds. */
async function appBuildsOf(db: Kysely<Database>, projectId: number): Promise<{ rows: number; bytes: number }> {
  const r = await db
    .selectFrom('app_builds')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('size').as('bytes')])
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return { rows: num(r?.n), bytes: num(r?.bytes) };
}

/** The builds the pass deletes: beyond the newest `last` of their name, not needed by a plan or an active or kept run. */
async function buildsBeyond(
  db: Kysely<Database>,
  projectId: number,
  last: number | null,
): Promise<{ rows: number; bytes: number }> {
  if (last === null) return { rows: 0, bytes: 0 };
  const builds = await appBuildsBeyond(db, projectId, last, 1_000_000);
  return { rows: builds.length, bytes: builds.reduce((n, b) => n + (b.url === null ? num(b.size) : 0), 0) };
}

async function blobTotals(db: Kysely<Database>, before: number): Promise<NonNullable<Usage['blobs']>> {
  const all = await db
    .selectFrom('blobs')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('size').as('bytes')])
    .executeTakeFirst();
  const orphans = await db
    .selectFrom('blobs as b')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('b.size').as('bytes')])
    .where('b.put_at', '<', before)
    .where(unreferenced)
    .executeTakeFirst();
  return {
    rows: num(all?.n),
    bytes: num(all?.bytes),
    unreferenced: { rows: num(orphans?.n), bytes: num(orphans?.bytes) },
  };
}
