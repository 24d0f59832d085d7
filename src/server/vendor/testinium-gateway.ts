import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import { lastRunHolding, lastRunOfPlan, rerunRun } from '../../queue/rerun.js';
import { triggerRun } from '../../queue/trigger.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { prepareRun } from '../run-request.js';
import { triggerLimits } from '../usage-limits.js';
import {
  RERUN_CODES,
  RERUN_V2_CODES,
  RUN_PLAN_CODES,
  SUCCESS,
  sendApplicationError,
  testiniumGatewayError,
} from './testinium-envelope.js';
import { selectedAppBuilds } from './testinium-read.js';
import { actingUser, visiblePlan } from './vendor-identity.js';
import { vendorScope } from './vendor-scope.js';

// `Long` in the documents: a JSON number, or digits in a string (the vendor scope coerces them).
const Long = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Pair = Type.Object({ scenarioId: Long, environmentId: Long });
// Unknown fields are ignored, as the gateway's own JSON reader does; a wrong type is a 400.
const QueueBody = Type.Object({
  planId: Long,
  userId: Long,
  frameworkType: Type.Optional(Type.Unknown()),
  scenarioEnvironmentPairs: Type.Optional(Type.Array(Pair, { maxItems: 10_000 })),
  scenarioId: Type.Optional(Long),
  environmentId: Type.Optional(Long),
});
type QueueBody = Static<typeof QueueBody>;

/**
 * Testinium's gateway: `POST /queue` runs a plan, `POST /queue/rerun` reruns chosen scenario ×
 * environment pairs of the plan's last run. Plan, scenario and environment ids are Proctor's ids;
 * `userId` is the Proctor user the run is triggered for (GET /api/v1/me shows a key's).
 *
 * Two documents describe the rerun: testinium-gateway-queue-rerun.md sends `frameworkType` and
 * numbers its errors 1000/1002/1006; rerun-test-plan-v2.0.md sends none and numbers them
 * 10000/10002. Whether the body has `frameworkType` says which document its client follows, and it
 * is answered in that one's codes. The framework is always the plan's (a rerun repeats its
 * parent's plan snapshot), so `frameworkType`, when sent, is read and not needed.
 */
export async function testiniumGatewayRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await vendorScope(app, testiniumGatewayError, (scope) => {
    const schema = { tags: ['compat: Testinium'], body: QueueBody };
    scope.post<{ Body: QueueBody }>(
      '/queue',
      {
        config: { auth: 'PLAN_RUN' },
        schema: { ...schema, summary: 'Testinium gateway: run a test plan' },
      },
      async (req, reply) => {
        // testinium-gateway-queue-rerun.md gives `/queue` as its URL but `/queue/rerun` in its example;
        // the example is what clients send, and a rerun body sent to `/queue` is honoured as well.
        if (req.body.scenarioEnvironmentPairs !== undefined || req.body.scenarioId !== undefined)
          return rerun(deps, req.body, reply, keyOf(req.principal));
        return runPlan(deps, req.body, reply, keyOf(req.principal));
      },
    );
    scope.post<{ Body: QueueBody }>(
      '/queue/rerun',
      {
        config: { auth: 'PLAN_RUN' },
        schema: { ...schema, summary: "Testinium gateway: rerun scenario × environment pairs of the plan's last run" },
      },
      async (req, reply) => rerun(deps, req.body, reply, keyOf(req.principal)),
    );
  });
}

type Key = ReturnType<typeof keyOf>;

async function runPlan(deps: ServerDeps, body: QueueBody, reply: FastifyReply, key: Key) {
  const plan = await visiblePlan(deps, key, String(body.planId));
  if (!plan) return sendApplicationError(reply, RUN_PLAN_CODES.planNotFound);
  const userId = await actingUser(deps, key, Number(body.userId));
  if (userId === null) return sendApplicationError(reply, RUN_PLAN_CODES.userNotFound);
  const prepared = await prepareRun(deps, { plan });
  // The plan's selected mobile apps (PUT …/setAndroidMobileApp/{id}) go with every Testinium trigger.
  const appBuilds = { ...(await selectedAppBuilds(deps.store.db, plan, prepared.environments)), ...prepared.appBuilds };
  const outcome = await triggerRun(deps.queue, {
    ...prepared,
    appBuilds,
    scenarios: [],
    source: 'testinium',
    userId,
    ...triggerLimits(deps.config, key),
  });
  // The document returns no data; the run is still findable, and Location says where.
  return reply.header('location', `/api/v1/runs/${outcome.runId}`).send(SUCCESS);
}

async function rerun(deps: ServerDeps, body: QueueBody, reply: FastifyReply, key: Key) {
  const v1 = body.frameworkType !== undefined;
  const plan = await visiblePlan(deps, key, String(body.planId));
  if (!plan)
    return sendApplicationError(
      reply,
      v1 ? RERUN_CODES.planNotFound : RERUN_V2_CODES.planNotFound(Number(body.planId)),
    );
  const userId = await actingUser(deps, key, Number(body.userId));
  if (userId === null)
    return sendApplicationError(
      reply,
      v1 ? RERUN_CODES.userNotFound : RERUN_V2_CODES.userNotFound(Number(body.userId)),
    );
  const pairs = body.scenarioEnvironmentPairs?.length
    ? body.scenarioEnvironmentPairs
    : body.scenarioId !== undefined
      ? [topLevelPair(body)]
      : [];
  if (pairs.length === 0) {
    // The v2.0 page has no code for this; its clients get the documented 400 INVALID_REQUEST.
    if (v1) return sendApplicationError(reply, RERUN_CODES.pairRequired);
    throw new AppError(
      'VALIDATION_FAILED',
      'scenarioEnvironmentPairs: list at least one { scenarioId, environmentId } pair to rerun',
    );
  }
  const refs = pairs.map((p) => ({ scenario: Number(p.scenarioId), environment: Number(p.environmentId) }));
  // "The last executed results" that hold these pairs: the plan's newest run may be a rerun of
  // other pairs. When no run holds them all, the newest run names what is wrong with them.
  const holding = await lastRunHolding(
    deps.store.db,
    plan.id,
    refs.map((r) => ({ scenarioId: r.scenario, environmentId: r.environment })),
  );
  const parentId = holding ?? (await lastRunOfPlan(deps.store.db, plan.id));
  if (parentId === undefined)
    throw new AppError('VALIDATION_FAILED', `planId: plan ${plan.id} has never run; there are no results to rerun`);
  const path = body.scenarioEnvironmentPairs?.length ? 'scenarioEnvironmentPairs' : '(body)';
  const outcome = await rerunRun(
    deps.queue,
    parentId,
    { pairs: refs, path },
    { source: 'testinium', userId, ...triggerLimits(deps.config, key) },
  );
  return reply.header('location', `/api/v1/runs/${outcome.runId}`).send(SUCCESS);
}

/**
 * The document also lists `scenarioId` and `environmentId` at the top level ("required when
 * scenarioEnvironmentPairs is not used"): one pair. Without an environment it names no pair at all.
 */
function topLevelPair(body: QueueBody): { scenarioId: number; environmentId: number } {
  if (body.environmentId === undefined)
    throw new AppError(
      'VALIDATION_FAILED',
      'environmentId: required with a top-level scenarioId (or send scenarioEnvironmentPairs)',
    );
  return { scenarioId: body.scenarioId!, environmentId: body.environmentId };
}
