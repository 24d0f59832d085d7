import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../protocol/errors.js';
import { authenticateAgent } from '../storage/agents.js';
import { authenticateApiKey } from '../storage/api-keys.js';
import { authenticateRegistrationToken } from '../storage/registration-tokens.js';
import type { Store } from '../storage/database.js';
import { hasAuthority, type RouteAuth } from './principal.js';

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h === undefined) return keyInPath(req);
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new AppError('UNAUTHENTICATED', 'malformed Authorization header: expected "Bearer <key>"');
  return m[1] as string;
}

/** The key a vendor's webhook URL carries in its path, for a route that declares `keyFromParam`. */
function keyInPath(req: FastifyRequest): string | null {
  const param = req.routeOptions.config?.keyFromParam;
  const value = param ? (req.params as Record<string, string | undefined>)[param] : undefined;
  return value ? value : null;
}

/**
 * Authenticates every request against the `auth` its route declares. A route without a declaration
 * is refused outright, so a new route cannot be public by accident.
 */
export function registerAuth(app: FastifyInstance, store: Store, clock: () => number): void {
  app.addHook('onRequest', async (req) => {
    const auth: RouteAuth | undefined = req.routeOptions.config?.auth;
    if (auth === 'public') return;
    if (auth === undefined) {
      // Fastify's own 404 route has no config; let the not-found handler answer.
      if (req.routeOptions.url === undefined) return;
      throw new AppError('FORBIDDEN', 'this route declares no authorization and is closed');
    }
    const token = bearer(req);
    if (token === null) throw new AppError('UNAUTHENTICATED', 'missing API key: send Authorization: Bearer <key>');
    if (auth === 'agent') {
      const agent = await authenticateAgent(store.db, store.cap, token);
      if (!agent)
        throw new AppError('UNAUTHENTICATED', 'unknown or retired agent credential: register the agent again');
      req.principal = { kind: 'agent', agent };
      return;
    }
    if (auth === 'registration' && token.startsWith('rt_')) {
      const reg = await authenticateRegistrationToken(store.db, token, clock());
      if (!reg)
        throw new AppError(
          'UNAUTHENTICATED',
          'unknown, expired or revoked registration token: create one with proctor agents token create',
        );
      req.principal = { kind: 'registration', token: reg, key: null };
      return;
    }
    const key = await authenticateApiKey(store.db, store.cap, token);
    if (key === 'revoked')
      throw new AppError('UNAUTHENTICATED', 'this API key was revoked: create a new one with proctor keys create');
    if (!key) throw new AppError('UNAUTHENTICATED', 'unknown API key: check PROCTOR_TOKEN');
    const needed = auth === 'registration' ? 'ADMIN' : auth;
    if (needed !== 'key' && !hasAuthority(key, needed))
      throw new AppError('FORBIDDEN', `this key lacks the ${needed} authority`);
    req.principal = auth === 'registration' ? { kind: 'registration', token: null, key } : { kind: 'key', key };
  });
}
