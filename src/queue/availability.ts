import type { Kysely } from 'kysely';
import type { EnvironmentDefinition } from '../domain/plan-definition.js';
import type { EnvironmentRecord } from '../storage/environments.js';
import { fromJson } from '../storage/json.js';
import type { DialectCapabilities } from '../storage/dialect.js';
import { prepared } from '../storage/prepared.js';
import type { Database } from '../storage/schema.js';

/** What decides which environments an agent serves: its labels and the projects it may claim from (null: every project). */
export interface AgentReach {
  labels: readonly string[];
  projectIds: readonly number[] | null;
}

/**
 * An agent can serve an environment when it may claim the jobs of the environment's project and
 * carries every label the environment asks for.
 */
export function servesEnvironment(
  agent: AgentReach,
  projectId: number,
  env: Pick<EnvironmentDefinition, 'labels'>,
): boolean {
  return (
    (agent.projectIds === null || agent.projectIds.includes(projectId)) &&
    env.labels.every((l) => agent.labels.includes(l))
  );
}

const liveAgentRows = prepared((db, v: { since: number }) =>
  db
    .selectFrom('agents')
    .select(['id', 'labels', 'project_ids', 'slots'])
    .where('status', '=', 'online')
    .where('last_seen_at', '>=', v.since),
);

/** The reach and slots of every online agent seen since `since`. */
export async function liveAgents(
  db: Kysely<Database>,
  cap: DialectCapabilities,
  since: number,
): Promise<(AgentReach & { id: number; slots: number })[]> {
  const rows = await liveAgentRows.all(db, cap, { since });
  return rows.map((a) => ({
    id: a.id,
    labels: fromJson<string[]>(a.labels, []),
    projectIds: fromJson<number[] | null>(a.project_ids, null),
    slots: a.slots,
  }));
}

/** Ids of those environments that at least one agent seen since `since` can serve. */
export async function liveEnvironmentIds(
  db: Kysely<Database>,
  cap: DialectCapabilities,
  environments: readonly EnvironmentRecord[],
  since: number,
): Promise<Set<number>> {
  const agents = await liveAgents(db, cap, since);
  return new Set(
    environments.filter((e) => agents.some((a) => servesEnvironment(a, e.projectId, e.definition))).map((e) => e.id),
  );
}
