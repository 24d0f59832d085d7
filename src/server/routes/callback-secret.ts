import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { CallbackSecretView } from '../../protocol/webhooks.js';
import { findProject } from '../../storage/projects.js';
import { callbackSecretView } from '../../storage/resource-views.js';
import { ensureCallbackSecrets, rotateCallbackSecrets } from '../../storage/signing-secrets.js';
import type { ServerDeps } from '../deps.js';
import { assertProject, keyOf } from '../principal.js';

const Params = Type.Object({
  project: Type.String({ minLength: 1, maxLength: 100, description: 'Project id or name.' }),
});
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** The secret that signs a project's run callbacks (`callback_url`): read it, rotate it. ADMIN only. */
export function callbackSecretRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;
  const load = async (principal: unknown, ref: string) => {
    const p = await findProject(db, ref);
    const missing = `project "${ref}" does not exist`;
    if (!p) throw new AppError('NOT_FOUND', missing);
    assertProject(keyOf(principal as never), p.id, missing);
    return p;
  };

  app.get<{ Params: { project: string } }>(
    '/api/v1/projects/:project/callback-secret',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['webhooks'],
        summary: "The secret that signs the project's run callbacks (created on first use)",
        params: Params,
        response: { 200: CallbackSecretView, ...errors },
      },
    },
    async (req) => {
      const p = await load(req.principal, req.params.project);
      return callbackSecretView(p, await ensureCallbackSecrets(db, p.id));
    },
  );

  app.post<{ Params: { project: string } }>(
    '/api/v1/projects/:project/callback-secret/rotate',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the callback secret; the old one keeps signing for 24 h',
        params: Params,
        response: { 200: CallbackSecretView, ...errors },
      },
    },
    async (req) => {
      const p = await load(req.principal, req.params.project);
      return callbackSecretView(p, await rotateCallbackSecrets(db, p.id, deps.queue.clock()));
    },
  );
}
