import { useState } from 'react';
import type { RunQuery, RunView } from '../api.js';
import { CountsBar } from '../components/counts.js';
import { endedBy } from '../components/end-reason.js';
import { ErrorNote, PageHead } from '../components/layout.js';
import { RunFilters } from '../components/run-filters.js';
import { RunBadge } from '../components/status.js';
import { duration, elapsed, shortDate } from '../format.js';
import { Link, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

/** A calendar day of a date input as the start of that day, local time, in ISO form. */
const dayStart = (day: string, plusDays = 0) => {
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plusDays);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

function runQuery(q: URLSearchParams, project: string | undefined): RunQuery {
  const v = (k: string) => q.get(k) || undefined;
  return {
    project: v('plan') ? undefined : project,
    plan: v('plan'),
    status: v('status'),
    result: v('result'),
    source: v('source'),
    branch: v('branch'),
    build: v('build'),
    created_from: v('from') && dayStart(v('from')!),
    created_before: v('to') && dayStart(v('to')!, 1),
    limit: 50,
  };
}

function RunRow({ run, now }: { run: RunView; now: number }) {
  const reason = run.end_reason ? `${endedBy(run)}: ${run.end_reason}` : null;
  return (
    <li>
      <Link
        className="run-row"
        to={`/runs/${run.id}`}
        aria-label={`Run ${run.id} of ${run.plan.name}: ${run.result ?? run.status}`}
        aria-describedby={reason ? `reason-${run.id}` : undefined}
      >
        <span className="r-id">#{run.id}</span>
        <span className="r-plan" title={run.plan.name}>
          {run.plan.name}
        </span>
        <span className="r-state">
          <RunBadge run={run} />
        </span>
        <span className="r-bar">
          <CountsBar counts={run.counts} compact />
        </span>
        <span className="r-num" title="failed / total">
          {run.counts.failed}/{run.counts.total}
        </span>
        <span className="r-build" title={run.trigger.build ? `build ${run.trigger.build}` : 'no build'}>
          {run.trigger.build ?? '—'}
        </span>
        <span className="r-branch" title={run.trigger.branch ? `branch ${run.trigger.branch}` : 'no branch'}>
          {run.trigger.branch ?? '—'}
        </span>
        <span className="r-source">{run.trigger.source}</span>
        <span className="r-time" title={run.created_at}>
          {shortDate(run.created_at)}
        </span>
        <span className="r-dur">{duration(run.duration_ms ?? elapsed(run.started_at, run.finished_at, now))}</span>
        {/* Two lines at most here (the whole reason is on hover and on the run's page). */}
        {reason && (
          <span className="r-reason" id={`reason-${run.id}`} title={reason}>
            {reason}
          </span>
        )}
      </Link>
    </li>
  );
}

/** Runs, newest first, filtered by the address's query; refreshed every few seconds. */
export function RunsPage() {
  const { api, project } = useSession();
  const { query } = useLocation();
  const [more, setMore] = useState<{ key: string; items: RunView[]; cursor: string | null }>({
    key: '',
    items: [],
    cursor: null,
  });
  const key = `${project?.name ?? ''}?${query.toString()}`;
  const plans = usePolling(() => api.plans(), [api]);
  const runs = usePolling(() => api.runs(runQuery(query, project?.name)), [api, key], 3000);
  const planList = (plans.data?.items ?? []).filter((p) => !project || p.project_id === project.id);
  const extra = more.key === key ? more : { items: [], cursor: runs.data?.next_cursor ?? null };
  const first = runs.data?.items ?? [];
  const items = [...first, ...extra.items.filter((r) => !first.some((f) => f.id === r.id))];
  const loadMore = async () => {
    const page = await api.runs({ ...runQuery(query, project?.name), cursor: extra.cursor ?? undefined });
    setMore({ key, items: [...extra.items, ...page.items], cursor: page.next_cursor });
  };
  const now = Date.now();
  return (
    <>
      <PageHead title="Runs" />
      <RunFilters query={query} plans={planList} />
      <ErrorNote error={runs.error} />
      <div className="runs-head" aria-hidden="true">
        <span>run</span>
        <span>plan</span>
        <span>state</span>
        <span>results</span>
        <span>failed</span>
        <span>build</span>
        <span>branch</span>
        <span>trigger</span>
        <span>created</span>
        <span>duration</span>
      </div>
      {runs.data && items.length === 0 && <p className="empty">No runs match.</p>}
      <ul className="runs" aria-label="Runs">
        {items.map((r) => (
          <RunRow key={r.id} run={r} now={now} />
        ))}
      </ul>
      {extra.cursor && (
        <button type="button" className="more" onClick={loadMore}>
          Load more
        </button>
      )}
    </>
  );
}
