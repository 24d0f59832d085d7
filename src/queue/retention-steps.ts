import type { Kysely } from 'kysely';
import type { RegisteredBlobs } from '../storage/registered-blobs.js';
import {
  deleteArtifacts,
  deleteAttempts,
  deleteJobs,
  deleteLogChunks,
  deleteResults,
  deleteRunRow,
  deleteWebhookHistory,
  forgetAttemptLogs,
  type Deleted,
} from '../storage/run-deletion.js';
import type { Database } from '../storage/schema.js';

/** How a pass paces itself: rows per statement, and a pause after each so claims go first. */
export interface Pace {
  batch: number;
  pauseMs: number;
}

/** What a pass deleted, by kind. */
export interface RetentionCounts {
  runs: number;
  results: number;
  logs: number;
  artifacts: number;
  appBuilds: number;
  blobs: number;
  statements: number;
}

export const noCounts = (): RetentionCounts => ({
  runs: 0,
  results: 0,
  logs: 0,
  artifacts: 0,
  appBuilds: 0,
  blobs: 0,
  statements: 0,
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Step = (db: Kysely<Database>, runId: number, batch: number) => Promise<Deleted>;

/**
 * Repeats one step until it deletes less than a batch; each statement is its own short
 * transaction, followed by a pause. Collects the blobs the deleted rows referred to.
 */
export async function drainStep(
  db: Kysely<Database>,
  step: Step,
  runId: number,
  pace: Pace,
  counts: RetentionCounts,
  blobs: Set<string>,
): Promise<number> {
  let total = 0;
  for (;;) {
    const d = await step(db, runId, pace.batch);
    counts.statements++;
    total += d.rows;
    for (const b of d.blobs) blobs.add(b);
    if (pace.pauseMs > 0) await sleep(pace.pauseMs);
    if (d.rows < pace.batch) return total;
  }
}

/** Releases blobs no row refers to any more (a blob other rows share stays). */
export async function releaseAll(
  blobs: RegisteredBlobs,
  shas: Iterable<string>,
  counts: RetentionCounts,
): Promise<void> {
  for (const sha of shas) if ((await blobs.release(sha)) === 'deleted') counts.blobs++;
}

/** What a step's deleted rows add to: a count of the pass, or nothing (rows a user never sees). */
type Counted = 'artifacts' | 'logs' | 'results' | null;

/** Drains each step in order, adding what it deleted to its count; the blobs the rows referred to. */
async function drainSteps(
  db: Kysely<Database>,
  steps: readonly (readonly [Step, Counted])[],
  runId: number,
  pace: Pace,
  counts: RetentionCounts,
): Promise<Set<string>> {
  const shas = new Set<string>();
  for (const [step, counted] of steps) {
    const rows = await drainStep(db, step, runId, pace, counts, shas);
    if (counted !== null) counts[counted] += rows;
  }
  return shas;
}

/** A run's rows, children first: its own row goes last. */
const RUN_STEPS = [
  [deleteArtifacts, 'artifacts'],
  [deleteLogChunks, 'logs'],
  [deleteAttempts, null],
  [deleteResults, 'results'],
  [deleteWebhookHistory, null],
  [deleteJobs, null],
] as const;

/**
 * What retention deletes of a run it keeps, once the policy's days are over: its logs (streamed
 * chunks, ended logs in the blob store, captured output) or its artifacts.
 */
const PART_STEPS = {
  logs: [
    [deleteLogChunks, 'logs'],
    [forgetAttemptLogs, 'logs'],
  ],
  artifacts: [[deleteArtifacts, 'artifacts']],
} as const;

/**
 * Deletes a run marked `deleting_at`, children first so that a crash at any point leaves a run the
 * next pass finishes (the mark stays until the run's own row goes, last).
 */
export async function deleteRun(
  db: Kysely<Database>,
  blobs: RegisteredBlobs,
  runId: number,
  pace: Pace,
  counts: RetentionCounts,
): Promise<void> {
  const shas = await drainSteps(db, RUN_STEPS, runId, pace, counts);
  counts.runs += (await deleteRunRow(db, runId)).rows;
  counts.statements++;
  await releaseAll(blobs, shas, counts);
}

/** Deletes a run's logs or its artifacts and, where no other row shares them, their blobs. */
export async function deleteRunPart(
  db: Kysely<Database>,
  blobs: RegisteredBlobs,
  runId: number,
  part: keyof typeof PART_STEPS,
  pace: Pace,
  counts: RetentionCounts,
): Promise<void> {
  await releaseAll(blobs, await drainSteps(db, PART_STEPS[part], runId, pace, counts), counts);
}
