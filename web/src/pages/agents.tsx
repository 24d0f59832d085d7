import type { AgentStatus } from '../../../src/protocol/statuses.js';
import type { AgentView, EnvironmentView } from '../api.js';
import { ErrorNote, PageHead } from '../components/layout.js';
import { ScrollArea } from '../components/scroll-area.js';
import { count, dateTime, duration, elapsed } from '../format.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

function Slots({ a }: { a: AgentView }) {
  return (
    <span className="slots" role="img" aria-label={`${a.busy_slots} of ${count(a.slots, 'slot')} in use`}>
      {Array.from({ length: Math.min(a.slots, 32) }, (_, i) => (
        <span key={i} className={i < a.busy_slots ? 'slot busy' : 'slot'} />
      ))}
      <span className="num">
        {a.busy_slots}/{a.slots}
      </span>
    </span>
  );
}

/**
 * The badge of an agent: `online` while it can take jobs; `offline` once it said it stopped (a clean
 * stop); `silent` while online but not seen lately, then `lost`; `retired` without a credential.
 */
function agentBadge(a: AgentView): { tone: AgentStatus; text: string } {
  const status = a.status as AgentStatus;
  if (a.live) return { tone: 'online', text: 'online' };
  if (status === 'online') return { tone: 'lost', text: 'silent' };
  return { tone: status, text: status };
}

function AgentCard({ a, now }: { a: AgentView; now: number }) {
  const badge = agentBadge(a);
  return (
    <li className="card agent">
      <div className="agent-head">
        <h2>{a.name}</h2>
        <span className={`badge s-${badge.tone}`} data-status={badge.tone}>
          {badge.text}
        </span>
      </div>
      <p className="labels">
        {a.labels.length ? (
          a.labels.map((l) => (
            <span key={l} className="label">
              {l}
            </span>
          ))
        ) : (
          <span className="muted">no labels</span>
        )}
      </p>
      <Slots a={a} />
      <p className="muted">Last seen {dateTime(a.last_seen_at)}</p>
      {a.jobs.length > 0 && (
        <ul className="agent-jobs">
          {a.jobs.map((j) => (
            <li key={j.job_id}>
              <Link to={`/runs/${j.run_id}`}>
                {j.plan} #{j.run_id}
              </Link>{' '}
              {j.kind === 'discover' ? (j.suite_run ? 'the whole suite' : 'discovery') : 'execution'} on {j.environment}
              {j.lookahead ? (
                <span className="muted"> next on its slot</span>
              ) : (
                <span className="num"> {duration(elapsed(j.started_at, null, now))}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** An environment is available when a live agent of its project carries every label it asks for. */
function servedBy(env: EnvironmentView, agents: AgentView[]): AgentView[] {
  const labels = env.definition.labels ?? [];
  return agents.filter(
    (a) =>
      a.live &&
      (a.project_ids === null || a.project_ids.includes(env.project_id)) &&
      labels.every((l) => a.labels.includes(l)),
  );
}

function Environments({
  envs,
  agents,
  projectOf,
}: {
  envs: EnvironmentView[];
  agents: AgentView[];
  projectOf(id: number): string;
}) {
  return (
    <ScrollArea label="Environments">
      <table className="table cards-narrow">
        <thead>
          <tr>
            <th scope="col">Environment</th>
            <th scope="col">Project</th>
            <th scope="col">Platform</th>
            <th scope="col">Labels</th>
            <th scope="col">Availability</th>
          </tr>
        </thead>
        <tbody>
          {envs.map((e) => {
            const by = servedBy(e, agents);
            return (
              <tr key={e.id}>
                <td data-label="Environment">{e.name}</td>
                <td data-label="Project">{projectOf(e.project_id)}</td>
                <td data-label="Platform">{e.definition.platform ?? '—'}</td>
                <td data-label="Labels">{(e.definition.labels ?? []).join(', ') || '—'}</td>
                <td data-label="Availability">
                  <span className={`badge s-${by.length ? 'online' : 'lost'}`}>
                    {by.length ? 'available' : 'no agent'}
                  </span>{' '}
                  <span className="muted">{by.map((a) => a.name).join(', ')}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollArea>
  );
}

/** Live agents (labels, slots in use, current jobs) and which environments they can serve now. */
export function AgentsPage() {
  const { api, project, me } = useSession();
  const agents = usePolling(() => api.agents(), [api], 2000);
  const envs = usePolling(() => api.environments(), [api], 10_000);
  const list = agents.data?.items ?? [];
  const envList = (envs.data?.items ?? []).filter((e) => !project || e.project_id === project.id);
  const now = Date.now();
  const projectOf = (id: number) => me.projects.find((p) => p.id === id)?.name ?? String(id);
  return (
    <>
      <PageHead title="Agents" />
      <ErrorNote error={agents.error} />
      {agents.data && list.length === 0 && <p className="empty">No agents registered.</p>}
      <ul className="cards">
        {list.map((a) => (
          <AgentCard key={a.id} a={a} now={now} />
        ))}
      </ul>
      <h2 className="section-title">Environments</h2>
      <Environments envs={envList} agents={list} projectOf={projectOf} />
    </>
  );
}
