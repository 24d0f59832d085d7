import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { lastRunOfPlan } from '../../queue/rerun.js';
import { triggerRun } from '../../queue/trigger.js';
import { fromJson } from '../../storage/json.js';
import { findPlan } from '../../storage/plans.js';
import { getRunView } from '../../storage/run-views.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { loadRun, resolvePlan } from '../resolve.js';
import { prepareRun } from '../run-request.js';
import { triggerLimits } from '../usage-limits.js';
import { executionResult } from './testsigma-view.js';
import { vendorScope, type VendorErrorShape } from './vendor-scope.js';

const Id = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]{1,15}$' })]);
// The document's request quotes the plan id ("<test_plan_id>") and its response gives numbers: both are read.
const Body = Type.Object({
  executionId: Id,
  uploadVersions: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Id, { maxProperties: 100 })),
  buildNo: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  environmentId: Type.Optional(Type.Union([Id, Type.Null()])),
});
type Body = Static<typeof Body>;

/** Errors as Testsigma's (Spring Boot) server writes them: timestamp, status, error, message, path. */
const testsigmaError: VendorErrorShape = (e, req) => ({
  status: e.status,
  body: { timestamp: new Date().toISOString(), status: e.status, error: STATUS_CODES[e.status] ?? 'Error', message: e.message, path: req.url.split('?')[0] },
});

/**
 * Testsigma: `POST /api/v1/execution_results` runs the plan whose id is `executionId`;
 * `uploadVersions` maps an environment (Testsigma's "device", by id or name) to an app build id,
 * `environmentId` limits the run to one environment, `buildNo` is the build. `GET
 * /api/v1/execution_results/{runId}` answers the run as Testsigma's execution result.
 */
export async function testsigmaRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await vendorScope(app, testsigmaError, (scope) => {
    scope.post<{ Body: Body }>('/api/v1/execution_results', {
      config: { auth: 'PLAN_RUN' },
      schema: { tags: ['compat: Testsigma'], summary: 'Testsigma: start a test plan execution', body: Body },
    }, async (req) => {
      const key = keyOf(req.principal);
      const plan = await resolvePlan(deps.store.db, key, String(req.body.executionId));
      const environmentId = req.body.environmentId == null ? null : Number(req.body.environmentId);
      const uploads = Object.fromEntries(Object.entries(req.body.uploadVersions ?? {}).map(([env, build]) => [env, Number(build)]));
      const prepared = await prepareRun(deps, {
        plan,
        environments: environmentId === null ? undefined : [environmentId],
        appBuilds: uploads,
        names: { environments: 'environmentId', appBuilds: 'uploadVersions' },
      });
      const outcome = await triggerRun(deps.queue, {
        ...prepared,
        scenarios: [],
        source: 'testsigma',
        userId: key.userId,
        build: req.body.buildNo ?? null,
        vendorEnvironmentId: environmentId,
        ...triggerLimits(deps.config, key),
      });
      return view(deps, outcome.runId, false);
    });

    scope.get<{ Params: { run: string } }>('/api/v1/execution_results/:run', {
      config: { auth: 'PLAN_READ' },
      schema: { tags: ['compat: Testsigma'], summary: 'Testsigma: status of a test plan run', params: Type.Object({ run: Type.String() }) },
    }, async (req) => view(deps, (await loadRun(deps.store.db, req.principal, req.params.run)).id, true));
  });
}

async function view(deps: ServerDeps, runId: number, withExecution: boolean): Promise<Record<string, unknown>> {
  const db = deps.store.db;
  const run = (await getRunView(db, runId))!;
  const plan = (await findPlan(db, null, run.plan.id))!;
  const row = await db.selectFrom('runs').select('trigger').where('id', '=', runId).executeTakeFirstOrThrow();
  const environmentId = fromJson<{ vendorEnvironmentId?: number | null }>(row.trigger, {}).vendorEnvironmentId ?? null;
  const { projectId: _omit, ...publicRun } = run;
  return executionResult(publicRun, { plan, environmentId, lastRunId: (await lastRunOfPlan(db, plan.id)) ?? null }, withExecution);
}
