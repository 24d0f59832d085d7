import type { Kysely } from 'kysely';
import { grantFrom, mayGrantProject, mayManage, type Grant, type Holding } from '../domain/credential-grant.js';
import { AppError } from '../protocol/errors.js';
import type { Authority } from '../protocol/statuses.js';
import { findProject } from '../storage/projects.js';
import type { Database } from '../storage/schema.js';

/**
 * What a new credential may hold, for a request that names its authorities and, optionally, its
 * projects by name: `grantFrom`'s rule, with the names resolved. A project the caller may not
 * grant is answered like one that does not exist, so a limited key learns no other project's name.
 */
export async function requestedGrant(
  db: Kysely<Database>,
  caller: Holding,
  asked: { authorities: readonly Authority[]; projects: readonly string[] | undefined },
): Promise<Grant> {
  let projectIds: number[] | undefined;
  if (asked.projects !== undefined) {
    projectIds = [];
    for (const name of asked.projects) {
      const p = await findProject(db, name);
      if (!p || !mayGrantProject(caller, p.id)) {
        const what = caller.projectIds === null ? 'does not exist' : 'is not one this key may grant';
        throw new AppError('VALIDATION_FAILED', `projects: project "${name}" ${what}`, {
          details: [{ path: 'projects', message: `project "${name}" ${what}` }],
        });
      }
      projectIds.push(p.id);
    }
  }
  return grantFrom(caller, { authorities: asked.authorities, projectIds });
}

/** Throws NOT_FOUND (as for an id that does not exist) unless the caller may manage the credential. */
export function assertManages(
  caller: Holding,
  credential: { projectIds: readonly number[] | null } | undefined,
  notFound: string,
): asserts credential {
  if (!credential || !mayManage(caller, credential)) throw new AppError('NOT_FOUND', notFound);
}
