import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listAppBuilds } from '../../storage/app-builds.js';
import { listPlans } from '../../storage/plans.js';
import { listProjects, type Project } from '../../storage/projects.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { visibleProject } from '../resolve.js';
import { assertCompany } from './testinium-company.js';
import { planDtos } from './testinium-read.js';
import { projectDto } from './testinium-view.js';

/**
 * How many of a project's newest app builds its ProjectDTO lists as `mobile_apps`. Clients pick the
 * newest of an OS from the list (Appcircle's upload step takes the greatest `created_at`), so older
 * ones past this many are never what they look for.
 */
const MOBILE_APPS_LISTED = 200;

const ProjectRef = Type.String({ minLength: 1, maxLength: 100, description: 'Project id or name.' });
const CompanyId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Company id: 1.' });

/**
 * Testinium REST routes that read projects (Testinium enterprise 2.0's project pages, and what
 * Testinium's Jenkins plugin and Appcircle's Testinium steps call): a Testinium project is a
 * Proctor project, by id or name, as the other Testinium routes take it.
 */
export function testiniumProjectRoutes(scope: FastifyInstance, deps: ServerDeps): void {
  const db = deps.store.db;
  const tags = ['compat: Testinium'];
  /** The project with its newest app builds that are mobile apps, newest first. */
  const withApps = async (project: Project) =>
    projectDto(
      project,
      (await listAppBuilds(db, { projectIds: [project.id], limit: MOBILE_APPS_LISTED })).slice(0, MOBILE_APPS_LISTED),
    );

  scope.get<{ Params: { project: string } }>(
    '/Testinium.RestApi/api/projects/:project',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Project not found' },
      schema: {
        tags,
        summary:
          "Testinium REST API: a project as a ProjectDTO, its `mobile_apps` the project's app builds named as Android or iOS apps, newest first",
        params: Type.Object({ project: ProjectRef }),
      },
    },
    async (req) => withApps(await visibleProject(db, keyOf(req.principal), req.params.project)),
  );
  scope.get<{ Params: { project: string } }>(
    '/Testinium.RestApi/api/projects/:project/active',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Project not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: an enabled project (every Proctor project is), as a ProjectDTO',
        params: Type.Object({ project: ProjectRef }),
      },
    },
    async (req) => withApps(await visibleProject(db, keyOf(req.principal), req.params.project)),
  );
  scope.get<{ Params: { companyId: number } }>(
    '/Testinium.RestApi/api/projects/company/:companyId',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Company not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: the projects of a company that the key may see',
        params: Type.Object({ companyId: CompanyId }),
      },
    },
    async (req) => {
      assertCompany(req.params.companyId);
      return (await listProjects(db, keyOf(req.principal).projectIds)).map((p) => projectDto(p));
    },
  );
  scope.get<{ Params: { project: string } }>(
    '/Testinium.RestApi/api/projects/:project/plans/active',
    {
      config: { auth: 'PLAN_READ', testiniumNotFound: 'Project not found' },
      schema: {
        tags,
        summary: 'Testinium REST API: the enabled plans of a project, as PlanDTOs',
        params: Type.Object({ project: ProjectRef }),
      },
    },
    async (req) => {
      const project = await visibleProject(db, keyOf(req.principal), req.params.project);
      return planDtos(db, await listPlans(db, [project.id]));
    },
  );
}
