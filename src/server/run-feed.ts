import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { ResultRow, Run } from '../protocol/api.js';
import type { RunEventData, RunEventName } from '../protocol/run-events.js';
import { TERMINAL_RUN_STATUSES } from '../protocol/statuses.js';
import { getRunView, listResultViews, resultSignature, resultSignatures } from '../storage/run-views.js';
import type { Database } from '../storage/schema.js';

export type SendEvent = <E extends RunEventName>(event: E, data: RunEventData[E]) => void;

export interface FeedOptions {
  /** How often the database is asked what changed. */
  pollMs: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  keepAliveMs: number;
  /** Writes a raw line (keep-alive comments). */
  ping(): void;
}

const isTerminal = (s: Run['status']) => (TERMINAL_RUN_STATUSES as readonly string[]).includes(s);

function publicRun(run: Run & { projectId?: number }): Run {
  const { projectId: _omit, ...rest } = run;
  return rest;
}

async function allResults(db: Kysely<Database>, runId: number): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (let afterId: number | undefined; ; ) {
    const page = await listResultViews(db, runId, { limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
    rows.push(...page.items);
    if (!page.next_cursor || page.items.length === 0) return rows;
    afterId = page.items[page.items.length - 1]!.id;
  }
}

/**
 * Feeds one run's live updates to one listener until the run ends or `signal` aborts: a snapshot,
 * then every `pollMs` the run (when its status or counts changed) and the result rows whose status,
 * attempt, job or duration changed. The run is read before its results on every pass, so once a
 * terminal run has been read, the results read after it are final and `end` can follow them.
 */
export async function feedRun(db: Kysely<Database>, runId: number, send: SendEvent, signal: AbortSignal, opts: FeedOptions): Promise<void> {
  let run = await getRunView(db, runId);
  if (!run) return;
  const results = await allResults(db, runId);
  const seen = new Map(results.map((r) => [r.id, resultSignature(r)]));
  let lastRun = JSON.stringify(publicRun(run));
  send('snapshot', { run: publicRun(run), results });
  let quietMs = 0;
  while (!isTerminal(run.status)) {
    await sleep(opts.pollMs, undefined, { signal });
    run = await getRunView(db, runId);
    if (!run) return;
    const changed = [...(await resultSignatures(db, runId))].filter(([id, sig]) => seen.get(id) !== sig);
    const runJson = JSON.stringify(publicRun(run));
    if (changed.length > 0) {
      const rows = (await listResultViews(db, runId, { ids: changed.map(([id]) => id), limit: changed.length })).items;
      for (const r of rows) seen.set(r.id, resultSignature(r));
      send('results', { items: rows });
    }
    if (runJson !== lastRun) send('run', publicRun(run));
    quietMs = changed.length > 0 || runJson !== lastRun ? 0 : quietMs + opts.pollMs;
    lastRun = runJson;
    if (quietMs >= opts.keepAliveMs) {
      opts.ping();
      quietMs = 0;
    }
  }
  send('end', { status: run.status, result: run.result });
}
