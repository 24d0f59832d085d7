import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import { getRunView, listResultViews } from '../../storage/run-views.js';
import { runIdsOfPlan, runOfResult } from '../../storage/vendor-runs.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { loadRun, resolvePlan } from '../resolve.js';
import { assertCompany } from './testinium-company.js';
import { allResults } from './run-results.js';
import { testExecutionDto, testResultDto } from './testinium-view.js';

const PAGE_LIMIT = 50;
const Exec = Type.String({ minLength: 1, maxLength: 40, description: 'Execution id: a run id (or UUID).' });
const Page = Type.Integer({
  minimum: 0,
  maximum: 1_000_000,
  description: 'Page number; the first page is 1 (0 is read as 1).',
});
const pagination = (page: number, total: number) => ({
  current_page: page,
  total_count: total,
  page_limit: PAGE_LIMIT,
});

/**
 * Testinium REST routes that read executions (runs) and test results (a scenario in an
 * environment of a run), testinium-enterprise-1.16.7/reports. A client polls an execution until
 * its `end_date` is set.
 */
export function testiniumReportRoutes(scope: FastifyInstance, deps: ServerDeps): void {
  const db = deps.store.db;
  const tags = ['compat: Testinium'];
  const execution = async (principal: unknown, ref: string) => {
    const run = await loadRun(db, principal, ref);
    return testExecutionDto(run, await allResults(db, run.id));
  };

  scope.get<{ Params: { plan: string }; Querystring: { page?: number } }>(
    '/Testinium.RestApi/api/plans/:plan/testExecutions',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Plan not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: the executions of a test plan, newest first, 50 a page',
        params: Type.Object({ plan: Type.String({ minLength: 1, maxLength: 200 }) }),
        querystring: Type.Object({ page: Type.Optional(Page) }),
      },
    },
    async (req) => {
      const plan = await resolvePlan(db, keyOf(req.principal), req.params.plan);
      const page = Math.max(1, req.query.page ?? 1);
      const { ids, total } = await runIdsOfPlan(db, plan.id, { offset: (page - 1) * PAGE_LIMIT, limit: PAGE_LIMIT });
      const runs = await Promise.all(ids.map((id) => getRunView(db, id)));
      return {
        pagination: pagination(page, total),
        execution_list: runs.filter((r) => r !== undefined).map((r) => testExecutionDto(r, null)),
      };
    },
  );

  scope.get<{ Params: { execId: string } }>(
    '/Testinium.RestApi/api/testExecutions/:execId',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Test Execution not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: an execution with its test results; end_date is null until it has ended',
        params: Type.Object({ execId: Exec }),
      },
    },
    async (req) => execution(req.principal, req.params.execId),
  );

  scope.get<{ Params: { execId: string; companyId: number } }>(
    '/Testinium.RestApi/api/testExecutions/:execId/company/:companyId',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Test Execution not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: an execution of a company (what its Jenkins plugin polls)',
        params: Type.Object({
          execId: Exec,
          companyId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
        }),
      },
    },
    async (req) => {
      assertCompany(req.params.companyId);
      return execution(req.principal, req.params.execId);
    },
  );

  scope.get<{ Params: { execId: string; page: number } }>(
    '/Testinium.RestApi/api/testResults/executionId/:execId/pages/:page',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Test Execution Not Found' },
      schema: {
        tags,
        summary: 'Testinium REST API: the test results of an execution, 50 a page',
        params: Type.Object({ execId: Exec, page: Page }),
      },
    },
    async (req) => {
      const run = await loadRun(db, req.principal, req.params.execId);
      const page = Math.max(1, req.params.page);
      const rows = await allResults(db, run.id);
      const slice = rows.slice((page - 1) * PAGE_LIMIT, page * PAGE_LIMIT);
      return { pagination: pagination(page, rows.length), test_result_list: slice.map((r) => testResultDto(run, r)) };
    },
  );

  scope.get<{ Params: { resultId: number } }>(
    '/Testinium.RestApi/api/testResults/:resultId',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Test Result Not Found' },
      schema: {
        tags,
        summary: 'Testinium REST API: one test result: a scenario in an environment of a run',
        params: Type.Object({ resultId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
      },
    },
    async (req) => {
      const missing = `test result ${req.params.resultId} does not exist`;
      const runId = await runOfResult(db, req.params.resultId);
      if (runId === undefined) throw new AppError('NOT_FOUND', missing);
      let run: Awaited<ReturnType<typeof loadRun>>;
      try {
        run = await loadRun(db, req.principal, String(runId));
      } catch {
        throw new AppError('NOT_FOUND', missing);
      }
      const row = (await listResultViews(db, run.id, { ids: [req.params.resultId], limit: 1 })).items[0];
      if (!row) throw new AppError('NOT_FOUND', missing);
      return testResultDto(run, row);
    },
  );
}
