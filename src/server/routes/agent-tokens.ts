import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { mayManage } from '../../domain/credential-grant.js';
import { parseDuration } from '../../domain/duration.js';
import { ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { RegistrationTokenView } from '../../protocol/resource-views.js';
import {
  createRegistrationToken,
  findRegistrationToken,
  listRegistrationTokens,
  revokeRegistrationToken,
} from '../../storage/registration-tokens.js';
import { registrationTokenView } from '../../storage/resource-views.js';
import { assertManages, requestedGrant } from '../credential-scope.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { numericId } from '../resolve.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** Registration tokens: what an admin hands to machines so their agents can register. */
export function agentTokenRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;
  app.post<{ Body: { name: string; expires_in?: string; projects?: string[] } }>(
    '/api/v1/agents/tokens',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['agents'],
        summary:
          "Create an agent registration token (limited to the caller's projects at most); the response is the only time it is shown",
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            expires_in: Type.Optional(
              Type.String({
                maxLength: 20,
                description: 'How long the token can register agents, e.g. "168h"; default: until revoked.',
              }),
            ),
            projects: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
                maxItems: 100,
                description:
                  "Agents it registers claim only these projects' jobs; default: every project, or the caller's own projects when the caller is limited.",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: RegistrationTokenView, secret: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const now = deps.queue.clock();
      const caller = keyOf(req.principal);
      const { projectIds } = await requestedGrant(db, caller, { authorities: [], projects: req.body.projects });
      let expiresAt: number | null = null;
      if (req.body.expires_in !== undefined) {
        const ms = parseDuration(req.body.expires_in);
        if (ms === null) throw new AppError('VALIDATION_FAILED', 'expires_in: expected a duration like "24h"');
        expiresAt = now + ms;
      }
      const { token, secret } = await createRegistrationToken(
        db,
        { name: req.body.name, createdBy: caller.userId, expiresAt, projectIds },
        now,
      );
      return reply.status(201).send({ token: registrationTokenView(token), secret });
    },
  );

  app.get(
    '/api/v1/agents/tokens',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['agents'],
        summary: 'List registration tokens (never their secrets)',
        response: { 200: Type.Object({ items: Type.Array(RegistrationTokenView) }), ...errors },
      },
    },
    async (req) => {
      const caller = keyOf(req.principal);
      return {
        items: (await listRegistrationTokens(db)).filter((t) => mayManage(caller, t)).map(registrationTokenView),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/agents/tokens/:id',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['agents'],
        summary: 'Revoke a registration token (registered agents keep working)',
        params: Type.Object({ id: Type.String() }),
        response: { 200: RegistrationTokenView, ...errors },
      },
    },
    async (req) => {
      const id = numericId(req.params.id, 'id');
      assertManages(
        keyOf(req.principal),
        await findRegistrationToken(db, id),
        `registration token ${id} does not exist`,
      );
      return registrationTokenView((await revokeRegistrationToken(db, id, deps.queue.clock()))!);
    },
  );
}
