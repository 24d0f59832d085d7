import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { AppError, isAppError } from '../../protocol/errors.js';
import { stopPlanRuns, unavailableEnvironments } from '../../queue/plan-readiness.js';
import { lastRunOfScenarios, rerunRun } from '../../queue/rerun.js';
import { triggerRun } from '../../queue/trigger.js';
import type { ApiKey } from '../../storage/api-keys.js';
import { scenarioIdsOfPlans } from '../../storage/plan-scenarios.js';
import type { PlanRecord } from '../../storage/plans.js';
import { getRunView } from '../../storage/run-views.js';
import { activeRunIdsOfPlan, runIsWaiting } from '../../storage/vendor-runs.js';
import type { ServerDeps } from '../deps.js';
import { assertOutboundUrl } from '../outbound-url-check.js';
import { keyOf } from '../principal.js';
import { resolvePlan } from '../resolve.js';
import { prepareRun } from '../run-request.js';
import { triggerLimits } from '../usage-limits.js';
import { assertCompany } from './testinium-company.js';
import { selectedAppBuilds } from './testinium-read.js';

/**
 * The `RunTestPlanResponse` of the documents. `succesful` is the same as `successful`: Testinium's
 * Jenkins plugin reads that spelling. Unavailable environments are objects (`[{"id": 74}]`, as
 * testinium-enterprise-1.16.7 prints them and the plugin parses them), with their name beside.
 */
interface RunTestPlanResponse {
  execution_id: number | null;
  unavailable_env_list: { id: number; name: string }[];
  successful: boolean;
  succesful: boolean;
  already_running: boolean;
}

const answer = (
  executionId: number | null,
  unavailable: RunTestPlanResponse['unavailable_env_list'],
  ok: boolean,
  alreadyRunning: boolean,
): RunTestPlanResponse => ({
  execution_id: executionId,
  unavailable_env_list: unavailable,
  successful: ok,
  succesful: ok,
  already_running: alreadyRunning,
});

/**
 * How a run is started: `policy` follows the plan's concurrency policy (`/run`); `force` starts
 * one whatever runs already (`/run/true`); `check` starts nothing while a run of the plan is
 * active or an environment has no live agent, and says which (`/run/false`).
 */
type StartMode = 'policy' | 'force' | 'check';

async function startRun(
  deps: ServerDeps,
  key: ApiKey,
  plan: PlanRecord,
  mode: StartMode,
  callbackUrl: string | undefined,
): Promise<RunTestPlanResponse> {
  if (callbackUrl !== undefined) assertOutboundUrl(deps.config, callbackUrl, 'callbackUrl');
  const prepared = await prepareRun(deps, { plan });
  const envRef = (e: { id: number; definition: { name: string } }) => ({ id: e.id, name: e.definition.name });
  if (mode === 'check') {
    const active = await activeRunIdsOfPlan(deps.store.db, plan.id);
    if (active.length > 0) return answer(active[active.length - 1]!, [], false, true);
    const missing = await unavailableEnvironments(deps.queue, prepared.environments);
    if (missing.length > 0) return answer(null, missing.map(envRef), false, false);
  }
  const appBuilds = { ...(await selectedAppBuilds(deps.store.db, plan, prepared.environments)), ...prepared.appBuilds };
  const forced =
    mode === 'force'
      ? { ...prepared.plan, definition: { ...prepared.plan.definition, concurrency: 'allow' as const } }
      : prepared.plan;
  try {
    const outcome = await triggerRun(deps.queue, {
      ...prepared,
      plan: forced,
      appBuilds,
      scenarios: [],
      source: 'testinium',
      userId: key.userId,
      callbackUrl: callbackUrl ?? null,
      ...triggerLimits(deps.config, key),
    });
    const run = (await getRunView(deps.store.db, outcome.runId))!;
    const unavailable = prepared.environments
      .filter((e) => run.unavailable_environments.includes(e.definition.name))
      .map(envRef);
    return answer(run.id, unavailable, true, await runIsWaiting(deps.store.db, run.id));
  } catch (e) {
    if (!isAppError(e) || e.code !== 'PLAN_ALREADY_RUNNING') throw e;
    const active = (e.details as { run_id?: number } | undefined)?.run_id ?? null;
    return answer(active, [], false, true);
  }
}

const Plan = Type.String({ minLength: 1, maxLength: 200, description: 'Plan id, UUID or name.' });
const Callback = Type.Object({
  callbackUrl: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description: "Receives the run's events (signed like every callback).",
    }),
  ),
});
type RunRoute = {
  Params: { plan: string; forceRun?: boolean; companyId?: number };
  Querystring: { callbackUrl?: string };
  Body: { callbackUrl?: string } | undefined;
};

/**
 * Testinium REST routes that start, check, stop and rerun a plan's executions
 * (testinium-enterprise-1.16.7/plan). The run routes take GET, as documented, and POST with the
 * same fields as a form or JSON (`curl --data-urlencode callbackUrl=…` sends a POST).
 */
export function testiniumPlanRunRoutes(scope: FastifyInstance, deps: ServerDeps): void {
  const tags = ['compat: Testinium'];
  const run =
    (mode: (p: RunRoute['Params']) => StartMode) =>
    async (req: {
      params: RunRoute['Params'];
      query: RunRoute['Querystring'];
      body: RunRoute['Body'];
      principal?: unknown;
    }) => {
      const key = keyOf(req.principal as never);
      if (req.params.companyId !== undefined) assertCompany(req.params.companyId);
      const plan = await resolvePlan(deps.store.db, key, req.params.plan);
      return startRun(deps, key, plan, mode(req.params), req.query.callbackUrl ?? req.body?.callbackUrl);
    };
  const runRoute = (
    url: string,
    summary: string,
    params: Record<string, TSchema>,
    mode: (p: RunRoute['Params']) => StartMode,
  ) => {
    for (const method of ['GET', 'POST'] as const) {
      scope.route<RunRoute>({
        method,
        url,
        config: { auth: 'PLAN_RUN' },
        schema: {
          tags,
          summary,
          params: Type.Object({ plan: Plan, ...params }),
          querystring: Callback,
          ...(method === 'POST' ? { body: Callback } : {}),
        },
        handler: run(mode),
      });
    }
  };
  runRoute(
    '/Testinium.RestApi/api/plans/:plan/run',
    'Testinium REST API: run a test plan (its concurrency policy decides while it runs)',
    {},
    () => 'policy',
  );
  runRoute(
    '/Testinium.RestApi/api/plans/:plan/run/:forceRun',
    'Testinium REST API: force-run a test plan (true), or run it only when nothing stands in the way (false)',
    {
      forceRun: Type.Boolean({
        description:
          'true: start a run whatever runs already; false: start none while one runs or an environment has no live agent.',
      }),
    },
    (p) => (p.forceRun ? 'force' : 'check'),
  );
  runRoute(
    '/Testinium.RestApi/api/plans/:plan/run/company/:companyId',
    'Testinium REST API: run a test plan for a company',
    {
      companyId: Type.Integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: "Proctor's one company: 1 (GET /Testinium.RestApi/api/users/companies/).",
      }),
    },
    () => 'policy',
  );

  scope.get<{ Params: { plan: string } }>(
    '/Testinium.RestApi/api/plans/:plan/checkIsRunning',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Plan not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: whether a test plan has a queued or running execution',
        params: Type.Object({ plan: Plan }),
      },
    },
    async (req) => {
      const plan = await resolvePlan(deps.store.db, keyOf(req.principal), req.params.plan);
      return { status: 'SUCCESS', running: (await activeRunIdsOfPlan(deps.store.db, plan.id)).length > 0 };
    },
  );

  scope.get<{ Params: { plan: string } }>(
    '/Testinium.RestApi/api/plans/:plan/stop',
    {
      config: { auth: 'PLAN_RUN', testiniumNotFound: 'Test plan not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: cancel every queued and running execution of a test plan',
        params: Type.Object({ plan: Plan }),
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      const plan = await resolvePlan(deps.store.db, key, req.params.plan);
      const stopped = await stopPlanRuns(deps.queue, plan.id, `stopped by ${key.userName}`);
      if (stopped.length === 0) return { status: 'NOT_AVAILABLE', message: `Plan Id ${plan.id} is not running` };
      return { status: 'SUCCESS', message: `Plan Id ${plan.id} has been stopped` };
    },
  );

  scope.post<{ Params: { plan: string }; Body: number[] | undefined }>(
    '/Testinium.RestApi/api/plans/:plan/rerun',
    {
      config: { auth: 'PLAN_RUN', testiniumNotFound: 'Plan not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: rerun scenarios, by id, in every environment of the last execution that ran them',
        params: Type.Object({ plan: Plan }),
        body: Type.Array(Type.Integer({ minimum: 1 }), {
          maxItems: 10_000,
          description: 'Scenario ids (`scenariosToRerun`).',
        }),
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      const plan = await resolvePlan(deps.store.db, key, req.params.plan);
      const ids = req.body ?? [];
      if (ids.length === 0)
        throw new AppError('NOT_FOUND', 'the body lists no scenario ids to rerun: send [1, 2, 3]', {
          details: { testinium_message: 'Scenario list not found' },
        });
      const last = await lastRunOfScenarios(deps.store.db, plan.id, ids);
      if (!last) {
        // rerun-test-plan.md tells "one of the specified scenarios was not found" from "the last
        // execution … was not found": a scenario the plan does not have is the first.
        const known = new Set((await scenarioIdsOfPlans(deps.store.db, [plan.id])).get(plan.id) ?? []);
        const unknown = ids.find((id) => !known.has(id));
        if (unknown !== undefined)
          throw new AppError('NOT_FOUND', `scenario ${unknown} is not a scenario of plan ${plan.id}`, {
            details: { testinium_message: 'Scenario not found' },
          });
        throw new AppError('NOT_FOUND', `no execution of plan ${plan.id} ran all of scenarios ${ids.join(', ')}`, {
          details: { testinium_message: 'Execution not found' },
        });
      }
      const pairs = last.pairs
        .filter((p) => ids.includes(p.scenarioId))
        .map((p) => ({ scenario: p.scenarioId, environment: p.environmentId }));
      await rerunRun(
        deps.queue,
        last.runId,
        { pairs },
        { source: 'testinium', userId: key.userId, ...triggerLimits(deps.config, key) },
      );
      return { successful: true, succesful: true, message: 'Scenarios rerun successfully.' };
    },
  );
}
