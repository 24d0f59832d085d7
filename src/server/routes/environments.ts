import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { readEnvironment } from '../../domain/plan-file.js';
import { Problems, checkName } from '../../domain/validation.js';
import { ErrorResponse } from '../../protocol/api.js';
import { EnvironmentView } from '../../protocol/resource-views.js';
import { AppError } from '../../protocol/errors.js';
import {
  deleteEnvironment,
  listEnvironments,
  upsertEnvironment,
  type EnvironmentRecord,
} from '../../storage/environments.js';
import { listPlans } from '../../storage/plans.js';
import { environmentView } from '../../storage/resource-views.js';
import type { ServerDeps } from '../deps.js';
import { assertProject, keyOf } from '../principal.js';
import { listScope, targetProject } from '../resolve.js';

const Params = Type.Object({
  environment: Type.String({ minLength: 1, maxLength: 200, description: 'Numeric id or name.' }),
});
const ProjectQuery = Type.Object(
  { project: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

type Req = { Params: { environment: string }; Querystring: { project?: string } };

export function environmentRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;

  async function resolve(req: {
    principal?: unknown;
    params: { environment: string };
    query: { project?: string };
  }): Promise<EnvironmentRecord> {
    const key = keyOf(req.principal as never);
    const scope = await listScope(db, key, req.query.project);
    const ref = req.params.environment;
    const all = /^\d+$/.test(ref) ? await listEnvironments(db, null) : await listEnvironments(db, scope);
    const found = all.filter((e) => (/^\d+$/.test(ref) ? e.id === Number(ref) : e.definition.name === ref));
    const missing = `environment "${ref}" does not exist`;
    if (found.length === 0) throw new AppError('NOT_FOUND', missing);
    if (found.length > 1)
      throw new AppError('AMBIGUOUS', `several projects have an environment named "${ref}": add ?project=<name>`);
    assertProject(key, found[0]!.projectId, missing);
    return found[0]!;
  }

  app.get<{ Querystring: { project?: string } }>(
    '/api/v1/environments',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['environments'],
        summary: 'List environments (of one project with ?project=)',
        querystring: ProjectQuery,
        response: { 200: Type.Object({ items: Type.Array(EnvironmentView) }), ...errors },
      },
    },
    async (req) => ({
      items: (await listEnvironments(db, await listScope(db, keyOf(req.principal), req.query.project))).map(
        environmentView,
      ),
    }),
  );

  app.get<Req>(
    '/api/v1/environments/:environment',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['environments'],
        summary: 'Get an environment',
        params: Params,
        querystring: ProjectQuery,
        response: { 200: EnvironmentView, ...errors },
      },
    },
    async (req) => environmentView(await resolve(req)),
  );

  app.put<Req & { Body: unknown }>(
    '/api/v1/environments/:environment',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['environments'],
        summary: 'Create or replace an environment (the body is the environment as written in proctor.yaml)',
        params: Params,
        querystring: ProjectQuery,
        body: Type.Record(Type.String(), Type.Unknown()),
        response: { 200: EnvironmentView, ...errors },
      },
    },
    async (req) => {
      const now = deps.queue.clock();
      // An id names an existing environment (and its project); a name creates or replaces one.
      const existing = /^\d+$/.test(req.params.environment) ? await resolve(req) : undefined;
      const project = existing
        ? { id: existing.projectId }
        : await targetProject(db, keyOf(req.principal), req.query.project, now);
      const name = existing?.definition.name ?? req.params.environment;
      const problems = new Problems();
      const def = checkName(problems, 'environment', name)
        ? readEnvironment(problems, `environments.${name}`, name, req.body)
        : null;
      if (!def || !problems.empty)
        throw new AppError('VALIDATION_FAILED', problems.toString(), { details: problems.list });
      return environmentView((await upsertEnvironment(db, project.id, def, now)).record);
    },
  );

  app.delete<Req>(
    '/api/v1/environments/:environment',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['environments'],
        summary: 'Delete an environment no plan uses',
        params: Params,
        querystring: ProjectQuery,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const env = await resolve(req);
      const users = (await listPlans(db, [env.projectId])).filter((p) =>
        p.definition.environments.includes(env.definition.name),
      );
      if (users.length > 0) {
        throw new AppError(
          'CONFLICT',
          `environment "${env.definition.name}" is used by plan(s) ${users.map((p) => p.definition.name).join(', ')}`,
        );
      }
      await deleteEnvironment(db, env.id);
      return reply.status(204).send();
    },
  );
}
