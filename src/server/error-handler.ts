import type { FastifyError, FastifyInstance } from 'fastify';
import { closest } from '../domain/closest-name.js';
import { AppError, ERROR_STATUS, type ErrorBody, type ErrorCode } from '../protocol/errors.js';

/** Fastify's own error codes for client mistakes, mapped onto ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_BAD_URL: 'MALFORMED_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'MALFORMED_REQUEST',
};

/** Turns any thrown error into `{ error: { code, message, details } }` with the right status. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (err instanceof AppError) {
    return {
      status: err.httpStatus,
      body: { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } },
      internal: false,
    };
  }
  const fe = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fe.validation) {
    const details = fe.validation.map((v) => issueDetail(fe.validationContext ?? 'body', v));
    const message = details.map((d) => `${d.path}: ${d.message}`).join('; ');
    return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message, details } }, internal: false };
  }
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped)
    return { status: ERROR_STATUS[mapped], body: { error: { code: mapped, message: fe.message } }, internal: false };
  if (
    err instanceof SyntaxError ||
    (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
  ) {
    const status =
      typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 400;
    return {
      status,
      body: { error: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'MALFORMED_REQUEST', message: fe.message } },
      internal: false,
    };
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'internal error; the server log has the details' } },
    internal: true,
  };
}

type ValidationIssue = {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { additionalProperty?: string };
  parentSchema?: { properties?: Record<string, unknown> };
};

/** `querystring.projct: unknown parameter (did you mean project?); expected one of project`, or the validator's own words. */
function issueDetail(context: string, v: ValidationIssue): { path: string; message: string } {
  const at = `${context}${(v.instancePath ?? '').replace(/\//g, '.')}`;
  const extra = v.keyword === 'additionalProperties' ? v.params?.additionalProperty : undefined;
  if (extra === undefined) return { path: at, message: v.message ?? 'is invalid' };
  const known = Object.keys(v.parentSchema?.properties ?? {});
  const near = closest(extra, known);
  const what = context === 'querystring' ? 'parameter' : 'field';
  const expected = known.length ? `expected one of ${known.join(', ')}` : `this route takes no ${what}s`;
  return { path: `${at}.${extra}`, message: `unknown ${what}${near ? ` (did you mean ${near}?)` : ''}; ${expected}` };
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { status, body, internal } = toErrorResponse(err);
    if (internal) req.log.error({ err }, 'request failed');
    else req.log.info({ code: body.error.code, status }, body.error.message);
    const retryAfter = retryAfterOf(err);
    if (retryAfter !== null) reply.header('retry-after', String(retryAfter));
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );
}

/**
 * The `Retry-After` seconds an AppError carries in `details.retry_after_s` (RATE_LIMITED, UNAVAILABLE);
 * compatibility routes with their own error shapes read it the same way.
 */
export function retryAfterOf(err: unknown): number | null {
  if (!(err instanceof AppError) || !err.details || Array.isArray(err.details)) return null;
  const v = (err.details as Record<string, unknown>).retry_after_s;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.ceil(v) : null;
}
