import type { ErrorObject } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { retryAfterOf, toErrorResponse } from '../error-handler.js';
import { registerVendorBodyParsers } from './vendor-body.js';
import { validationSentences, vendorValidatorCompiler } from './vendor-validation.js';

/** An error as every vendor shape starts from it: our code and message, and the HTTP status we chose. */
export interface VendorError {
  status: number;
  /** Our error code (`NOT_FOUND`, `VALIDATION_FAILED`, …), to decide on; never the message. */
  code: string;
  message: string;
  /** The AppError's details, when it has any (a vendor's own message for a case, …). */
  details?: unknown;
}

/** Turns an error into a vendor's status and body. */
export type VendorErrorShape = (e: VendorError, req: FastifyRequest) => { status: number; body: unknown };

/**
 * Registers a vendor's routes in an encapsulated scope that is liberal in what it reads and exact
 * in what it answers, the one place where vendor input is loosened:
 *
 * - bodies as vendors' clients send them (vendor-body.ts): JSON under any JSON media type or
 *   labelled as a form, real forms, an empty body as none;
 * - values coerced to the schema's types, unknown fields ignored (vendor-validation.ts);
 * - every error in the vendor's own shape, validation findings as sentences (`platform must be
 *   one of web, ios, android`): authentication, validation, body parsing and our own errors
 *   alike, never a 500 for a client's mistake. Fastify hands a route's errors (its hooks' too) to
 *   the handler of its scope.
 */
export async function vendorScope(
  app: FastifyInstance,
  shape: VendorErrorShape,
  routes: (scope: FastifyInstance) => void | Promise<void>,
): Promise<void> {
  await app.register(async (scope) => {
    registerVendorBodyParsers(scope);
    scope.setValidatorCompiler(vendorValidatorCompiler());
    scope.setErrorHandler((err, req, reply) => {
      const { status, body, internal } = toErrorResponse(err);
      if (internal) req.log.error({ err }, 'request failed');
      else req.log.info({ code: body.error.code, status }, body.error.message);
      const retryAfter = retryAfterOf(err);
      if (retryAfter !== null) reply.header('retry-after', String(retryAfter));
      const found = (err as { validation?: ErrorObject[]; validationContext?: string }).validation;
      const message = found
        ? validationSentences(found, (err as { validationContext?: string }).validationContext ?? 'body')
        : body.error.message;
      const shaped = shape(
        {
          status,
          code: body.error.code,
          message,
          ...(body.error.details !== undefined ? { details: body.error.details } : {}),
        },
        req,
      );
      return reply.status(shaped.status).send(shaped.body);
    });
    await routes(scope);
  });
}
