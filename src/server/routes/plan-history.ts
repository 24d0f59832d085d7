import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import { PlanHistory } from '../../protocol/plan-history.js';
import { configuredOverheadMs } from '../../queue/work-estimate.js';
import { planHistory } from '../../storage/plan-history.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { resolvePlan } from '../resolve.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** `GET /api/v1/plans/:plan/history`: pass rate and duration per run, slowest and flaky scenarios. */
export function planHistoryRoute(app: FastifyInstance, deps: ServerDeps): void {
  app.get<{ Params: { plan: string }; Querystring: { project?: string; runs?: number; top?: number } }>(
    '/api/v1/plans/:plan/history',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['plans'],
        summary: "A plan's last runs (pass rate, duration), its slowest and its flaky scenarios",
        description:
          'Pass rate and duration per run count the last runs that are not reruns (a rerun runs a chosen subset again); the slowest and flaky scenarios also look at the reruns made meanwhile. ' +
          'Flaky: passed only on a retry, or changed between passed and failed from one run to the next without a known code change: the same git ref (without refs, the same build), or no ref or build to compare (reason `changed_code_unknown`).',
        params: Type.Object({
          plan: Type.String({ minLength: 1, maxLength: 200, description: 'Numeric id, UUID or name.' }),
        }),
        querystring: Type.Object(
          {
            project: Type.Optional(Type.String({ maxLength: 100 })),
            runs: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 200,
                default: 30,
                description: 'How many of the latest runs that are not reruns to look at.',
              }),
            ),
            top: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 100,
                default: 10,
                description: 'How many slowest and flaky scenarios to list.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PlanHistory, ...errors },
      },
    },
    async (req) => {
      const plan = await resolvePlan(deps.store.db, keyOf(req.principal), req.params.plan, req.query.project);
      return planHistory(
        deps.store.db,
        { id: plan.id, name: plan.definition.name },
        {
          runs: req.query.runs ?? 30,
          top: req.query.top ?? 10,
          priorJobCostMs: configuredOverheadMs(deps.queue, plan.definition),
        },
      );
    },
  );
}
