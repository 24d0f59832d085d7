import type { FollowEvent } from './run-watch.js';
import type { Output } from './output.js';
import { isoTime } from '../protocol/wire-time.js';

/**
 * `--json`: one JSON object per line per event and nothing else on stdout, e.g.
 * `{"event":"failed","result":{…}}`, `{"event":"finished","run":{…},"exit_code":1}`.
 * Progress is reported when the counts change.
 */
export function jsonReporter(out: Output): (e: FollowEvent) => void {
  let lastCounts = '';
  const write = (o: Record<string, unknown>) => out.line(JSON.stringify({ ...o, at: isoTime(Date.now()) }));
  return (e) => {
    switch (e.type) {
      case 'triggered':
        return write({ event: e.type, run: e.run, url: e.url });
      case 'started':
      case 'planned':
        return write({ event: e.type, run: e.run });
      case 'failed':
        return write({ event: 'failed', run_id: e.run.id, result: e.result });
      case 'progress': {
        const counts = JSON.stringify(e.run.counts);
        if (counts === lastCounts) return;
        lastCounts = counts;
        return write({ event: 'progress', run_id: e.run.id, status: e.run.status, counts: e.run.counts });
      }
      case 'unreachable':
        return write({ event: 'unreachable', message: e.message, attempt: e.attempt, retry_in_ms: e.retryInMs });
      case 'reconnected':
        return write({ event: 'reconnected', down_ms: e.downMs });
      case 'finished':
        return write({ event: 'finished', run: e.run, exit_code: e.exitCode, failures: e.failures.length });
      case 'timed_out':
        return write({ event: 'timed_out', run: e.run, exit_code: e.exitCode });
      case 'interrupted':
        return write({ event: 'interrupted', run: e.run, cancelled: e.cancelled, exit_code: e.exitCode });
    }
  };
}
