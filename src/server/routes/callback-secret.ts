import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { findProject } from '../../storage/projects.js';
import { ensureCallbackSecrets, rotateCallbackSecrets, type SigningSecrets } from '../../storage/signing-secrets.js';
import type { ServerDeps } from '../deps.js';
import { assertProject, keyOf } from '../principal.js';

const Params = Type.Object({
  project: Type.String({ minLength: 1, maxLength: 100, description: 'Project id or name.' }),
});
const SecretView = Type.Object({
  project: Type.Object({ id: Type.Integer(), name: Type.String() }),
  secret: Type.String({ description: '`whsec_…`: signs the callbacks of every run of the project.' }),
  previous_secret: Type.Union([Type.String(), Type.Null()]),
  previous_secret_expires_at: Type.Union([Type.String(), Type.Null()]),
});
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

function view(project: { id: number; name: string }, s: SigningSecrets) {
  const live = s.previous !== null && s.previousExpiresAt !== null;
  return {
    project,
    secret: s.current,
    previous_secret: live ? s.previous : null,
    previous_secret_expires_at: live ? new Date(s.previousExpiresAt!).toISOString() : null,
  };
}

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
        response: { 200: SecretView, ...errors },
      },
    },
    async (req) => {
      const p = await load(req.principal, req.params.project);
      return view(p, await ensureCallbackSecrets(db, p.id));
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
        response: { 200: SecretView, ...errors },
      },
    },
    async (req) => {
      const p = await load(req.principal, req.params.project);
      return view(p, await rotateCallbackSecrets(db, p.id, deps.queue.clock()));
    },
  );
}
