import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { applyPlanFile } from '../apply-plan-file.js';
import type { ServerDeps } from '../deps.js';
import { addressPolicy } from '../outbound-url-check.js';
import { keyOf } from '../principal.js';

const Outcome = Type.Object({
  project: Type.String(),
  dry_run: Type.Boolean(),
  changes: Type.Array(
    Type.Object({
      kind: Type.String(),
      name: Type.String(),
      id: Type.Union([Type.Integer(), Type.Null()]),
      action: Type.String(),
    }),
  ),
  warnings: Type.Array(
    Type.Object({ path: Type.String(), message: Type.String(), line: Type.Optional(Type.Integer()) }),
    {
      description:
        'What the file says that is valid but probably not meant (a plan without a workdir); applied all the same.',
    },
  ),
});

export function applyRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.post<{ Querystring: { dry_run?: boolean }; Body: unknown }>(
    '/api/v1/apply',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['plans'],
        summary: 'Apply a proctor.yaml: create or update its environments and plans, all or nothing',
        description:
          'Send the file as `application/yaml` (or `text/plain`), or its document as JSON. Invalid files are rejected whole with every problem listed by path.',
        querystring: Type.Object({ dry_run: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Outcome, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req) => {
      const body = req.body;
      const source = typeof body === 'string' ? { yaml: body } : { document: body };
      if (body === undefined || body === null || body === '')
        throw new AppError('VALIDATION_FAILED', 'the request body must be a proctor.yaml document');
      return applyPlanFile(deps.store, keyOf(req.principal), source, {
        dryRun: req.query.dry_run === true,
        now: deps.queue.clock(),
        policy: addressPolicy(deps.config),
      });
    },
  );
}
