import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import { KeyView } from '../../protocol/resource-views.js';
import { AUTHORITIES, type Authority } from '../../protocol/statuses.js';
import { mayManage } from '../../domain/credential-grant.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../../storage/api-keys.js';
import { keyView } from '../../storage/resource-views.js';
import { ensureUser } from '../../storage/users.js';
import { assertManages, requestedGrant } from '../credential-scope.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { numericId } from '../resolve.js';

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Owner; default: the caller.' })),
    authorities: Type.Array(Type.Enum([...AUTHORITIES]), { minItems: 1, maxItems: 4, uniqueItems: true }),
    projects: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 100,
        description:
          "Limit the key to these projects; default: all, or the caller's own projects when the caller is limited.",
      }),
    ),
    rate_limit_per_minute: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000_000,
        description: 'Requests per minute; 0: unlimited; default: the server default.',
      }),
    ),
    max_active_runs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000_000,
        description: 'Runs of this key queued or running at once; 0: unlimited; default: the server default.',
      }),
    ),
  },
  { additionalProperties: false },
);
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

export function keyRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;
  app.get(
    '/api/v1/keys',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['keys'],
        summary:
          'List API keys (never their secrets); a key limited to some projects sees only keys limited to those projects',
        response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...errors },
      },
    },
    async (req) => {
      const caller = keyOf(req.principal);
      return { items: (await listApiKeys(db)).filter((k) => mayManage(caller, k)).map(keyView) };
    },
  );

  app.post<{
    Body: {
      name: string;
      user?: string;
      authorities: Authority[];
      projects?: string[];
      rate_limit_per_minute?: number;
      max_active_runs?: number;
    };
  }>(
    '/api/v1/keys',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['keys'],
        summary:
          'Create an API key (never with more authorities or wider projects than the caller); the response is the only time its token is shown',
        body: CreateKeyBody,
        response: { 201: Type.Object({ key: KeyView, token: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const caller = keyOf(req.principal);
      const now = deps.queue.clock();
      const grant = await requestedGrant(db, caller, {
        authorities: req.body.authorities,
        projects: req.body.projects,
      });
      const user = req.body.user ? await ensureUser(db, req.body.user, now) : { id: caller.userId };
      const limits = {
        rateLimitPerMinute: req.body.rate_limit_per_minute ?? null,
        maxActiveRuns: req.body.max_active_runs ?? null,
      };
      const created = await createApiKey(db, { userId: user.id, name: req.body.name, ...grant, ...limits }, now);
      return reply.status(201).send({ key: keyView(created.key), token: created.token });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/keys/:id',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key',
        params: Type.Object({ id: Type.String() }),
        response: { 200: KeyView, ...errors },
      },
    },
    async (req) => {
      const id = numericId(req.params.id, 'id');
      const key = await getApiKey(db, id);
      assertManages(keyOf(req.principal), key, `API key ${id} does not exist`);
      await revokeApiKey(db, id, deps.queue.clock());
      return keyView((await getApiKey(db, id))!);
    },
  );
}
