import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ResultRow } from '../../protocol/api.js';
import type { RunResult, ScenarioResult } from '../../protocol/statuses.js';
import type { ServerDeps } from '../deps.js';
import { downloadHeaders } from '../download-headers.js';
import { loadRun } from '../resolve.js';
import { runJUnitXml } from '../run-junit-report.js';
import { allResults } from './run-results.js';

/** A test case result's `result` in Testsigma's words; pending ones are QUEUED, as Testsigma's are. */
const CASE_RESULT = {
  passed: 'SUCCESS',
  flaky: 'SUCCESS',
  failed: 'FAILURE',
  aborted: 'ABORTED',
  stopped: 'STOPPED',
  skipped: 'NOT_EXECUTED',
  not_executed: 'NOT_EXECUTED',
  queued: 'QUEUED',
  running: 'QUEUED',
} as const satisfies Record<ScenarioResult, string>;
const RUN_RESULT = {
  passed: 'SUCCESS',
  failed: 'FAILURE',
  aborted: 'ABORTED',
  stopped: 'STOPPED',
} as const satisfies Record<RunResult, string>;

/** A result row as a Testsigma test case result: a test case (scenario) on a machine (environment). */
function testCase(r: ResultRow): Record<string, unknown> {
  return {
    testCaseId: r.scenario.id,
    testCaseName: r.scenario.path.length ? r.scenario.path.join(' > ') : r.scenario.key,
    testCaseResultId: r.id,
    result: CASE_RESULT[r.status],
    isDataDrivenCase: false,
    iterationResults: [],
    testSuiteId: null,
    testSuiteName: r.scenario.file,
    testSuiteResultId: null,
    machineId: r.environment_id,
    machineTitle: r.environment,
    machineResultId: r.job_id,
  };
}

/**
 * What Testsigma's clients read after a run: `GET /api/v1/reports/junit/{runId}` (the CI scripts
 * and the Jenkins plugin save it as the JUnit file: `testsuites > testsuite > testcase >
 * failure`, one suite per environment, from Proctor's own JUnit writer), and `GET
 * /api/v1/execution_results/{runId}/test_case_results`, whose `testCaseResultId`s a USER_PICKED
 * rerun names.
 */
export function testsigmaReportRoutes(scope: FastifyInstance, deps: ServerDeps): void {
  const Run = Type.Object({ run: Type.String({ maxLength: 40, description: 'Run id (or UUID).' }) });
  scope.get<{ Params: { run: string } }>(
    '/api/v1/reports/junit/:run',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['compat: Testsigma'],
        summary: 'Testsigma: the JUnit XML report of a run',
        params: Run,
        response: { 200: Type.String({ contentMediaType: 'application/xml' }) },
      },
    },
    async (req, reply) => {
      const run = await loadRun(deps.store.db, req.principal, req.params.run);
      const xml = await runJUnitXml(deps.store.db, run);
      return downloadHeaders(reply, {
        type: 'application/xml; charset=utf-8',
        disposition: { kind: 'inline', fileName: `junit-report-${run.id}.xml` },
      }).send(xml);
    },
  );

  scope.get<{ Params: { run: string } }>(
    '/api/v1/execution_results/:run/test_case_results',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['compat: Testsigma'],
        summary: 'Testsigma: the test case results of a run (scenario × environment)',
        params: Run,
      },
    },
    async (req) => {
      const run = await loadRun(deps.store.db, req.principal, req.params.run);
      return {
        executionId: run.plan.id,
        executionResultId: run.id,
        result: run.result === null ? 'QUEUED' : RUN_RESULT[run.result],
        status: run.result === null ? 'STATUS_IN_PROGRESS' : 'STATUS_COMPLETED',
        testCases: (await allResults(deps.store.db, run.id)).map(testCase),
      };
    },
  );
}
