import type { JobKind, JobStatus } from '../../../src/protocol/statuses.js';
import type { JobView, RunView } from '../api.js';
import { endedBy } from './end-reason.js';
import { isActive } from './run-actions.js';

const DISCOVER: JobKind = 'discover';
const RUNNING: JobStatus = 'running';
const COMPLETED: JobStatus = 'completed';
/** Most of a reason repeated under the matrix; the whole of it is in its own box above. */
const GIST = 160;

/**
 * What Proctor knows while a run's matrix has no row: it waits for discovery, discovery runs,
 * discovery found nothing to run, or the run ended before any scenario was queued (and why).
 */
export function emptyMatrixText(run: RunView, jobs: JobView[] | null): string {
  const discovery = jobs?.find((j) => j.kind === DISCOVER);
  const why = run.end_reason ? ` ${endedBy(run)}: ${gist(run.end_reason)}` : '';
  if (isActive(run)) {
    if (discovery?.status === RUNNING && discovery.suite_run)
      return `Running the whole suite on ${discovery.environment} in one job, without a discovery first: its scenarios and results come when it ends.`;
    if (discovery?.status === RUNNING)
      return `Discovering scenarios: an agent is listing the plan's tests on ${discovery.environment}.`;
    if (discovery?.status === COMPLETED) return 'Discovery is done; queuing its scenarios…';
    return 'Queued: waiting for an agent to discover the scenarios to run.';
  }
  if (discovery?.status === COMPLETED) return `Discovery found nothing to run.${why}`;
  return `The run ended before any scenario was queued.${why}`;
}

/** A reason's first line, cut at a word near GIST characters, saying where the rest is. */
function gist(reason: string): string {
  const line = reason.split('\n')[0]!;
  if (line.length <= GIST && line === reason) return reason;
  const cut =
    line.length <= GIST
      ? line
      : line.slice(0, line.lastIndexOf(' ', GIST) > GIST / 2 ? line.lastIndexOf(' ', GIST) : GIST);
  return `${cut}… (the whole reason is above)`;
}

export function MatrixEmpty({ run, jobs }: { run: RunView; jobs: JobView[] | null }) {
  return (
    <p className="matrix-empty" role="status">
      {emptyMatrixText(run, jobs)}
    </p>
  );
}
