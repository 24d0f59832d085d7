/**
 * The one error type of Proctor. Callers decide on `code`, never on message text; the HTTP status
 * of each code is decided here and only here.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  AMBIGUOUS: 409,
  PLAN_ALREADY_RUNNING: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  LEASE_LOST: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  /** Where the problem is, as a dotted path (`plans.unit.timeout`) or a JSON pointer. */
  path?: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[] | Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: readonly ErrorDetail[] | Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }

  get httpStatus(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The wire shape of every error of the native API. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * The `error` of an error answer's body, or undefined when the body is not the native API's error
 * shape (a proxy's page, an empty body): the one reading of an error for the agent and the CLI.
 */
export function readErrorBody(text: string): ErrorBody['error'] | undefined {
  try {
    return (JSON.parse(text) as Partial<ErrorBody> | null)?.error;
  } catch {
    return undefined;
  }
}
