import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { readPlan } from '../../domain/plan-file.js';
import { Problems, checkName } from '../../domain/validation.js';
import { Run, TriggerRunBody, ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { ClientHeader, clientSource } from '../client-source.js';
import { triggerRun } from '../../queue/trigger.js';
import { listEnvironments } from '../../storage/environments.js';
import { PlanListItem, PlanView } from '../../protocol/resource-views.js';
import { deletePlan, lastRunsOfPlans, listPlans, planHasRuns, upsertPlan } from '../../storage/plans.js';
import { planLastRunView, planView } from '../../storage/resource-views.js';
import { getRunView } from '../../storage/run-views.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { listScope, resolvePlan, targetProject } from '../resolve.js';
import { prepareRun } from '../run-request.js';
import { triggerLimits } from '../usage-limits.js';
import { addressPolicy, assertOutboundUrl } from '../outbound-url-check.js';

const PlanParams = Type.Object({
  plan: Type.String({ minLength: 1, maxLength: 200, description: 'Numeric id, UUID or name.' }),
});
const ProjectQuery = Type.Object(
  { project: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export function planRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;

  app.get<{ Querystring: { project?: string } }>(
    '/api/v1/plans',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['plans'],
        summary: 'List plans (of one project with ?project=)',
        querystring: ProjectQuery,
        response: { 200: Type.Object({ items: Type.Array(PlanListItem) }), ...errors },
      },
    },
    async (req) => {
      const plans = await listPlans(db, await listScope(db, keyOf(req.principal), req.query.project));
      const last = await lastRunsOfPlans(
        db,
        plans.map((p) => p.id),
      );
      return { items: plans.map((p) => ({ ...planView(p), last_run: planLastRunView(last.get(p.id)) })) };
    },
  );

  app.get<{ Params: { plan: string }; Querystring: { project?: string } }>(
    '/api/v1/plans/:plan',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['plans'],
        summary: 'Get a plan by id, UUID or name',
        params: PlanParams,
        querystring: ProjectQuery,
        response: { 200: PlanView, ...errors },
      },
    },
    async (req) => planView(await resolvePlan(db, keyOf(req.principal), req.params.plan, req.query.project)),
  );

  app.put<{ Params: { plan: string }; Querystring: { project?: string }; Body: unknown }>(
    '/api/v1/plans/:plan',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['plans'],
        summary: 'Create or replace a plan (the body is the plan as written in proctor.yaml)',
        params: PlanParams,
        querystring: ProjectQuery,
        body: Type.Record(Type.String(), Type.Unknown()),
        response: { 200: PlanView, ...errors },
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      const now = deps.queue.clock();
      // An id or UUID names an existing plan (and its project); a name creates or replaces one.
      const byId = /^\d+$|^[0-9a-f-]{36}$/i.test(req.params.plan);
      const existing = byId ? await resolvePlan(db, key, req.params.plan, req.query.project) : undefined;
      const project = existing ? { id: existing.projectId } : await targetProject(db, key, req.query.project, now);
      const name = existing?.definition.name ?? req.params.plan;
      const envs = new Set((await listEnvironments(db, [project.id])).map((e) => e.definition.name));
      const problems = new Problems();
      const def = checkName(problems, 'plan', name)
        ? readPlan(problems, `plans.${name}`, name, req.body, envs, addressPolicy(deps.config))
        : null;
      if (!def || !problems.empty)
        throw new AppError('VALIDATION_FAILED', problems.toString(), { details: problems.list });
      return planView((await upsertPlan(db, project.id, def, now)).record);
    },
  );

  app.delete<{ Params: { plan: string }; Querystring: { project?: string } }>(
    '/api/v1/plans/:plan',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['plans'],
        summary: 'Delete a plan that has no runs',
        params: PlanParams,
        querystring: ProjectQuery,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const plan = await resolvePlan(db, keyOf(req.principal), req.params.plan, req.query.project);
      if (await planHasRuns(db, plan.id))
        throw new AppError('CONFLICT', `plan "${plan.definition.name}" has runs and is kept for their history`);
      await deletePlan(db, plan.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { plan: string }; Querystring: { project?: string }; Body: TriggerRunBody }>(
    '/api/v1/plans/:plan/runs',
    {
      config: { auth: 'PLAN_RUN' },
      schema: {
        tags: ['runs'],
        summary: 'Trigger a run of a plan',
        description:
          'Send an `Idempotency-Key` header to make a retried trigger return the same run. The key belongs to the API key that sends it: another API key sending the same key gets a run of its own.',
        params: PlanParams,
        querystring: ProjectQuery,
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          'x-proctor-client': Type.Optional(ClientHeader),
        }),
        body: TriggerRunBody,
        response: { 202: Run, 422: ErrorResponse, ...errors },
      },
    },
    async (req, reply) => {
      const key = keyOf(req.principal);
      const plan = await resolvePlan(db, key, req.params.plan, req.query.project);
      const body = req.body ?? {};
      if (body.callback_url !== undefined) assertOutboundUrl(deps.config, body.callback_url, 'callback_url');
      const prepared = await prepareRun(deps, {
        plan,
        profile: body.profile,
        environments: body.environments,
        appBuilds: body.app_builds,
      });
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      const outcome = await triggerRun(deps.queue, {
        ...prepared,
        scenarios: body.scenarios ?? [],
        source: clientSource(req.headers['x-proctor-client']),
        userId: key.userId,
        build: body.build ?? null,
        ref: body.ref ?? null,
        branch: body.branch ?? null,
        parameters: body.parameters ?? {},
        callbackUrl: body.callback_url ?? null,
        priority: body.priority ?? null,
        idempotencyKey: idempotencyKey ?? null,
        requestHash: idempotencyKey
          ? createHash('sha256')
              .update(`${plan.id}:${JSON.stringify(body)}`)
              .digest('hex')
          : null,
        ...triggerLimits(deps.config, key),
      });
      if (!outcome.created) reply.header('idempotent-replayed', 'true');
      const run = await getRunView(db, outcome.runId);
      return reply.status(202).send(run);
    },
  );
}
