import type { Kysely } from 'kysely';
import type { EnvironmentDefinition } from '../domain/plan-definition.js';
import type { EnvironmentRecord } from '../storage/environments.js';
import { fromJson } from '../storage/json.js';
import type { DialectCapabilities } from '../storage/dialect.js';
import { prepared } from '../storage/prepared.js';
import type { Database } from '../storage/schema.js';

/** An agent can serve an environment when it carries every label the environment asks for. */
export function servesEnvironment(agentLabels: readonly string[], env: Pick<EnvironmentDefinition, 'labels'>): boolean {
  return env.labels.every((l) => agentLabels.includes(l));
}

/** The labels and slots of every online agent seen since `since`. */
export const liveAgents = prepared((db, v: { since: number }) =>
  db.selectFrom('agents').select(['labels', 'slots']).where('status', '=', 'online').where('last_seen_at', '>=', v.since),
);

/** Ids of those environments that at least one agent seen since `since` can serve. */
export async function liveEnvironmentIds(
  db: Kysely<Database>,
  cap: DialectCapabilities,
  environments: readonly EnvironmentRecord[],
  since: number,
): Promise<Set<number>> {
  const agents = await liveAgents.all(db, cap, { since });
  const labelSets = agents.map((a) => fromJson<string[]>(a.labels, []));
  return new Set(environments.filter((e) => labelSets.some((l) => servesEnvironment(l, e.definition))).map((e) => e.id));
}
