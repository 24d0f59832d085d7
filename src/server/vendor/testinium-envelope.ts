import type { FastifyReply } from 'fastify';
import type { VendorError, VendorErrorShape } from './vendor-scope.js';

/** The Testinium gateway's `result`: a code (0 = success) and a message. */
export interface TestiniumResult {
  code: number;
  message: string;
}

/**
 * Application codes of the gateway, per document. The documents number the same errors
 * differently (testinium-gateway-queue-run-plan.md and the v2.0 pages: 10000/10002;
 * testinium-gateway-queue-rerun.md: 1000/1002/1006); each request is answered with the numbers of
 * the document its client was written against.
 */
export const RUN_PLAN_CODES = {
  planNotFound: { code: 10000, message: 'Plan not found!' },
  userNotFound: { code: 10002, message: 'User not found!' },
} as const satisfies Record<string, TestiniumResult>;

export const RERUN_CODES = {
  planNotFound: { code: 1000, message: 'Plan not found!' },
  userNotFound: { code: 1002, message: 'User not found!' },
  pairRequired: { code: 1006, message: 'At least one scenarioEnvironmentPair is required' },
} as const satisfies Record<string, TestiniumResult>;

/**
 * testinium-enterprise-1.16.7/plan/rerun-test-plan-v2.0.md: the same route without
 * `frameworkType`, its codes those of the run document and its messages naming the id.
 */
export const RERUN_V2_CODES = {
  planNotFound: (planId: number): TestiniumResult => ({ code: 10000, message: `Plan with id ${planId} not found!` }),
  userNotFound: (userId: number): TestiniumResult => ({ code: 10002, message: `User with id ${userId} not found!` }),
};

/** The v2.0 pages' code for a request without valid credentials (HTTP 401), Spring Security's words. */
export const AUTHENTICATION_REQUIRED = {
  code: 1000,
  message: 'Full authentication is required to access this resource',
} as const satisfies TestiniumResult;

/** `{ data: null, result: { code: 0, message: "success" } }`, the documented success. */
export const SUCCESS = { data: null, result: { code: 0, message: 'success' } } as const;

/**
 * Answers an application error. Its HTTP status is 400: the documents list only 400 and 500, and
 * an application error is a request that "contained errors"; clients decide on `result.code`.
 */
export function sendApplicationError(reply: FastifyReply, result: TestiniumResult): FastifyReply {
  return reply.status(400).send({ data: null, result });
}

/** HTTP error names as the documents spell them (400 and 500); the others in the same style. */
const NAMES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
};

/**
 * Every other error in the gateway's envelope: `result.code` is the HTTP status, `result.message`
 * the documented name (`INVALID_REQUEST`), and `result.detail` says what was wrong and where. A 401
 * carries the v2.0 pages' application code 1000 (the other pages list no 401).
 */
export const testiniumGatewayError: VendorErrorShape = (e: VendorError) => ({
  status: e.status,
  body: {
    data: null,
    result: {
      ...(e.status === 401 ? AUTHENTICATION_REQUIRED : { code: e.status, message: NAMES[e.status] ?? e.code }),
      detail: e.message,
    },
  },
});
