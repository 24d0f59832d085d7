import { ErrorNote, PageHead } from '../components/layout.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

/** The plans of the chosen project, each with a way to its definition, its runs and its history. */
export function PlansPage() {
  const { api, project, me } = useSession();
  const plans = usePolling(() => api.plans(), [api]);
  const items = (plans.data?.items ?? []).filter((p) => !project || p.project_id === project.id);
  const projectName = (id: number) => me.projects.find((p) => p.id === id)?.name ?? String(id);
  return (
    <>
      <PageHead title="Plans" />
      <ErrorNote error={plans.error} />
      {plans.data && items.length === 0 && <p className="empty">No plans yet: apply a proctor.yaml with proctor apply.</p>}
      <ul className="cards">
        {items.map((p) => (
          <li key={p.id} className="card plan-card">
            <h2>
              <Link to={`/plans/${p.id}`}>{p.name}</Link>
            </h2>
            <p className="muted">
              {String(p.definition.framework ?? '')} · {(p.definition.environments ?? []).join(', ')} · project {projectName(p.project_id)}
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
