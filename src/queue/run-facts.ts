import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../storage/dialect.js';
import { prepared } from '../storage/prepared.js';
import { readRunDocuments, type RunSnapshot, type RunTrigger } from '../storage/run-data.js';
import type { Database } from '../storage/schema.js';

/** What never changes of a run once it was created: its plan snapshot and how it was triggered. Read-only. */
export interface RunFacts {
  projectId: number;
  snapshot: RunSnapshot;
  trigger: RunTrigger;
}

const factsOfRun = prepared((db, v: { runId: number }) =>
  db.selectFrom('runs').select(['project_id', 'plan_snapshot', 'trigger', 'created_at']).where('id', '=', v.runId),
);

/**
 * The parsed plan snapshot and trigger of recent runs, so a claim or a completion does not read and
 * parse them again for every job. Safe on any number of replicas because these documents are
 * written once, with the run. Entries are keyed by id and creation time: an id that a rolled-back
 * transaction had used and a later run got again (SQLite) cannot match a stale entry.
 */
export class RunFactsCache {
  private readonly entries = new Map<string, RunFacts>();

  constructor(private readonly capacity = 512) {}

  async get(db: Kysely<Database>, cap: DialectCapabilities, runId: number, createdAt: number): Promise<RunFacts> {
    const key = `${runId}@${createdAt}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const row = await factsOfRun.first(db, cap, { runId });
    if (!row) throw new Error(`run ${runId} not found`);
    const facts: RunFacts = { projectId: row.project_id, ...readRunDocuments({ id: runId, ...row }) };
    if (row.created_at !== createdAt) return facts;
    // Map order is insertion order: dropping the first key evicts the oldest run.
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, facts);
    return facts;
  }
}
