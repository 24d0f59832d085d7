import { Migrator, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from './dialect.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-agents-logs-artifacts.js';
import * as m0003 from './migrations/0003-vendor-and-reruns.js';
import * as m0004 from './migrations/0004-webhooks-and-limits.js';
import * as m0005 from './migrations/0005-lookahead.js';
import * as m0006 from './migrations/0006-credential-scopes.js';
import * as m0007 from './migrations/0007-idempotency-per-key.js';
import * as m0008 from './migrations/0008-plan-mobile-apps.js';
import * as m0009 from './migrations/0009-reasons-as-text.js';
import * as m0010 from './migrations/0010-webhook-event-body.js';
import * as m0011 from './migrations/0011-retention-and-blobs.js';
import * as m0012 from './migrations/0012-caller-text-as-text.js';
import * as m0013 from './migrations/0013-job-costs.js';
import * as m0014 from './migrations/0014-suite-runs.js';

type MigrationModule = { up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> };

/** Numbered, forward-only: a released migration is never edited, only followed by a new one. */
const MIGRATIONS: Record<string, MigrationModule> = {
  '0001-initial': m0001,
  '0002-agents-logs-artifacts': m0002,
  '0003-vendor-and-reruns': m0003,
  '0004-webhooks-and-limits': m0004,
  '0005-lookahead': m0005,
  '0006-credential-scopes': m0006,
  '0007-idempotency-per-key': m0007,
  '0008-plan-mobile-apps': m0008,
  '0009-reasons-as-text': m0009,
  '0010-webhook-event-body': m0010,
  '0011-retention-and-blobs': m0011,
  '0012-caller-text-as-text': m0012,
  '0013-job-costs': m0013,
  '0014-suite-runs': m0014,
};

/** Applies every migration not yet applied, in order. Throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<unknown>, cap: DialectCapabilities, schema?: string): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const [name, mod] of Object.entries(MIGRATIONS)) migrations[name] = { up: (d) => mod.up(d, cap) };
  // Kysely looks for its bookkeeping tables in every schema; naming ours keeps several Proctor
  // databases in one PostgreSQL (one schema each) from seeing each other's.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return;
    // Before it migrates, Kysely lists the tables of every schema it may use; a schema that another
    // database in the same PostgreSQL drops meanwhile fails that listing (3F000). Nothing of ours
    // ran yet (no results): list again.
    if (attempt < 5 && (error as { code?: unknown }).code === '3F000' && !results?.length) {
      await new Promise((r) => setTimeout(r, 50 * attempt));
      continue;
    }
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
}
