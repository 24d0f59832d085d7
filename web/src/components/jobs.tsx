import { useState } from 'react';
import type { JobView } from '../api.js';
import { count, duration, elapsed } from '../format.js';
import { JobLog } from './job-log.js';
import { Badge } from './status.js';

/** What a job does: a discovery, the whole suite at once (a discovery that runs it), or its scenarios. */
function jobWhat(job: JobView): string {
  if (job.kind !== 'discover') return count(job.scenario_count, 'scenario');
  if (!job.suite_run) return 'discovery';
  return job.scenario_count > 0
    ? `the whole suite, ${count(job.scenario_count, 'scenario')}`
    : 'the whole suite, without a discovery first';
}

function JobRow({ runId, job }: { runId: number; job: JobView }) {
  const [open, setOpen] = useState(false);
  const live = job.status === 'running';
  return (
    <li className="job" data-job={job.id}>
      <div className="job-line">
        <Badge status={job.status} />
        <span className="job-what">
          {jobWhat(job)} on {job.environment}
        </span>
        <span className="num">{duration(elapsed(job.started_at, job.finished_at, Date.now()))}</span>
        <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide log' : 'Show log'}
        </button>
      </div>
      {(job.error || job.end_reason) && (
        <p className="muted">{job.error ?? `${job.ended_by ?? ''} ${job.end_reason ?? ''}`}</p>
      )}
      {open && <JobLog runId={runId} jobId={job.id} live={live} />}
    </li>
  );
}

/** The jobs of a run with their logs, behind a disclosure. */
export function Jobs({ runId, jobs }: { runId: number; jobs: JobView[] }) {
  return (
    <details className="jobs">
      <summary>Jobs ({jobs.length})</summary>
      <ul>
        {jobs.map((j) => (
          <JobRow key={j.id} runId={runId} job={j} />
        ))}
      </ul>
    </details>
  );
}
