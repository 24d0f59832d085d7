import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { VendorErrorShape } from './vendor-scope.js';

/** TesterArmy's hosted service answers at `/v1/…` (its document) and at `/api/v1/…` (its site). */
export const PREFIXES = ['/v1', '/api/v1'] as const;

/** `{ error, message }`, the shape of every error of TesterArmy's documents; `error` is the status's name. */
export const testerArmyError: VendorErrorShape = (e) => ({
  status: e.status,
  body: { error: STATUS_CODES[e.status] ?? 'Error', message: e.message },
});

/**
 * Every path under `/v1` is TesterArmy's (Proctor's own API lives under `/api`), so a path it does
 * not have answers TesterArmy's 404, `{ error, message }`, not Proctor's shape. Under `/api/v1` an
 * unknown path stays Proctor's: the two APIs share that prefix.
 */
export async function testerArmyNotFound(app: FastifyInstance): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setNotFoundHandler((req, reply) =>
        reply.status(404).send({
          error: STATUS_CODES[404],
          message: `no route ${req.method} ${req.url.split('?')[0]}: TesterArmy's API here has ${TESTERARMY_PATHS}`,
        }),
      );
    },
    { prefix: '/v1' },
  );
}

const TESTERARMY_PATHS =
  'POST /v1/tests/{testId}/runs, GET /v1/runs/{runId}, POST /v1/groups/webhook/{webhookId}/{secret} and /v1/projects/{projectId}/mobile/…';
