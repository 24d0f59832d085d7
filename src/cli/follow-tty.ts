import type { ResultRow, Run } from '../protocol/api.js';
import type { FollowEvent } from './run-watch.js';
import { doneCount, endedText, failureLine, fit, progressText, seconds, wrap } from './follow-format.js';
import { exitReason, runSummary } from './run-verdict.js';
import { plural } from '../domain/plural.js';

const UP = (n: number) => (n > 0 ? `\x1b[${n}A` : '');
const CLEAR_DOWN = '\r\x1b[J';
const MAX_ENVIRONMENTS = 8;
const COLUMNS = ['passed', 'failed', 'flaky', 'skipped', 'running', 'queued'] as const;

/** Per environment, how many of its rows are in each column (aborted counts as failed). */
function matrix(rows: ResultRow[]): Map<string, Record<(typeof COLUMNS)[number], number>> {
  const byEnv = new Map<string, Record<(typeof COLUMNS)[number], number>>();
  for (const r of rows) {
    const m = byEnv.get(r.environment) ?? { passed: 0, failed: 0, flaky: 0, skipped: 0, running: 0, queued: 0 };
    const col = r.status === 'aborted' ? 'failed' : r.status;
    if ((COLUMNS as readonly string[]).includes(col)) m[col as (typeof COLUMNS)[number]]++;
    byEnv.set(r.environment, m);
  }
  return byEnv;
}

function bar(done: number, total: number, width: number): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The live block: header with elapsed and time left, progress bar, counts, environment × status matrix. */
export function liveBlock(
  run: Run,
  rows: ResultRow[] | null,
  elapsedMs: number,
  leftMs: number | null,
  width: number,
): string[] {
  const done = doneCount(run);
  const total = run.counts.total;
  const pct = total === 0 ? 0 : Math.floor((done / total) * 100);
  const tail = `  ${done}/${total}  ${pct}%`;
  const lines = [
    `run ${run.id} ${fit(run.plan.name, 24)}  ${run.status}  ${seconds(elapsedMs)} elapsed${leftMs === null ? '' : `, ~${seconds(leftMs)} left`}`,
    `${bar(done, total, Math.max(10, width - tail.length - 2))}${tail}`,
    progressText(run).replace(/^\S+ done: /, ''),
  ];
  if (rows?.length) {
    const envs = [...matrix(rows)];
    const nameWidth = Math.min(20, Math.max(11, ...envs.map(([n]) => n.length)));
    lines.push(`${'environment'.padEnd(nameWidth)}${COLUMNS.map((c) => c.padStart(8)).join('')}`);
    for (const [name, m] of envs.slice(0, MAX_ENVIRONMENTS))
      lines.push(`${fit(name, nameWidth).padEnd(nameWidth)}${COLUMNS.map((c) => String(m[c]).padStart(8)).join('')}`);
    if (envs.length > MAX_ENVIRONMENTS) lines.push(`… ${plural(envs.length - MAX_ENVIRONMENTS, 'more environment')}`);
  }
  return lines.map((l) => fit(l, width));
}

/**
 * The terminal view: a block redrawn in place (cursor up, clear) every poll, at most 80 columns
 * wide; failures and messages scroll above it as they happen.
 */
export function ttyReporter(
  write: (text: string) => void,
  columns: () => number,
  now: () => number = Date.now,
): (e: FollowEvent) => void {
  const began = now();
  let startedAt: number | null = null;
  let drawn = 0;
  let last: { run: Run; rows: ResultRow[] | null } | null = null;
  const width = () => Math.max(40, Math.min(80, columns() || 80));
  const draw = (above: string[] = [], final = false) => {
    let text = UP(drawn) + CLEAR_DOWN + above.map((l) => `${fit(l, width())}\n`).join('');
    drawn = 0;
    if (last) {
      const run = last.run;
      const done = doneCount(run);
      const runningFor = startedAt === null ? 0 : now() - startedAt;
      const left = final || startedAt === null || done === 0 ? null : (runningFor / done) * (run.counts.total - done);
      const block = liveBlock(run, last.rows, now() - began, left, width());
      text += block.map((l) => `${l}\n`).join('');
      drawn = final ? 0 : block.length;
    }
    write(text);
  };
  return (e) => {
    switch (e.type) {
      case 'triggered':
        last = { run: e.run, rows: null };
        return draw([
          `Triggered run ${e.run.id} of plan ${e.run.plan.name}${e.run.unavailable_environments.length ? ` (no agent yet for: ${e.run.unavailable_environments.join(', ')})` : ''}`,
          e.url,
        ]);
      case 'started':
        startedAt = now();
        return;
      case 'planned':
        return;
      case 'failed':
        // The header counts what the failure's own poll saw, not the poll before.
        last = { run: e.run, rows: last?.rows ?? null };
        return draw([failureLine(e.result)]);
      case 'progress':
        last = { run: e.run, rows: e.rows ?? last?.rows ?? null };
        return draw();
      case 'unreachable':
        return draw([`server unreachable (${e.message}); retrying in ${seconds(e.retryInMs)}`]);
      case 'reconnected':
        return draw([`server reachable again after ${seconds(e.downMs)}; resuming`]);
      case 'finished': {
        last = { run: e.run, rows: last?.rows ?? null };
        draw([], true);
        // Why it ended early, in full: the one thing a person at the terminal must learn from a stopped run.
        const why = endedText(e.run) ? wrap(endedText(e.run), width()) : [];
        return write(
          `${[
            ...runSummary(e.run)
              .split(' — ')
              .map((l) => fit(l, width())),
            ...why,
          ].join('\n')}\nexit ${e.exitCode}: ${exitReason(e.exitCode)}\n`,
        );
      }
      case 'timed_out':
        draw([], true);
        return write(
          `run ${e.run.id} did not finish within --timeout; it goes on on the server\nexit ${e.exitCode}: ${exitReason(e.exitCode)}\n`,
        );
      case 'interrupted':
        draw([], true);
        return write(
          `interrupted; run ${e.run.id} ${e.cancelled ? 'cancelled on the server' : 'goes on on the server'}\n`,
        );
    }
  };
}
