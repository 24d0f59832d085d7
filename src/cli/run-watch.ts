import type { ResultRow, Run } from '../protocol/api.js';
import { listOf, RUN } from './answer-shape.js';
import type { ApiClient } from './api-client.js';
import { withRetry, sleep } from './retry.js';
import { isRunOver } from './run-verdict.js';

/** What following a run reports, in order; every view (plain, JSON, terminal) renders these. */
export type FollowEvent =
  /** `url`: the run's page on the dashboard. */
  | { type: 'triggered'; run: Run; url: string }
  | { type: 'started'; run: Run }
  /** The run's scenarios are known (discovery found them, or a rerun named them): `counts.total` says how many. */
  | { type: 'planned'; run: Run }
  | { type: 'failed'; run: Run; result: ResultRow }
  | { type: 'progress'; run: Run; rows: ResultRow[] | null }
  | { type: 'unreachable'; message: string; attempt: number; retryInMs: number }
  | { type: 'reconnected'; downMs: number }
  | { type: 'finished'; run: Run; exitCode: number; failures: ResultRow[] }
  | { type: 'timed_out'; run: Run; exitCode: number }
  | { type: 'interrupted'; run: Run; cancelled: boolean; exitCode: number };

export interface WatchOptions {
  pollMs: number;
  /** `--timeout`: stop following after this long (null: until the run ends). */
  timeoutMs: number | null;
  /** Give up after the server has been unreachable this long. */
  retryForMs: number;
  /** Fetch every result row each poll (the terminal view's matrix), not only the failures. */
  allRows: boolean;
  signal: AbortSignal;
}

export interface WatchEnd {
  run: Run;
  end: 'finished' | 'timed_out' | 'interrupted';
  /** Every failed or aborted row, in the order they were reported. */
  failures: ResultRow[];
}

/** Scenario results that name a failure as it happens. */
export const FAILURE_STATUSES = ['failed', 'aborted'] as const;

/** Every row of the run with one of `statuses` (all rows when null), page by page. */
export async function fetchRows(
  api: ApiClient,
  runId: number,
  statuses: readonly string[] | null,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({
      limit: '1000',
      ...(statuses ? { status: statuses.join(',') } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const page: { items: ResultRow[]; next_cursor?: string | null } = await api.get(
      `/api/v1/runs/${runId}/results?${q}`,
      listOf<ResultRow>(),
    );
    rows.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor);
  return rows;
}

/**
 * Polls a run until it ends, `--timeout` passes or the signal aborts, emitting each new failure
 * once. A dropped connection or a 5xx is retried with backoff and the watch resumes where it was:
 * the failures already reported are kept, so none is missed or repeated.
 */
export async function watchRun(
  api: ApiClient,
  run: Run,
  opts: WatchOptions,
  emit: (e: FollowEvent) => void,
): Promise<WatchEnd> {
  const deadline = opts.timeoutMs === null ? Infinity : Date.now() + opts.timeoutMs;
  const seen = new Map<number, ResultRow>();
  let started = false;
  let planned = false;
  let fetchedFailures = -1;
  let lastCountsKey = '';
  let allRows: ResultRow[] = [];
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, {
      giveUpAfterMs: opts.retryForMs,
      signal: opts.signal,
      onRetry: (e, attempt, retryInMs) => emit({ type: 'unreachable', message: e.message, attempt, retryInMs }),
      onRecovered: (downMs) => emit({ type: 'reconnected', downMs }),
    });
  for (let first = true; ; first = false) {
    if (!first) run = await retry(() => api.get(`/api/v1/runs/${run.id}`, RUN));
    if (!started && run.status !== 'queued') {
      started = true;
      emit({ type: 'started', run });
    }
    if (!planned && run.counts.total > 0) {
      planned = true;
      emit({ type: 'planned', run });
    }
    const failing = run.counts.failed + run.counts.aborted;
    let rows: ResultRow[] | null = null;
    const countsKey = JSON.stringify(run.counts);
    if (opts.allRows) {
      // Every row only when something changed: a big run's rows are many, its counts one object.
      if (countsKey !== lastCountsKey || isRunOver(run)) allRows = await retry(() => fetchRows(api, run.id, null));
      lastCountsKey = countsKey;
      rows = allRows;
    } else if (failing !== fetchedFailures || isRunOver(run)) {
      const failed = await retry(() => fetchRows(api, run.id, FAILURE_STATUSES));
      fetchedFailures = failing;
      rows = failed;
    }
    for (const r of rows ?? []) {
      if (!(FAILURE_STATUSES as readonly string[]).includes(r.status) || seen.has(r.id)) continue;
      seen.set(r.id, r);
      emit({ type: 'failed', run, result: r });
    }
    emit({ type: 'progress', run, rows: opts.allRows ? rows : null });
    const failures = [...seen.values()];
    // The last fetch of an ended run is the final word: a failure a retry turned flaky is no failure.
    if (isRunOver(run))
      return {
        run,
        end: 'finished',
        failures: (rows ?? []).filter((r) => (FAILURE_STATUSES as readonly string[]).includes(r.status)),
      };
    if (opts.signal.aborted) return { run, end: 'interrupted', failures };
    if (Date.now() >= deadline) return { run, end: 'timed_out', failures };
    await sleep(Math.min(opts.pollMs, Math.max(0, deadline - Date.now())), opts.signal);
    if (opts.signal.aborted) return { run, end: 'interrupted', failures };
  }
}
