import type { PlanListItem } from '../api.js';
import { ErrorNote, PageHead } from '../components/layout.js';
import { RunBadge } from '../components/status.js';
import { ago, dateTime } from '../format.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

/** The plan's latest run: its result (or status while it runs) and when it ended or was created. */
function LastRun({ plan, now }: { plan: PlanListItem; now: number }) {
  const r = plan.last_run;
  if (!r) return <p className="last-run muted">Not run yet.</p>;
  const when = r.finished_at ?? r.created_at;
  return (
    <p className="last-run">
      <span className="muted">Last run </span>
      <Link to={`/runs/${r.id}`}>#{r.id}</Link>
      {r.rerun_parent_id !== null && <span className="muted"> (rerun of #{r.rerun_parent_id})</span>}{' '}
      <RunBadge run={r} />{' '}
      <time className="muted" dateTime={when} title={dateTime(when)}>
        {r.finished_at ? 'ended' : 'created'} {ago(when, now)}
      </time>
    </p>
  );
}

/** The plans of the chosen project, each with its description, its last result and its pages. */
export function PlansPage() {
  const { api, project, me } = useSession();
  const plans = usePolling(() => api.plans(), [api], 15_000);
  const items = (plans.data?.items ?? []).filter((p) => !project || p.project_id === project.id);
  const projectName = (id: number) => me.projects.find((p) => p.id === id)?.name ?? String(id);
  const now = Date.now();
  return (
    <>
      <PageHead title="Plans" />
      <ErrorNote error={plans.error} />
      {plans.data && items.length === 0 && (
        <p className="empty">No plans yet: apply a proctor.yaml with proctor apply.</p>
      )}
      <ul className="cards">
        {items.map((p) => (
          <li key={p.id} className="card plan-card">
            <h2>
              <Link to={`/plans/${p.id}`}>{p.name}</Link>
            </h2>
            {p.definition.description ? (
              <p className="description">{p.definition.description}</p>
            ) : (
              <p className="description muted">No description.</p>
            )}
            <LastRun plan={p} now={now} />
            <p className="muted">
              {String(p.definition.framework ?? '')} · {(p.definition.environments ?? []).join(', ')} · project{' '}
              {projectName(p.project_id)}
            </p>
            <p className="card-links">
              <Link to={`/plans/${p.id}`}>Definition and trigger</Link>
              <Link to={`/runs?plan=${p.id}`}>Runs</Link>
              <Link to={`/plans/${p.id}/history`}>History</Link>
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}
