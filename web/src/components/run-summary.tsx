import { useEffect, useState, type ReactNode } from 'react';
import type { RunView } from '../api.js';
import { dateTime, duration, elapsed } from '../format.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';
import { CountsBar, CountsList } from './counts.js';
import { isActive } from './run-actions.js';

/** The run's duration, ticking every second while it runs (only this text re-renders). */
function LiveDuration({ run }: { run: RunView }) {
  const active = isActive(run);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return <span className="num">{duration(run.duration_ms ?? elapsed(run.started_at, run.finished_at, now))}</span>;
}

function Fact({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The run this one reruns, and the reruns of this one (among the plan's recent runs). */
function Links({ run }: { run: RunView }) {
  const { api } = useSession();
  const children = usePolling(() => api.runs({ plan: String(run.plan.id), limit: 100 }), [api, run.id, run.status], 0);
  const reruns = (children.data?.items ?? [])
    .filter((r) => r.rerun_parent_id === run.id)
    .map((r) => r.id)
    .sort((a, b) => a - b);
  if (run.rerun_parent_id === null && reruns.length === 0) return null;
  return (
    <Fact name="Reruns">
      {run.rerun_parent_id !== null && (
        <Link to={`/runs/${run.rerun_parent_id}`}>
          rerun ({run.rerun_type}) of #{run.rerun_parent_id}
        </Link>
      )}
      {reruns.map((id) => (
        <Link key={id} to={`/runs/${id}`} className="rerun-link">
          rerun #{id}
        </Link>
      ))}
    </Fact>
  );
}

/** Counts, times and trigger data of a run. */
export function RunSummary({ run }: { run: RunView }) {
  const t = run.trigger;
  const params = Object.entries(t.parameters);
  return (
    <section className="summary" aria-label="Run summary">
      <div className="summary-counts">
        <CountsBar counts={run.counts} />
        <CountsList counts={run.counts} />
      </div>
      <dl className="facts">
        <Fact name="Plan">
          <Link to={`/plans/${run.plan.id}`}>{run.plan.name}</Link>
        </Fact>
        <Fact name="Duration">
          <LiveDuration run={run} />
        </Fact>
        <Fact name="Created">{dateTime(run.created_at)}</Fact>
        <Fact name="Started">{dateTime(run.started_at)}</Fact>
        <Fact name="Finished">{dateTime(run.finished_at)}</Fact>
        <Fact name="Trigger">
          {t.source} (user {t.user_id})
        </Fact>
        <Fact name="Build">{t.build ?? '—'}</Fact>
        <Fact name="Branch">{t.branch ?? '—'}</Fact>
        <Fact name="Ref">{t.ref ?? '—'}</Fact>
        <Fact name="Environments">{t.environments.join(', ') || '—'}</Fact>
        {params.length > 0 && <Fact name="Parameters">{params.map(([k, v]) => `${k}=${v}`).join(' ')}</Fact>}
        {t.scenarios.length > 0 && <Fact name="Scenarios">{t.scenarios.join(', ')}</Fact>}
        {run.unavailable_environments.length > 0 && (
          <Fact name="No agent for">{run.unavailable_environments.join(', ')}</Fact>
        )}
        <Links run={run} />
      </dl>
    </section>
  );
}
