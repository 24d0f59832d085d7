import { AppError } from '../protocol/errors.js';
import type { Authority } from '../protocol/statuses.js';

/**
 * What a credential holds: the authorities of an API key (agents and registration tokens hold
 * none of a user's) and the projects it is limited to, null for every project.
 */
export interface Holding {
  authorities: readonly Authority[];
  projectIds: readonly number[] | null;
}

/** A credential's reach: what `grantFrom` lets a caller give. */
export interface Grant {
  authorities: Authority[];
  projectIds: number[] | null;
}

function holds(h: Holding, a: Authority): boolean {
  return h.authorities.includes('ADMIN') || h.authorities.includes(a);
}

/**
 * The one rule for every credential a caller creates (API keys, agent registration tokens, the
 * agents those register): never an authority the caller does not hold, never a project outside
 * its own. A caller limited to some projects that names none grants its own projects, not every
 * project. Throws FORBIDDEN naming what cannot be granted.
 *
 * @example
 * grantFrom({ authorities: ['ADMIN'], projectIds: [2] }, { authorities: ['ADMIN'], projectIds: undefined })
 * // → { authorities: ['ADMIN'], projectIds: [2] }
 */
export function grantFrom(
  caller: Holding,
  asked: { authorities: readonly Authority[]; projectIds: readonly number[] | undefined },
): Grant {
  const missing = asked.authorities.filter((a) => !holds(caller, a));
  if (missing.length > 0) {
    throw new AppError('FORBIDDEN', `authorities: this key cannot grant ${missing.join(', ')}, which it does not hold`);
  }
  if (caller.projectIds === null)
    return {
      authorities: [...asked.authorities],
      projectIds: asked.projectIds === undefined ? null : [...new Set(asked.projectIds)],
    };
  if (asked.projectIds === undefined)
    return { authorities: [...asked.authorities], projectIds: [...caller.projectIds] };
  return { authorities: [...asked.authorities], projectIds: [...new Set(asked.projectIds)] };
}

/** Whether `project` is one the caller may name in a grant (its own projects, or any for an unlimited caller). */
export function mayGrantProject(caller: Holding, projectId: number): boolean {
  return caller.projectIds === null || caller.projectIds.includes(projectId);
}

/**
 * Whether the caller may see and revoke a credential: an unlimited caller every one, a limited
 * caller only those limited to projects within its own (an unlimited credential reaches beyond them).
 */
export function mayManage(caller: Holding, credential: { projectIds: readonly number[] | null }): boolean {
  if (caller.projectIds === null) return true;
  const own = caller.projectIds;
  return credential.projectIds?.every((id) => own.includes(id)) ?? false;
}
