import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { triggerRun } from '../../queue/trigger.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { resolvePlan } from '../resolve.js';
import { prepareRun } from '../run-request.js';
import { triggerLimits } from '../usage-limits.js';
import { waitForRun } from './run-wait.js';
import { vendorScope, type VendorErrorShape } from './vendor-scope.js';

const Body = Type.Object(
  {
    mode: Type.Optional(Type.Union([Type.Literal('fast'), Type.Literal('deep')], { description: 'A profile the plan declares in proctor.yaml.' })),
    platform: Type.Optional(Type.Union([Type.Literal('web'), Type.Literal('ios'), Type.Literal('android')], { description: 'Only the plan\'s environments of this platform.' })),
    appId: Type.Optional(Type.String({ format: 'uuid', description: 'UUID of an app build (POST /api/v1/app-builds) for every environment.' })),
  },
  { additionalProperties: false },
);
type Body = Static<typeof Body>;
const Query = Type.Object(
  { wait: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'Proctor extension: hold the answer up to this many seconds for the run to end; 504 if it does not, or if it exceeded its time limit.' })) },
  { additionalProperties: false },
);

/** `{ error, message }`, the shape of every error of the document; `error` is the status's name. */
const testerArmyError: VendorErrorShape = (e) => ({ status: e.status, body: { error: STATUS_CODES[e.status] ?? 'Error', message: e.message } });

/**
 * TesterArmy: `POST /v1/tests/{testId}/runs` runs the plan whose UUID is `testId`. `mode` selects a
 * plan profile, `platform` filters its environments, `appId` hands an app build to every one.
 * Usage limits: the per-minute limit is an onRequest hook and the active-run limit is enforced in
 * `triggerRun` (`triggerLimits`); both raise RATE_LIMITED, which this scope answers as the
 * document's 429.
 */
export async function testerArmyRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await vendorScope(app, testerArmyError, (scope) => {
    scope.post<{ Params: { testId: string }; Querystring: { wait?: number }; Body: Body | undefined }>('/v1/tests/:testId/runs', {
      config: { auth: 'PLAN_RUN' },
      schema: {
        tags: ['compat: TesterArmy'],
        summary: 'TesterArmy: trigger a test run',
        params: Type.Object({ testId: Type.String({ format: 'uuid' }) }),
        querystring: Query,
        body: Body,
      },
    }, async (req, reply) => {
      const key = keyOf(req.principal);
      const plan = await resolvePlan(deps.store.db, key, req.params.testId);
      const body = req.body ?? {};
      const prepared = await prepareRun(deps, {
        plan,
        profile: body.mode,
        platform: body.platform,
        appBuild: body.appId,
        names: { profile: 'mode', platform: 'platform', appBuild: 'appId' },
      });
      const outcome = await triggerRun(deps.queue, { ...prepared, scenarios: [], source: 'testerarmy', userId: key.userId, ...triggerLimits(deps.config, key) });
      const run = await deps.store.db.selectFrom('runs').select('uuid').where('id', '=', outcome.runId).executeTakeFirstOrThrow();
      const queued = { status: 'queued', runId: run.uuid, testId: plan.uuid };
      if (req.query.wait === undefined) return reply.status(202).send(queued);
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const ended = await waitForRun(deps.store.db, outcome.runId, req.query.wait * 1000, gone.signal);
      // The document's 504: "Test execution exceeded time limit": the wait's, or the run's own.
      if (!ended || ended.endedBy === 'timeout') {
        const why = ended ? 'the run exceeded its time limit (run_timeout) and was stopped' : `the run did not end within ${req.query.wait} s; it goes on`;
        return reply.status(504).send({ error: STATUS_CODES[504], message: `${why}: run ${run.uuid}` });
      }
      return reply.status(200).send({ ...queued, status: ended.status, result: ended.result });
    });
  });
}
