import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.js';
import type { ServerDeps } from './deps.js';
import { registerErrorHandler } from './error-handler.js';
import { strictQueries, validatorCompiler } from './validation.js';
import { agentRoutes } from './routes/agent.js';
import { agentTokenRoutes } from './routes/agent-tokens.js';
import { artifactRoutes } from './routes/artifacts.js';
import { agentsRoutes } from './routes/agents.js';
import { applyRoutes } from './routes/apply.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { environmentRoutes } from './routes/environments.js';
import { keyRoutes } from './routes/keys.js';
import { meRoutes } from './routes/me.js';
import { planHistoryRoute } from './routes/plan-history.js';
import { planRoutes } from './routes/plans.js';
import { runRoutes } from './routes/runs.js';
import { callbackSecretRoutes } from './routes/callback-secret.js';
import { webhookRoutes } from './routes/webhooks.js';
import { registerUsageLimits } from './usage-limits.js';
import { agentAppBuildRoutes } from './routes/agent-app-builds.js';
import { appBuildRoutes } from './routes/app-builds.js';
import { runRerunRoute } from './routes/run-rerun.js';
import { vendorRoutes } from './vendor/vendor-routes.js';
import { adminRoutes } from './routes/admin.js';
import { runKeepRoutes } from './routes/run-keep.js';

export interface BuildAppOptions {
  /**
   * Called for every route as it is added; the authorization matrix test collects them this way,
   * and the hostile-strings test reads the text fields of each from its schema.
   */
  onRoute?: (route: { method: string | string[]; url: string; auth: string | undefined; schema?: unknown }) => void;
  /** The dashboard's Vite build (`dist/web`); without one, `/` says how to build it. */
  webRoot?: string;
}

/** Builds the HTTP server with every route; listening is the caller's business. */
export async function buildApp(deps: ServerDeps, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimit,
    // Never let a request body rewrite an object's prototype.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(validatorCompiler());
  registerErrorHandler(app);
  app.addHook('onRoute', (r) => {
    // The docs plugin's own routes are public like the document they render.
    if (r.url.startsWith('/api/docs')) r.config = { ...(r.config ?? {}), auth: 'public' };
    strictQueries(r as Parameters<typeof strictQueries>[0]);
  });
  if (opts.onRoute) {
    const hook = opts.onRoute;
    app.addHook('onRoute', (r) => hook({ method: r.method, url: r.url, auth: r.config?.auth, schema: r.schema }));
  }
  registerAuth(app, deps.store, deps.queue.clock);
  registerUsageLimits(app, deps);
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Proctor API',
        version: '1',
        description:
          'Trigger test plans, follow runs, read results. Every endpoint needs `Authorization: Bearer <key>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/api/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
  app.get('/api/health', { config: { auth: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  meRoutes(app, deps);
  keyRoutes(app, deps);
  applyRoutes(app, deps);
  planRoutes(app, deps);
  environmentRoutes(app, deps);
  runRoutes(app, deps);
  agentRoutes(app, deps);
  webhookRoutes(app, deps);
  callbackSecretRoutes(app, deps);
  agentTokenRoutes(app, deps);
  await artifactRoutes(app, deps);
  agentsRoutes(app, deps);
  planHistoryRoute(app, deps);
  runRerunRoute(app, deps);
  runKeepRoutes(app, deps);
  adminRoutes(app, deps);
  await appBuildRoutes(app, deps);
  agentAppBuildRoutes(app, deps);
  await vendorRoutes(app, deps);
  await dashboardRoutes(app, opts.webRoot);
  return app;
}
