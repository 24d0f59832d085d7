import type { FollowEvent } from './run-watch.js';
import { clock, endedText, failureLine, progressText, seconds } from './follow-format.js';
import { plural } from '../domain/plural.js';
import { exitReason, runSummary } from './run-verdict.js';
import type { Output } from './output.js';

export const PROGRESS_EVERY_MS = 10_000;

/**
 * The view for CI logs: one line per event, no control characters, each written as it happens
 * (`[12:01:02] run 42 started`); a progress line at most every 10 s, when something changed.
 */
export function plainReporter(out: Output, now: () => number = Date.now): (e: FollowEvent) => void {
  const began = now();
  let lastProgressAt = began;
  let lastProgress = '';
  const say = (text: string) => out.line(`[${clock()}] ${text}`);
  return (e) => {
    switch (e.type) {
      case 'triggered': {
        const missing = e.run.unavailable_environments;
        say(
          `run ${e.run.id} of plan ${e.run.plan.name} triggered (${e.run.status})${missing.length ? `; no agent yet for: ${missing.join(', ')}` : ''}: ${e.url}`,
        );
        lastProgress = progressText(e.run);
        return;
      }
      case 'started':
        return say(`run ${e.run.id} started${e.run.counts.total === 0 ? ': discovering its scenarios' : ''}`);
      case 'planned':
        return say(`run ${e.run.id}: ${plural(e.run.counts.total, 'scenario run')} to do`);
      case 'failed':
        return say(failureLine(e.result));
      case 'progress': {
        const text = progressText(e.run);
        if (text === lastProgress || now() - lastProgressAt < PROGRESS_EVERY_MS) return;
        lastProgress = text;
        lastProgressAt = now();
        return say(`run ${e.run.id}: ${text} (${seconds(now() - began)})`);
      }
      case 'unreachable':
        return out.error(
          `[${clock()}] server unreachable (${e.message}); retrying in ${seconds(e.retryInMs)} (attempt ${e.attempt})`,
        );
      case 'reconnected':
        return out.error(`[${clock()}] server reachable again after ${seconds(e.downMs)}; resuming`);
      case 'finished':
        say(
          `${runSummary(e.run)}${e.run.duration_ms !== null ? ` in ${seconds(e.run.duration_ms)}` : ''}${e.run.ended_by ? ` (${endedText(e.run)})` : ''}`,
        );
        return say(`exit ${e.exitCode}: ${exitReason(e.exitCode)}`);
      case 'timed_out':
        say(`run ${e.run.id} did not finish within --timeout; it goes on on the server (${progressText(e.run)})`);
        return say(`exit ${e.exitCode}: ${exitReason(e.exitCode)}`);
      case 'interrupted':
        return say(`interrupted; run ${e.run.id} ${e.cancelled ? 'cancelled on the server' : 'goes on on the server'}`);
    }
  };
}
