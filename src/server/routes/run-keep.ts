import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse, Run } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { setRunKeep } from '../../storage/run-keep.js';
import { getRunView, publicRun } from '../../storage/run-views.js';
import type { ServerDeps } from '../deps.js';
import { loadRun } from '../resolve.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/** `PUT`/`DELETE /api/v1/runs/{run}/keep`: a kept run is never deleted by retention, nor its logs and artifacts. */
export function runKeepRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;
  for (const [method, keep] of [
    ['PUT', true],
    ['DELETE', false],
  ] as const) {
    app.route<{ Params: { run: string } }>({
      method,
      url: '/api/v1/runs/:run/keep',
      config: { auth: 'PLAN_RUN' },
      schema: {
        tags: ['runs'],
        summary: keep
          ? 'Keep a run: retention never deletes it, its logs or its artifacts'
          : 'Stop keeping a run: retention treats it like any other',
        params: Type.Object({ run: Type.String() }),
        response: { 200: Run, ...errors },
      },
      handler: async (req) => {
        const run = await loadRun(db, req.principal, req.params.run);
        if (!(await setRunKeep(db, run.id, keep)))
          throw new AppError(
            'CONFLICT',
            `run ${run.id} is being deleted by the retention policy of its project and can no longer be kept`,
          );
        return publicRun((await getRunView(db, run.id))!);
      },
    });
  }
}
