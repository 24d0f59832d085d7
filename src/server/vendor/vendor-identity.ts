import { AppError, isAppError } from '../../protocol/errors.js';
import type { ApiKey } from '../../storage/api-keys.js';
import type { PlanRecord } from '../../storage/plans.js';
import { findUser } from '../../storage/users.js';
import type { ServerDeps } from '../deps.js';
import { hasAuthority } from '../principal.js';
import { resolvePlan } from '../resolve.js';

/**
 * The plan a vendor's id names, or undefined when it does not exist or the key may not see it (both
 * are NOT_FOUND from resolvePlan): the vendors' documents know only "not found", and a key must not
 * learn what other projects hold.
 */
export async function visiblePlan(deps: ServerDeps, key: ApiKey, ref: string): Promise<PlanRecord | undefined> {
  try {
    return await resolvePlan(deps.store.db, key, ref);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}

/**
 * The user a trigger acts for (Testinium's `userId`): the key's own user, or, for an ADMIN key, any
 * existing user. Returns null for an ADMIN naming a user that does not exist. Another key naming
 * someone else is refused (403) whether or not that user exists, so it cannot probe for users.
 */
export async function actingUser(deps: ServerDeps, key: ApiKey, userId: number): Promise<number | null> {
  if (userId === key.userId) return userId;
  if (!hasAuthority(key, 'ADMIN')) {
    throw new AppError('FORBIDDEN', `this key belongs to user ${key.userId} and may not act for user ${userId}`);
  }
  return (await findUser(deps.store.db, userId))?.id ?? null;
}
