import { AppError } from '../protocol/errors.js';
import type { Authority } from '../protocol/statuses.js';
import type { AgentRecord } from '../storage/agents.js';
import type { ApiKey } from '../storage/api-keys.js';
import type { RegistrationToken } from '../storage/registration-tokens.js';

/** Who is calling: a user's API key or an agent's credential. */
export type Principal =
  | { kind: 'key'; key: ApiKey }
  | { kind: 'agent'; agent: AgentRecord }
  | { kind: 'registration'; token: RegistrationToken | null; key: ApiKey | null };

/**
 * What a route needs from its caller; every route declares one (the authorization matrix checks it).
 * `registration`: an agent registration token, or an API key with ADMIN.
 */
export type RouteAuth = Authority | 'key' | 'agent' | 'registration' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /**
     * The path parameter that carries the API key when a request has no Authorization header: a
     * vendor's webhook URL holds its secret in the path (TesterArmy's group webhook).
     */
    keyFromParam?: string;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function keyOf(p: Principal | undefined): ApiKey {
  if (p?.kind !== 'key')
    throw new AppError('UNAUTHENTICATED', 'this endpoint needs an API key: send Authorization: Bearer <key>');
  return p.key;
}

export function agentOf(p: Principal | undefined): AgentRecord {
  if (p?.kind !== 'agent') throw new AppError('UNAUTHENTICATED', 'this endpoint needs an agent credential');
  return p.agent;
}

export function hasAuthority(key: ApiKey, needed: Authority): boolean {
  return key.authorities.includes('ADMIN') || key.authorities.includes(needed);
}

/** The projects a key may see; null means every project. */
export function projectScope(key: ApiKey): number[] | null {
  return key.projectIds;
}

/**
 * Throws NOT_FOUND with `notFound`, the caller's message for an object that does not exist, unless
 * the key may act in the project: to a key limited to other projects their objects do not exist, so
 * no id or name it tries tells whether another project uses it.
 */
export function assertProject(key: ApiKey, projectId: number, notFound: string): void {
  if (key.projectIds !== null && !key.projectIds.includes(projectId)) throw new AppError('NOT_FOUND', notFound);
}
