import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import { findAppBuild } from '../../storage/app-builds.js';
import { selectPlanMobileApp } from '../../storage/plan-mobile-apps.js';
import { findPlans, listPlans } from '../../storage/plans.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { resolvePlan } from '../resolve.js';
import { assertCompany, PROCTOR_COMPANY } from './testinium-company.js';
import { planDtos } from './testinium-read.js';
import { OS_FILES, OS_NAMES } from './testinium-view.js';

const Plan = Type.String({ minLength: 1, maxLength: 200, description: 'Plan id, UUID or name.' });
const Id = (description: string) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

/**
 * Testinium REST routes that read plans and the company, and select a plan's mobile apps
 * (testinium-enterprise-1.16.7/plan, and what Testinium's Jenkins plugin calls before a run: the
 * company and plan `…/active`). Projects are testinium-projects.ts.
 */
export function testiniumPlanRoutes(scope: FastifyInstance, deps: ServerDeps): void {
  const db = deps.store.db;
  const tags = ['compat: Testinium'];

  scope.get(
    '/Testinium.RestApi/api/plans',
    {
      config: { auth: 'PLAN_READ' },
      schema: { tags, summary: 'Testinium REST API: every test plan the key may see, as PlanDTOs' },
    },
    async (req) => planDtos(db, await listPlans(db, keyOf(req.principal).projectIds)),
  );

  scope.get<{ Params: { plan: string } }>(
    '/Testinium.RestApi/api/plans/:plan',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Plan not found' },
      schema: {
        tags,
        summary:
          'Testinium REST API: a test plan by id or name, as a list of PlanDTOs (a name may be used in several projects)',
        params: Type.Object({ plan: Plan }),
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      const byName = !/^\d+$/.test(req.params.plan) && !/^[0-9a-f-]{36}$/i.test(req.params.plan);
      const plans = byName
        ? await findPlans(db, key.projectIds, req.params.plan)
        : [await resolvePlan(db, key, req.params.plan)];
      if (plans.length === 0) throw new AppError('NOT_FOUND', `plan "${req.params.plan.slice(0, 200)}" does not exist`);
      return planDtos(db, plans);
    },
  );

  scope.get<{ Params: { plan: string } }>(
    '/Testinium.RestApi/api/plans/:plan/active',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Plan not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: an enabled test plan, as a PlanDTO (every Proctor plan is enabled)',
        params: Type.Object({ plan: Plan }),
      },
    },
    async (req) => (await planDtos(db, [await resolvePlan(db, keyOf(req.principal), req.params.plan)]))[0],
  );

  for (const os of ['android', 'ios'] as const) {
    scope.put<{ Params: { plan: string; mobileAppId: number } }>(
      `/Testinium.RestApi/api/plans/:plan/set${os === 'android' ? 'Android' : 'Ios'}MobileApp/:mobileAppId`,
      {
        config: { auth: 'PLAN_WRITE', testiniumNotFound: 'Plan not found' },
        schema: {
          tags,
          summary: `Testinium REST API: the ${OS_NAMES[os]} app (an app build) the plan's ${os} environments run with when Testinium's API triggers it`,
          params: Type.Object({ plan: Plan, mobileAppId: Id('App build id (POST /api/v1/app-builds).') }),
        },
      },
      async (req) => {
        const key = keyOf(req.principal);
        const plan = await resolvePlan(db, key, req.params.plan);
        const build = await findAppBuild(db, req.params.mobileAppId);
        const missing = new AppError('NOT_FOUND', `app build ${req.params.mobileAppId} does not exist`, {
          details: { testinium_message: 'Mobile app not found' },
        });
        // Another project's build is as absent as one that does not exist.
        if (!build || (key.projectIds !== null && !key.projectIds.includes(build.projectId))) throw missing;
        if (build.projectId !== plan.projectId) {
          throw new AppError(
            'VALIDATION_FAILED',
            `app build ${build.id} belongs to another project than plan ${plan.id}`,
            { details: { testinium_message: 'Mobile app does not belong to project' } },
          );
        }
        if (!OS_FILES[os].test(build.fileName)) {
          throw new AppError(
            'VALIDATION_FAILED',
            `app build ${build.id} (${build.fileName}) is not an ${OS_NAMES[os]} app`,
            { details: { testinium_message: `Mobile app not ${OS_NAMES[os]}` } },
          );
        }
        await selectPlanMobileApp(db, plan.id, os, build.id, deps.queue.clock());
        return (await planDtos(db, [plan]))[0];
      },
    );
  }

  const companies = async () => [PROCTOR_COMPANY];
  scope.get(
    '/Testinium.RestApi/api/users/companies',
    {
      config: { auth: 'key' },
      schema: { tags, summary: 'Testinium REST API: the companies of the user: Proctor is one' },
    },
    companies,
  );
  scope.get(
    '/Testinium.RestApi/api/users/companies/',
    {
      config: { auth: 'key' },
      schema: {
        tags,
        summary: 'Testinium REST API: the companies of the user (with the slash its Jenkins plugin sends)',
      },
    },
    companies,
  );
  scope.get<{ Params: { companyId: number } }>(
    '/Testinium.RestApi/api/companies/:companyId',
    {
      config: { auth: 'key', testiniumNotFound: 'Company not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: a company (Proctor is company 1)',
        params: Type.Object({ companyId: Id('Company id: 1.') }),
      },
    },
    async (req) => {
      assertCompany(req.params.companyId);
      return PROCTOR_COMPANY;
    },
  );
}
