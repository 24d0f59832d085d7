import { effectivePolicy, type RetentionPolicy } from '../domain/retention-policy.js';
import { adoptBlob, registeredAmong, unreferencedBlobs } from '../storage/blob-registry.js';
import { listProjectRetention } from '../storage/project-retention.js';
import type { RegisteredBlobs } from '../storage/registered-blobs.js';
import { appBuildsBeyond, deletableRunsQuery, planBounds, runsDueQuery } from '../storage/retention-candidates.js';
import { deleteAppBuild, markDeleting, markDone, runsBeingDeleted } from '../storage/run-deletion.js';
import type { QueueContext } from './context.js';
import { deleteRun, deleteRunPart, noCounts, releaseAll, type Pace, type RetentionCounts } from './retention-steps.js';

export interface RetentionOptions extends Pace {
  /** The policy of projects whose `proctor.yaml` sets none. */
  defaults: RetentionPolicy;
  /** Newest finished runs per plan kept for history (see `planBounds`). */
  historyRuns: number;
  /** Staging leftovers (an upload a crash interrupted) older than this are removed. */
  leftoverMs?: number;
}

const DAY = 86_400_000;
/** Runs fetched per query; the pass asks again until none is left. */
const RUNS_PER_QUERY = 50;

/**
 * One retention pass: finishes runs a crash left half-deleted, then per project deletes the
 * artifacts, logs, runs and app builds its policy says, then blobs no row refers to. Every
 * statement touches at most `batch` rows and is followed by a pause, so a pass over millions of
 * rows never holds a lock long enough to be seen by claims. Idempotent, and safe to run on several
 * replicas at once (every deletion is a guarded statement; blobs are released under a lock).
 */
export async function retentionPass(
  ctx: QueueContext,
  blobs: RegisteredBlobs,
  opts: RetentionOptions,
): Promise<RetentionCounts> {
  const counts = noCounts();
  const { db } = ctx;
  for (
    let ids = await runsBeingDeleted(db, RUNS_PER_QUERY);
    ids.length > 0;
    ids = await runsBeingDeleted(db, RUNS_PER_QUERY)
  ) {
    for (const id of ids) await deleteRun(db, blobs, id, opts, counts);
  }
  for (const project of await listProjectRetention(db)) {
    const policy = effectivePolicy(project.settings, opts.defaults);
    const now = ctx.clock();
    for (const [part, days] of [
      ['artifacts', policy.artifactDays],
      ['logs', policy.logDays],
    ] as const) {
      if (days === null) continue;
      const before = now - days * DAY;
      await eachRun(
        () =>
          runsDueQuery(db, project.projectId, part, before)
            .select('r.id')
            .orderBy('r.finished_at')
            .limit(RUNS_PER_QUERY)
            .execute(),
        async (id) => {
          await deleteRunPart(db, blobs, id, part, opts, counts);
          await markDone(db, id, part, ctx.clock());
        },
      );
    }
    if (policy.runDays !== null || policy.runLast !== null)
      await deleteRuns(ctx, blobs, project.projectId, policy, opts, counts);
    if (policy.appBuildLast !== null) {
      for (
        let builds = await appBuildsBeyond(db, project.projectId, policy.appBuildLast, opts.batch);
        builds.length > 0;
        builds = await appBuildsBeyond(db, project.projectId, policy.appBuildLast, opts.batch)
      ) {
        let deleted = 0;
        for (const b of builds) {
          if (!(await deleteAppBuild(db, b.id))) continue;
          deleted++;
          counts.appBuilds++;
          if (b.url === null && b.sha256 !== null) await releaseAll(blobs, [b.sha256], counts);
        }
        if (deleted === 0) break;
      }
    }
  }
  await releaseOrphans(ctx, blobs, opts, counts);
  return counts;
}

async function eachRun(next: () => Promise<{ id: number }[]>, fn: (id: number) => Promise<void>): Promise<void> {
  for (let rows = await next(); rows.length > 0; rows = await next()) for (const r of rows) await fn(r.id);
}

async function deleteRuns(
  ctx: QueueContext,
  blobs: RegisteredBlobs,
  projectId: number,
  policy: RetentionPolicy,
  opts: RetentionOptions,
  counts: RetentionCounts,
): Promise<void> {
  const plans = await ctx.db
    .selectFrom('plans')
    .select('id')
    .where('project_id', '=', projectId)
    .orderBy('id')
    .execute();
  for (const plan of plans) {
    const bounds = await planBounds(ctx.db, plan.id, opts.historyRuns, policy.runLast);
    const endedBefore = policy.runDays === null ? null : ctx.clock() - policy.runDays * DAY;
    for (;;) {
      const rows = await deletableRunsQuery(ctx.db, bounds, endedBefore)
        .select('r.id')
        .orderBy('r.id')
        .limit(RUNS_PER_QUERY)
        .execute();
      // Marked first, in one statement: from here on the run is the next pass's to finish.
      const marked = await markDeleting(
        ctx.db,
        rows.map((r) => r.id),
        ctx.clock(),
      );
      for (const id of marked) await deleteRun(ctx.db, blobs, id, opts, counts);
      if (rows.length < RUNS_PER_QUERY) break;
    }
  }
}

/**
 * Blobs no row refers to: registered ones a crash orphaned (between an upload and its row, or
 * between deleting rows and their blobs), then objects in the store without a registry row (written
 * by an older server) and staging leftovers of interrupted uploads.
 */
async function releaseOrphans(
  ctx: QueueContext,
  blobs: RegisteredBlobs,
  opts: RetentionOptions,
  counts: RetentionCounts,
): Promise<void> {
  const before = ctx.clock() - blobs.graceMs;
  for (let after: string | null = ''; after !== null; ) {
    const page: { orphans: string[]; next: string | null } = await unreferencedBlobs(ctx.db, {
      before,
      after,
      limit: opts.batch,
    });
    counts.statements++;
    await releaseAll(blobs, page.orphans, counts);
    after = page.next;
  }
  const leftoverBefore = ctx.clock() - (opts.leftoverMs ?? DAY);
  for (let after: string | null = null, first = true; first || after !== null; first = false) {
    const page: Awaited<ReturnType<typeof blobs.store.list>> = await blobs.store.list(after, 1000);
    const known = await registeredAmong(
      ctx.db,
      page.items.flatMap((o) => (o.sha256 ? [o.sha256] : [])),
    );
    for (const o of page.items) {
      if (o.sha256 === null) {
        if (o.modifiedAt < leftoverBefore) await blobs.store.deleteLeftover(o.key);
      } else if (!known.has(o.sha256) && o.modifiedAt < before) {
        // Adopted as stored when the store says, then released like any other: under the lock.
        await adoptBlob(ctx.db, { sha256: o.sha256, size: o.size, modifiedAt: o.modifiedAt });
        if ((await blobs.release(o.sha256)) === 'deleted') counts.blobs++;
      }
    }
    after = page.next;
  }
}
