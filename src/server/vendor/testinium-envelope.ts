import type { FastifyReply } from 'fastify';
import type { VendorError, VendorErrorShape } from './vendor-scope.js';

/** The Testinium gateway's `result`: a code (0 = success) and a message. */
export interface TestiniumResult {
  code: number;
  message: string;
}

/**
 * Application codes of the gateway, per document. The two documents number the same errors
 * differently (testinium-gateway-queue-run-plan.md: 10000/10002; testinium-gateway-queue-rerun.md:
 * 1000/1002/1006); each endpoint answers with its own document's numbers, since that is what its
 * clients were written against.
 */
export const RUN_PLAN_CODES = {
  planNotFound: { code: 10000, message: 'Plan not found!' },
  userNotFound: { code: 10002, message: 'User not found!' },
} as const satisfies Record<string, TestiniumResult>;

export const RERUN_CODES = {
  planNotFound: { code: 1000, message: 'Plan not found!' },
  userNotFound: { code: 1002, message: 'User not found!' },
  frameworkTypeMandatory: { code: 1006, message: 'frameworkType is mandatory' },
  pairRequired: { code: 1006, message: 'At least one scenarioEnvironmentPair is required' },
} as const satisfies Record<string, TestiniumResult>;

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
 * the documented name (`INVALID_REQUEST`), and `result.detail` says what was wrong and where.
 */
export const testiniumGatewayError: VendorErrorShape = (e: VendorError) => ({
  status: e.status,
  body: { data: null, result: { code: e.status, message: NAMES[e.status] ?? e.code, detail: e.message } },
});
