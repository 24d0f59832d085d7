import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../deps.js';
import { testiniumOAuthRoutes } from './testinium-oauth.js';
import { testiniumPlanRunRoutes } from './testinium-plan-runs.js';
import { testiniumPlanRoutes } from './testinium-plans.js';
import { testiniumReportRoutes } from './testinium-reports.js';
import { testiniumRestError } from './testinium-rest-error.js';
import { vendorScope } from './vendor-scope.js';

/**
 * Testinium's enterprise REST API under `/Testinium.RestApi` (testinium-enterprise-1.16.7 and
 * testinium-restapi-plans-run.md): an access token for an API key, plans (run, force-run, check,
 * stop, rerun, mobile apps, read), executions and test results, and what Testinium's Jenkins
 * plugin reads around a run (company, project, `…/active`). Errors are `{ message, detail }`.
 */
export async function testiniumRestApiRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await testiniumOAuthRoutes(app, deps);
  await vendorScope(app, testiniumRestError, (scope) => {
    testiniumPlanRunRoutes(scope, deps);
    testiniumPlanRoutes(scope, deps);
    testiniumReportRoutes(scope, deps);
  });
}
