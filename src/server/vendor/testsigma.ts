import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import { isoTime } from '../../protocol/wire-time.js';
import { lastRunOfPlan } from '../../queue/rerun.js';
import { triggerRun } from '../../queue/trigger.js';
import { findPlan } from '../../storage/plans.js';
import { getRunView, publicRun } from '../../storage/run-views.js';
import { runIsWaiting, vendorEnvironmentIdOf } from '../../storage/vendor-runs.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { loadRun, resolvePlan } from '../resolve.js';
import { prepareRun } from '../run-request.js';
import { triggerLimits } from '../usage-limits.js';
import { testsigmaReportRoutes } from './testsigma-reports.js';
import { testsigmaRerun } from './testsigma-rerun.js';
import { runtimeParameters, TestsigmaBody } from './testsigma-body.js';
import { executionResult } from './testsigma-view.js';
import { vendorScope, type VendorErrorShape } from './vendor-scope.js';

/** Errors as Testsigma's (Spring Boot) server writes them: timestamp, status, error, message, path. */
const testsigmaError: VendorErrorShape = (e, req) => ({
  status: e.status,
  body: {
    timestamp: isoTime(Date.now()),
    status: e.status,
    error: STATUS_CODES[e.status] ?? 'Error',
    message: e.message,
    path: req.url.split('?')[0],
  },
});

/**
 * Testsigma: `POST /api/v1/execution_results` runs the plan whose id is `executionId` (several
 * runs of one plan run side by side unless its concurrency policy says otherwise);
 * `uploadVersions` maps an environment (Testsigma's "device", by id or name) to an app build id,
 * `environmentId` limits the run to one environment, `buildNo` is the build, `runtimeData` the
 * run's parameters. With `isReRun` (or `executionResultId`) it reruns a run's test cases
 * instead (testsigma-rerun.ts). `GET /api/v1/execution_results/{runId}` answers the run.
 */
export async function testsigmaRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await vendorScope(app, testsigmaError, (scope) => {
    // `/test_plan_results` is Testsigma's newer name for the same resource (its Jenkins plugin 1.8.1
    // and later CI scripts): `{testPlanId}` in, the same test plan run out.
    for (const path of ['/api/v1/execution_results', '/api/v1/test_plan_results']) {
      scope.post<{ Body: TestsigmaBody }>(
        path,
        {
          config: { auth: 'PLAN_RUN' },
          schema: {
            tags: ['compat: Testsigma'],
            summary: 'Testsigma: start a test plan execution, or rerun test cases of a run',
            body: TestsigmaBody,
          },
        },
        async (req) => {
          const key = keyOf(req.principal);
          const planId = req.body?.executionId ?? req.body?.testPlanId;
          if (!req.body || planId === undefined)
            throw new AppError(
              'VALIDATION_FAILED',
              'executionId is required (testPlanId on /test_plan_results): the id of the test plan to run',
            );
          const plan = await resolvePlan(deps.store.db, key, String(planId));
          const parameters = runtimeParameters(req.body.runtimeData);
          if (req.body.isReRun === true || req.body.executionResultId !== undefined) {
            return testsigmaView(
              deps,
              (await testsigmaRerun(deps, req.principal, plan, req.body, parameters)).runId,
              false,
            );
          }
          const environmentId = req.body.environmentId ?? null;
          const prepared = await prepareRun(deps, {
            plan,
            environments: environmentId === null ? undefined : [environmentId],
            appBuilds: req.body.uploadVersions ?? {},
            names: { environments: 'environmentId', appBuilds: 'uploadVersions' },
          });
          const outcome = await triggerRun(deps.queue, {
            ...prepared,
            scenarios: [],
            source: 'testsigma',
            userId: key.userId,
            build: req.body.buildNo ?? null,
            ...(parameters ? { parameters } : {}),
            vendorEnvironmentId: environmentId,
            ...triggerLimits(deps.config, key),
          });
          return testsigmaView(deps, outcome.runId, false);
        },
      );

      scope.get<{ Params: { run: string } }>(
        `${path}/:run`,
        {
          config: { auth: 'PLAN_READ' },
          schema: {
            tags: ['compat: Testsigma'],
            summary: 'Testsigma: status of a test plan run (STATUS_IN_PROGRESS until STATUS_COMPLETED)',
            params: Type.Object({ run: Type.String({ maxLength: 40, description: 'Run id (or UUID).' }) }),
          },
        },
        async (req) => testsigmaView(deps, (await loadRun(deps.store.db, req.principal, req.params.run)).id, true),
      );
    }

    testsigmaReportRoutes(scope, deps);
  });
}

/** A run as Testsigma's execution result; `withExecution` for the status answer. */
export async function testsigmaView(
  deps: ServerDeps,
  runId: number,
  withExecution: boolean,
): Promise<Record<string, unknown>> {
  const db = deps.store.db;
  const run = publicRun((await getRunView(db, runId))!);
  const plan = (await findPlan(db, null, run.plan.id))!;
  return executionResult(
    run,
    {
      plan,
      environmentId: await vendorEnvironmentIdOf(db, runId),
      lastRunId: (await lastRunOfPlan(db, plan.id)) ?? null,
      waiting: await runIsWaiting(db, runId),
    },
    withExecution,
  );
}
