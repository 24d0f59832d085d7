import type { RunView } from '../api.js';
import { label } from './status.js';

/** Who ended a run and why, in words: `Ended by fail fast`. */
export const endedBy = (run: Pick<RunView, 'ended_by'>) => (run.ended_by ? `Ended by ${label(run.ended_by)}` : 'Ended');

/**
 * Why a run ended without its tests' own verdict (aborted, cancelled, fail-fast), in a box of its own
 * that wraps: reasons run up to 2,000 characters and often quote a path or an error.
 */
export function EndReason({ run }: { run: RunView }) {
  if (!run.end_reason) return null;
  return (
    <section className="end-reason" aria-label="Why the run ended">
      <h2>{endedBy(run)}</h2>
      <p className="end-reason-text">{run.end_reason}</p>
    </section>
  );
}
