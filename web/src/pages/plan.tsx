import { stringify } from 'yaml';
import type { PlanView } from '../api.js';
import { ErrorNote, PageHead } from '../components/layout.js';
import { TriggerForm } from '../components/trigger-form.js';
import { dateTime } from '../format.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

/** The plan as it would be written in proctor.yaml, under its project. */
function yamlOf(p: PlanView, project: string): string {
  return stringify({ project, plans: { [p.name]: p.definition } }, { lineWidth: 0 });
}

/** A plan: its applied definition, a trigger form, and links to its runs and history. */
export function PlanPage({ id }: { id: string }) {
  const { api, me } = useSession();
  const plan = usePolling(() => api.plan(id), [api, id]);
  const p = plan.data;
  if (!p) return plan.error ? <ErrorNote error={plan.error} /> : <p className="loading">Loading plan…</p>;
  const project = me.projects.find((x) => x.id === p.project_id)?.name ?? String(p.project_id);
  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/plans">Plans</Link> / <span>{p.name}</span>
      </nav>
      <PageHead title={p.name}>
        <Link className="button" to={`/runs?plan=${p.id}`}>
          Runs
        </Link>
        <Link className="button" to={`/plans/${p.id}/history`}>
          History
        </Link>
      </PageHead>
      {typeof p.definition.description === 'string' && p.definition.description && (
        <p className="description">{p.definition.description}</p>
      )}
      <div className="two-col">
        <section className="card" aria-labelledby="definition">
          <h2 id="definition">Definition</h2>
          <p className="muted">As applied {dateTime(p.updated_at)}, in proctor.yaml form.</p>
          <pre className="yaml" tabIndex={0}>
            {yamlOf(p, project)}
          </pre>
        </section>
        <TriggerForm plan={p} />
      </div>
    </>
  );
}
