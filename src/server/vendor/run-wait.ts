import type { Kysely } from 'kysely';
import { TERMINAL_RUN_STATUSES } from '../../protocol/statuses.js';
import type { Database } from '../../storage/schema.js';
import { runEndState } from '../../storage/vendor-runs.js';

/** How a run a caller waited for ended, or null when the wait ran out (or the caller hung up) first. */
export interface WaitedRun {
  status: string;
  result: string | null;
  endedBy: string | null;
}

const POLL_MS = 250;

/**
 * Waits for a run to end, reading its status every quarter second, until `timeoutMs` passes or
 * `signal` aborts. Polling keeps this independent of which replica ends the run.
 */
export async function waitForRun(
  db: Kysely<Database>,
  runId: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<WaitedRun | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runEndState(db, runId);
    if ((TERMINAL_RUN_STATUSES as readonly string[]).includes(run.status)) return run;
    const left = deadline - Date.now();
    if (left <= 0 || signal.aborted) return null;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.min(POLL_MS, left));
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }
}
