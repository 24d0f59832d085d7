import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { resolvePlan } from '../resolve.js';
import { PREFIXES } from './testerarmy-error.js';
import { triggerTesterArmy } from './testerarmy-trigger.js';

const Mobile = Type.Object({
  appId: Type.Optional(
    Type.String({ format: 'uuid', description: 'UUID of an app build, for every environment of the run.' }),
  ),
  bundleId: Type.Optional(Type.String({ description: 'Refused: Proctor picks builds by their UUID (appId).' })),
  artifactUrl: Type.Optional(Type.String({ description: 'Refused: register the URL with POST /api/v1/app-builds.' })),
  artifactFilename: Type.Optional(Type.String()),
  buildId: Type.Optional(Type.String({ description: 'Accepted, not used.' })),
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
  environment: Type.Optional(Type.String({ description: 'Accepted, not used: a plan profile is `mode`.' })),
  projectEnvironmentId: Type.Optional(Type.String({ description: 'Accepted, not used.' })),
  deviceModel: Type.Optional(Type.String({ description: 'Accepted, not used.' })),
});
type Body = Static<typeof Body>;

/**
 * TesterArmy's group webhook, `POST {prefix}/groups/webhook/{webhookId}/{secret}`, which CI calls
 * without an Authorization header: the URL is the credential. In Proctor a group of tests is a plan
 * (its scenarios are the tests), so `webhookId` is the plan's UUID and `secret` a Proctor API key
 * with PLAN_RUN; an Authorization header, when sent, is used instead. The webhook starts one run of
 * the plan and answers its UUID in `runIds`, the list TesterArmy's clients poll with
 * `GET /api/v1/runs/{id}`.
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
        const key = keyOf(req.principal);
        const plan = await resolvePlan(deps.store.db, key, req.params.webhookId);
        const body = req.body ?? {};
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
        return reply.status(202).send({
          received: true,
          status: 'queued',
          groupId: plan.uuid,
          runId: runUuid,
          runIds: [runUuid],
          count: 1,
          ...(mobile.appId !== undefined ? { metadata: { mobile: { resolvedAppId: mobile.appId.toLowerCase() } } } : {}),
        });
      },
    );
  }
}
