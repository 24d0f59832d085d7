import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse, RerunBody, Run } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { rerunRun, type RerunChoice } from '../../queue/rerun.js';
import { getRunView, publicRun } from '../../storage/run-views.js';
import { ClientHeader, clientSource } from '../client-source.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { loadRun } from '../resolve.js';
import { triggerLimits } from '../usage-limits.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/** `{ failed: true }` or `{ pairs }`, exactly one of them. */
export function rerunChoice(body: RerunBody): RerunChoice {
  if (body.failed === true && body.pairs === undefined) return { failed: true };
  if (body.pairs !== undefined && body.failed === undefined) return { pairs: body.pairs };
  throw new AppError(
    'VALIDATION_FAILED',
    'body: expected either "failed": true or a list of "pairs", not both or neither',
  );
}

/** `POST /api/v1/runs/{run}/rerun`: a new run, linked to this one, of only the chosen pairs. */
export function runRerunRoute(app: FastifyInstance, deps: ServerDeps): void {
  app.post<{ Params: { run: string }; Body: RerunBody }>(
    '/api/v1/runs/:run/rerun',
    {
      config: { auth: 'PLAN_RUN' },
      schema: {
        tags: ['runs'],
        summary: 'Rerun the failed scenarios of a run, or chosen scenario × environment pairs',
        description:
          "The new run executes only those pairs (no discovery), with the parent run's plan snapshot, build, parameters and app builds; it links back through `rerun_parent_id`.",
        params: Type.Object({ run: Type.String({ description: 'Run id or UUID.' }) }),
        headers: Type.Object({ 'x-proctor-client': Type.Optional(ClientHeader) }),
        body: RerunBody,
        response: { 202: Run, ...errors },
      },
    },
    async (req, reply) => {
      const key = keyOf(req.principal);
      const parent = await loadRun(deps.store.db, req.principal, req.params.run);
      const outcome = await rerunRun(deps.queue, parent.id, rerunChoice(req.body), {
        source: clientSource(req.headers['x-proctor-client']),
        userId: key.userId,
        ...triggerLimits(deps.config, key),
      });
      return reply.status(202).send(publicRun((await getRunView(deps.store.db, outcome.runId))!));
    },
  );
}
