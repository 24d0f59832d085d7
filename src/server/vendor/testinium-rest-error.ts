import { STATUS_CODES } from 'node:http';
import type { VendorErrorShape } from './vendor-scope.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a Testinium REST route's document calls its 404 (`Test Execution not found`). */
    testiniumNotFound?: string;
  }
}

/** The documents' error messages for their statuses; any other status gets its standard reason. */
const MESSAGES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Test Plan not found',
  409: 'Test plan is already running',
  500: 'Internal Server Error',
};

/**
 * `{ message, detail }`: `message` is the document's error message for the case (an error's own,
 * `details.testinium_message`, else the route's 404, else the status's), `detail` says what was
 * wrong and where, as a sentence.
 */
export const testiniumRestError: VendorErrorShape = (e, req) => {
  const own = (e.details as { testinium_message?: unknown } | undefined)?.testinium_message;
  const notFound = e.status === 404 ? req.routeOptions.config?.testiniumNotFound : undefined;
  const message = typeof own === 'string' ? own : (notFound ?? MESSAGES[e.status] ?? STATUS_CODES[e.status] ?? 'Error');
  return { status: e.status, body: { message, detail: e.message } };
};
