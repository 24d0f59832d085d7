import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../protocol/errors.js';
import type { VendorErrorShape } from './vendor-scope.js';

/** TesterArmy's hosted service answers at `/v1/…` (its document) and at `/api/v1/…` (its site). */
export const PREFIXES = ['/v1', '/api/v1'] as const;

/** `{ error, message }`, the shape of every error of TesterArmy's documents; `error` is the status's name. */
export const testerArmyError: VendorErrorShape = (e) => ({
  status: e.status,
  body: { error: STATUS_CODES[e.status] ?? 'Error', message: e.message },
});

/** The methods of TesterArmy's API, which its unknown paths answer with its 404. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Every path under `/v1` is TesterArmy's (Proctor's own API lives under `/api`), so one it does not
 * have answers TesterArmy's 404, `{ error, message }`, in the TesterArmy scope `scope`. A route,
 * not a not-found handler: the dashboard's catch-all `GET /*` would take a GET first, and its
 * not-found is Proctor's. The router prefers every real route to this wildcard. Under `/api/v1`,
 * which Proctor shares, an unknown path stays Proctor's.
 */
export function testerArmyNotFound(scope: FastifyInstance): void {
  scope.route({
    method: [...METHODS],
    url: '/v1/*',
    config: { auth: 'public' },
    schema: { hide: true },
    handler: async (req) => {
      throw new AppError(
        'NOT_FOUND',
        `no route ${req.method} ${req.url.split('?')[0]}: TesterArmy's API here has ${TESTERARMY_PATHS}`,
      );
    },
  });
}

const TESTERARMY_PATHS =
  'POST /v1/tests/{testId}/runs, GET /v1/runs/{runId}, POST /v1/groups/{groupId}/runs, POST /v1/groups/webhook/{webhookId}/{secret} and /v1/projects/{projectId}/mobile/…';
