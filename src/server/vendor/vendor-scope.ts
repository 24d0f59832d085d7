import type { FastifyInstance, FastifyRequest } from 'fastify';
import { retryAfterOf, toErrorResponse } from '../error-handler.js';

/** An error as every vendor shape starts from it: our code and message, and the HTTP status we chose. */
export interface VendorError {
  status: number;
  /** Our error code (`NOT_FOUND`, `VALIDATION_FAILED`, …), to decide on; never the message. */
  code: string;
  message: string;
}

/** Turns an error into a vendor's status and body. */
export type VendorErrorShape = (e: VendorError, req: FastifyRequest) => { status: number; body: unknown };

/**
 * Registers a vendor's routes in an encapsulated scope whose error handler answers in the vendor's
 * own shape: authentication, validation, body parsing and our own errors alike, never a 500 for a
 * client's mistake. Fastify hands a route's errors (its hooks' too) to the handler of its scope.
 */
export async function vendorScope(app: FastifyInstance, shape: VendorErrorShape, routes: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((err, req, reply) => {
      const { status, body, internal } = toErrorResponse(err);
      if (internal) req.log.error({ err }, 'request failed');
      else req.log.info({ code: body.error.code, status }, body.error.message);
      const retryAfter = retryAfterOf(err);
      if (retryAfter !== null) reply.header('retry-after', String(retryAfter));
      const shaped = shape({ status, code: body.error.code, message: body.error.message }, req);
      return reply.status(shaped.status).send(shaped.body);
    });
    routes(scope);
  });
}
