import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../deps.js';
import { testiniumAppUploadRoutes } from './testinium-app-upload.js';
import { testiniumOAuthRoutes } from './testinium-oauth.js';
import { testiniumPlanRunRoutes } from './testinium-plan-runs.js';
import { testiniumPlanRoutes } from './testinium-plans.js';
import { testiniumProjectRoutes } from './testinium-projects.js';
import { testiniumReportRoutes } from './testinium-reports.js';
import { testiniumRestError } from './testinium-rest-error.js';
import { vendorScope } from './vendor-scope.js';

/**
 * Testinium's enterprise REST API under `/Testinium.RestApi` (testinium-enterprise-1.16.7 and
 * testinium-restapi-plans-run.md): an access token for an API key, plans (run, force-run, check,
 * stop, rerun, mobile apps, read), executions and test results, what Testinium's Jenkins plugin
 * reads around a run (company, project, `…/active`), and the project view and app upload of
 * Appcircle's Testinium steps. Errors are `{ message, detail }`.
 */
export async function testiniumRestApiRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await testiniumOAuthRoutes(app, deps);
  await vendorScope(app, testiniumRestError, async (scope) => {
    testiniumPlanRunRoutes(scope, deps);
    testiniumPlanRoutes(scope, deps);
    testiniumProjectRoutes(scope, deps);
    testiniumReportRoutes(scope, deps);
    await testiniumAppUploadRoutes(scope, deps);
  });
}
