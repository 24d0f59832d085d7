import type { Kysely } from 'kysely';
import type { AppBuildRef } from '../protocol/agent-api.js';
import { findAppBuild } from '../storage/app-builds.js';
import type { Database } from '../storage/schema.js';

/** What a claimed job tells its agent about the app build of its environment, or null for none. */
export async function appBuildOf(
  db: Kysely<Database>,
  builds: Record<string, number> | undefined,
  environment: string,
): Promise<AppBuildRef | null> {
  // Own keys only: an environment named `constructor` must not find Object.prototype's.
  if (!builds || !Object.hasOwn(builds, environment)) return null;
  const b = await findAppBuild(db, builds[environment]!);
  if (!b) return null;
  return { id: b.id, name: b.fileName, sha256: b.sha256, size: b.size, url: b.url };
}
