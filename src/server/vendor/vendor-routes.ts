import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../deps.js';
import { testerArmyRoutes } from './testerarmy.js';
import { testiniumGatewayRoutes } from './testinium-gateway.js';
import { testiniumRestApiRoutes } from './testinium-restapi.js';
import { testsigmaRoutes } from './testsigma.js';

/**
 * The vendors' remote-trigger APIs at their own paths, so a pipeline written for Testinium,
 * TesterArmy or Testsigma works by changing only its base URL and token. Each vendor answers
 * errors in its own shape (see vendor-scope.ts).
 */
export async function vendorRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await testiniumGatewayRoutes(app, deps);
  await testiniumRestApiRoutes(app, deps);
  await testerArmyRoutes(app, deps);
  await testsigmaRoutes(app, deps);
}
