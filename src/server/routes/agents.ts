import type { FastifyInstance } from 'fastify';
import { AgentList } from '../../protocol/agent-view.js';
import { ErrorResponse } from '../../protocol/api.js';
import { runningJobs } from '../../storage/agent-jobs.js';
import { listAgents, type AgentRecord } from '../../storage/agents.js';
import { agentView } from '../../storage/resource-views.js';
import type { ServerDeps } from '../deps.js';
import { keyOf, projectScope } from '../principal.js';

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
