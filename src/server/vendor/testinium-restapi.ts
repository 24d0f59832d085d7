import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isAppError } from '../../protocol/errors.js';
import { triggerRun } from '../../queue/trigger.js';
import { fromJson } from '../../storage/json.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { resolvePlan } from '../resolve.js';
import { prepareRun } from '../run-request.js';
import { triggerLimits } from '../usage-limits.js';
import { assertOutboundUrl } from '../outbound-url-check.js';
import type { VendorErrorShape } from './vendor-scope.js';
import { vendorScope } from './vendor-scope.js';

/** The `RunTestPlanResponse` of testinium-restapi-plans-run.md. */
interface RunTestPlanResponse {
  execution_id: number;
  unavailable_env_list: string[];
  successful: boolean;
  already_running: boolean;
}

/** The document's error messages for its statuses; any other status gets its standard reason. */
const MESSAGES: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Test Plan not found', 500: 'Internal Server Error' };

const restApiError: VendorErrorShape = (e) => ({
  status: e.status,
  body: { message: MESSAGES[e.status] ?? STATUS_CODES[e.status] ?? 'Error', detail: e.message },
});

/**
 * Testinium's REST API: `GET /Testinium.RestApi/api/plans/{id}/run?callbackUrl=…` runs a plan (by
 * id, UUID or name) and answers the run's id. The plan's concurrency policy decides what happens
 * while a run of it is active: `skip` starts nothing and answers the active run with
 * `already_running: true`; `queue` starts a run that waits (`already_running: true` too).
 */
export async function testiniumRestApiRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await vendorScope(app, restApiError, (scope) => {
    scope.get<{ Params: { plan: string }; Querystring: { callbackUrl?: string } }>('/Testinium.RestApi/api/plans/:plan/run', {
      config: { auth: 'PLAN_RUN' },
      schema: {
        tags: ['compat: Testinium'],
        summary: 'Testinium REST API: run a test plan',
        params: Type.Object({ plan: Type.String({ minLength: 1, maxLength: 200 }) }),
        querystring: Type.Object({ callbackUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }),
      },
    }, async (req): Promise<RunTestPlanResponse> => {
      const key = keyOf(req.principal);
      const plan = await resolvePlan(deps.store.db, key, req.params.plan);
      const callbackUrl = req.query.callbackUrl;
      if (callbackUrl !== undefined) assertOutboundUrl(deps.config, callbackUrl, 'callbackUrl');
      const prepared = await prepareRun(deps, { plan });
      try {
        const outcome = await triggerRun(deps.queue, {
          ...prepared,
          scenarios: [],
          source: 'testinium',
          userId: key.userId,
          callbackUrl: callbackUrl ?? null,
          ...triggerLimits(deps.config, key),
        });
        const run = await deps.store.db.selectFrom('runs').select(['id', 'waiting', 'trigger']).where('id', '=', outcome.runId).executeTakeFirstOrThrow();
        const unavailable = fromJson<{ unavailableEnvironments?: string[] }>(run.trigger, {}).unavailableEnvironments ?? [];
        // execution_id: the document's table calls it a boolean, its example response a number (3742);
        // the example is what clients parse, so it is the run's id.
        return { execution_id: run.id, unavailable_env_list: unavailable, successful: true, already_running: run.waiting === 1 };
      } catch (e) {
        if (!isAppError(e) || e.code !== 'PLAN_ALREADY_RUNNING') throw e;
        const active = (e.details as { run_id?: number } | undefined)?.run_id ?? 0;
        return { execution_id: active, unavailable_env_list: [], successful: false, already_running: true };
      }
    });
  });
}
