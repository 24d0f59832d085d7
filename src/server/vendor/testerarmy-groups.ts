import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import type { ServerDeps } from '../deps.js';
import { keyOf, type Principal } from '../principal.js';
import { resolvePlan } from '../resolve.js';
import { PREFIXES } from './testerarmy-error.js';
import { triggerTesterArmy } from './testerarmy-trigger.js';

const Mobile = Type.Object({
  appId: Type.Optional(
    Type.String({ format: 'uuid', description: 'UUID of an app build, for every environment of the run.' }),
  ),
  bundleId: Type.Optional(
    Type.String({ maxLength: 500, description: 'Refused: Proctor picks builds by their UUID (appId).' }),
  ),
  artifactUrl: Type.Optional(
    Type.String({ maxLength: 2000, description: 'Refused: register the URL with POST /api/v1/app-builds.' }),
  ),
  artifactFilename: Type.Optional(Type.String({ maxLength: 500 })),
  buildId: Type.Optional(Type.String({ maxLength: 500, description: 'Accepted, not used.' })),
});
const Body = Type.Object({
  platform: Type.Optional(
    Type.Enum(['web', 'ios', 'android'], { description: "Only the plan's environments of this platform." }),
  ),
  commitSha: Type.Optional(Type.String({ maxLength: 200, description: "The run's build label." })),
  targetUrl: Type.Optional(
    Type.String({ maxLength: 2000, description: 'Handed to the tests as the run parameter TARGET_URL.' }),
  ),
  mobile: Type.Optional(Mobile),
  environment: Type.Optional(
    Type.String({ maxLength: 100, description: 'Accepted, not used: a plan profile is `mode`.' }),
  ),
  projectEnvironmentId: Type.Optional(Type.String({ maxLength: 100, description: 'Accepted, not used.' })),
  deviceModel: Type.Optional(Type.String({ maxLength: 100, description: 'Accepted, not used.' })),
  prNumber: Type.Optional(Type.Integer({ description: 'Accepted, not used.' })),
});
type Body = Static<typeof Body>;

/**
 * TesterArmy's group triggers. In Proctor a group of tests is a plan (its scenarios are the tests),
 * so a group's id is the plan's UUID, and a trigger starts one run of the plan whose UUID is the one
 * id in `runIds`, the list TesterArmy's clients poll with `GET /api/v1/runs/{id}`:
 *
 * - the group webhook, `POST {prefix}/groups/webhook/{webhookId}/{secret}`, which CI calls without
 *   an Authorization header: the URL is the credential, so `secret` is a Proctor API key with
 *   PLAN_RUN (an Authorization header, when sent, is used instead);
 * - the group run of TesterArmy's API reference, `POST {prefix}/groups/{groupId}/runs`, with the
 *   key as a Bearer token; its batch is the run.
 */
export async function testerArmyGroupRoutes(scope: FastifyInstance, deps: ServerDeps): Promise<void> {
  for (const prefix of PREFIXES) {
    scope.post<{ Params: { webhookId: string; secret: string }; Body: Body | undefined }>(
      `${prefix}/groups/webhook/:webhookId/:secret`,
      {
        config: { auth: 'PLAN_RUN', keyFromParam: 'secret' },
        schema: {
          tags: ['compat: TesterArmy'],
          summary: "TesterArmy: trigger a group webhook (a run of the plan; the URL's secret is an API key)",
          // The URL carries the key; an Authorization header, if sent, is used instead.
          security: [],
          params: Type.Object({
            webhookId: Type.String({ format: 'uuid', description: "The plan's UUID." }),
            secret: Type.String({ maxLength: 200, description: 'A Proctor API key with PLAN_RUN.' }),
          }),
          body: Body,
        },
      },
      async (req, reply) => {
        const t = await triggerGroup(req.principal, req.params.webhookId, req.body ?? {}, prefix);
        return reply.status(202).send({
          received: true,
          status: 'queued',
          groupId: t.groupId,
          runId: t.runUuid,
          runIds: [t.runUuid],
          count: 1,
          ...t.metadata,
        });
      },
    );

    scope.post<{ Params: { groupId: string }; Body: Body | undefined }>(
      `${prefix}/groups/:groupId/runs`,
      {
        config: { auth: 'PLAN_RUN' },
        schema: {
          tags: ['compat: TesterArmy'],
          summary: 'TesterArmy: trigger a test group run (a run of the plan)',
          params: Type.Object({ groupId: Type.String({ format: 'uuid', description: "The plan's UUID." }) }),
          body: Body,
        },
      },
      async (req, reply) => {
        const t = await triggerGroup(req.principal, req.params.groupId, req.body ?? {}, prefix);
        return reply.status(202).send({
          status: 'queued',
          groupId: t.groupId,
          batchId: t.runUuid,
          runIds: [t.runUuid],
          queuedRunIds: [t.runUuid],
          cancelledRunIds: [],
          count: 1,
          ...t.metadata,
        });
      },
    );
  }

  /** Runs the plan a group id names, as the body asks. */
  async function triggerGroup(principal: Principal | undefined, groupId: string, body: Body, prefix: string) {
    const key = keyOf(principal);
    const plan = await resolvePlan(deps.store.db, key, groupId);
    const mobile = body.mobile ?? {};
    if (mobile.bundleId !== undefined || mobile.artifactUrl !== undefined) {
      const field = mobile.bundleId !== undefined ? 'mobile.bundleId' : 'mobile.artifactUrl';
      throw new AppError(
        'VALIDATION_FAILED',
        `${field} is not supported here: send mobile.appId, the UUID of an app build (POST ${prefix}/projects/{project}/mobile/upload, or POST /api/v1/app-builds)`,
      );
    }
    const { runUuid } = await triggerTesterArmy(deps, key, plan, {
      platform: body.platform,
      appId: mobile.appId,
      build: body.commitSha,
      parameters: body.targetUrl !== undefined ? { TARGET_URL: body.targetUrl } : undefined,
      names: { appId: 'mobile.appId' },
    });
    const metadata =
      mobile.appId !== undefined ? { metadata: { mobile: { resolvedAppId: mobile.appId.toLowerCase() } } } : {};
    return { groupId: plan.uuid, runUuid, metadata };
  }
}
