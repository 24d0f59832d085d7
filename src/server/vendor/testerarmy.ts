import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import type { Run } from '../../protocol/api.js';
import { listEnvironments } from '../../storage/environments.js';
import { findPlan } from '../../storage/plans.js';
import { publicRun } from '../../storage/run-views.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { loadRun, resolvePlan } from '../resolve.js';
import { waitForRun } from './run-wait.js';
import { testerArmyGroupRoutes } from './testerarmy-groups.js';
import { testerArmyMobileRoutes } from './testerarmy-mobile.js';
import { triggerTesterArmy } from './testerarmy-trigger.js';
import { testerArmyRun } from './testerarmy-view.js';
import { PREFIXES, testerArmyError, testerArmyNotFound } from './testerarmy-error.js';
import { vendorScope } from './vendor-scope.js';

const Body = Type.Object({
  mode: Type.Optional(Type.Enum(['fast', 'deep'], { description: 'A profile the plan declares in proctor.yaml.' })),
  platform: Type.Optional(
    Type.Enum(['web', 'ios', 'android'], { description: "Only the plan's environments of this platform." }),
  ),
  appId: Type.Optional(
    Type.String({
      format: 'uuid',
      description: 'UUID of an app build (POST /api/v1/app-builds) for every environment.',
    }),
  ),
});
type Body = Static<typeof Body>;
const Query = Type.Object({
  wait: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 3600,
      description:
        'Proctor extension: hold the answer up to this many seconds for the run to end; 504 if it does not, or if it exceeded its time limit.',
    }),
  ),
});
const Uuid = (description: string) => Type.String({ format: 'uuid', description });

/**
 * TesterArmy: `POST {prefix}/tests/{testId}/runs` runs the plan whose UUID is `testId`. `mode`
 * selects a plan profile, `platform` filters its environments, `appId` hands an app build to every
 * one. `GET /v1/runs/{runId}` and `GET {prefix}/tests/{testId}/runs/{runId}` answer a run by its
 * UUID. (`GET /api/v1/runs/{uuid}` is Proctor's own run view, which takes a UUID as well.) The
 * group webhook (testerarmy-groups.ts) and the mobile app uploads (testerarmy-mobile.ts) share this
 * scope. Usage limits raise RATE_LIMITED, which this scope answers as the document's 429.
 */
export async function testerArmyRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const db = deps.store.db;
  await vendorScope(app, testerArmyError, async (scope) => {
    for (const prefix of PREFIXES) {
      scope.post<{ Params: { testId: string }; Querystring: { wait?: number }; Body: Body | undefined }>(
        `${prefix}/tests/:testId/runs`,
        {
          config: { auth: 'PLAN_RUN' },
          schema: {
            tags: ['compat: TesterArmy'],
            summary: 'TesterArmy: trigger a test run',
            params: Type.Object({ testId: Uuid("The plan's UUID.") }),
            querystring: Query,
            body: Body,
          },
        },
        async (req, reply) => {
          const key = keyOf(req.principal);
          const plan = await resolvePlan(db, key, req.params.testId);
          const body = req.body ?? {};
          const { runId: id, runUuid: runId } = await triggerTesterArmy(deps, key, plan, {
            mode: body.mode,
            platform: body.platform,
            appId: body.appId,
          });
          const queued = { status: 'queued', runId, testId: plan.uuid };
          if (req.query.wait === undefined) return reply.status(202).send(queued);
          const gone = new AbortController();
          reply.raw.once('close', () => gone.abort());
          const ended = await waitForRun(db, id, req.query.wait * 1000, gone.signal);
          // The document's 504: "Test execution exceeded time limit": the wait's, or the run's own.
          if (!ended || ended.endedBy === 'timeout') {
            const why = ended
              ? 'the run exceeded its time limit (run_timeout) and was stopped'
              : `the run did not end within ${req.query.wait} s; it goes on`;
            return reply.status(504).send({ error: STATUS_CODES[504], message: `${why}: run ${runId}` });
          }
          return reply.status(200).send({ ...queued, status: ended.status, result: ended.result });
        },
      );

      scope.get<{ Params: { testId: string; runId: string } }>(
        `${prefix}/tests/:testId/runs/:runId`,
        {
          config: { auth: 'PLAN_READ' },
          schema: {
            tags: ['compat: TesterArmy'],
            summary: 'TesterArmy: status and result of a run of a test',
            params: Type.Object({ testId: Uuid("The plan's UUID."), runId: Uuid("The run's UUID.") }),
          },
        },
        async (req) => {
          const run = await loadRun(db, req.principal, req.params.runId);
          const plan = await findPlan(db, null, run.plan.id);
          if (!plan || plan.uuid !== req.params.testId.toLowerCase())
            throw new AppError('NOT_FOUND', `run ${req.params.runId} does not exist`);
          return view(run, plan.uuid);
        },
      );
    }
    scope.get<{ Params: { runId: string } }>(
      '/v1/runs/:runId',
      {
        config: { auth: 'PLAN_READ' },
        schema: {
          tags: ['compat: TesterArmy'],
          summary: 'TesterArmy: status and result of a run (poll until completed)',
          params: Type.Object({ runId: Uuid("The run's UUID.") }),
        },
      },
      async (req) => {
        const run = await loadRun(db, req.principal, req.params.runId);
        return view(run, (await findPlan(db, null, run.plan.id))?.uuid ?? '');
      },
    );
    await testerArmyGroupRoutes(scope, deps);
    await testerArmyMobileRoutes(scope, deps);
    testerArmyNotFound(scope);
  });

  /** The run's view, with the platform its environments share (web when they differ). */
  async function view(run: Run & { projectId: number }, planUuid: string): Promise<Record<string, unknown>> {
    const envs = (await listEnvironments(db, [run.projectId])).filter((e) =>
      run.trigger.environments.includes(e.definition.name),
    );
    const platforms = [...new Set(envs.map((e) => e.definition.platform))];
    const platform =
      platforms.length === 1 && ['web', 'ios', 'android'].includes(platforms[0]!) ? platforms[0]! : 'web';
    return testerArmyRun(publicRun(run), planUuid, platform);
  }
}
