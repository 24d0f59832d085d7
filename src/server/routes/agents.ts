import { isoTimeOrNull } from '../../protocol/wire-time.js';
import type { FastifyInstance } from 'fastify';
import { AgentList, type AgentView } from '../../protocol/agent-view.js';
import { ErrorResponse } from '../../protocol/api.js';
import { runningJobs, type AgentJobRow } from '../../storage/agent-jobs.js';
import { listAgents, type AgentRecord } from '../../storage/agents.js';
import type { ServerDeps } from '../deps.js';
import { keyOf, projectScope } from '../principal.js';

function agentView(a: AgentRecord, jobs: AgentJobRow[], scope: number[] | null, liveSince: number): AgentView {
  const mine = jobs.filter((j) => j.agentId === a.id);
  const visible = (projectId: number) => scope === null || scope.includes(projectId);
  return {
    id: a.id,
    name: a.name,
    labels: a.labels,
    project_ids: a.projectIds === null ? null : a.projectIds.filter(visible),
    status: a.status,
    live: a.status === 'online' && a.lastSeenAt !== null && a.lastSeenAt >= liveSince,
    slots: a.slots,
    busy_slots: mine.filter((j) => !j.lookahead).length,
    last_seen_at: isoTimeOrNull(a.lastSeenAt),
    jobs: mine
      .filter((j) => visible(j.projectId))
      .map((j) => ({
        job_id: j.jobId,
        run_id: j.runId,
        plan: j.plan,
        kind: j.kind,
        environment: j.environment,
        started_at: isoTimeOrNull(j.startedAt),
        lookahead: j.lookahead,
      })),
  };
}

/**
 * `GET /api/v1/agents`: registered agents with labels, slots in use and current jobs. A key limited
 * to some projects sees the agents that serve one of them (every project, or one of its own), and
 * only its projects' jobs (but every slot counted).
 */
export function agentsRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get(
    '/api/v1/agents',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['agents'],
        summary: 'Agents: labels, slots in use, running jobs, liveness',
        response: { 200: AgentList, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req) => {
      const scope = projectScope(keyOf(req.principal));
      const [agents, jobs] = await Promise.all([listAgents(deps.store.db), runningJobs(deps.store.db)]);
      const liveSince = deps.queue.clock() - deps.queue.settings.agentLivenessMs;
      const serves = (a: AgentRecord) =>
        scope === null || a.projectIds === null || a.projectIds.some((id) => scope.includes(id));
      return { items: agents.filter(serves).map((a) => agentView(a, jobs, scope, liveSince)) };
    },
  );
}
