import type { Kysely } from 'kysely';
import type { EnvironmentDefinition } from '../domain/plan-definition.js';
import type { EnvironmentRecord } from '../storage/environments.js';
import { fromJson } from '../storage/json.js';
import type { Database } from '../storage/schema.js';

/** An agent can serve an environment when it carries every label the environment asks for. */
export function servesEnvironment(agentLabels: readonly string[], env: Pick<EnvironmentDefinition, 'labels'>): boolean {
  return env.labels.every((l) => agentLabels.includes(l));
}

/** Ids of those environments that at least one agent seen since `since` can serve. */
export async function liveEnvironmentIds(
  db: Kysely<Database>,
  environments: readonly EnvironmentRecord[],
  since: number,
): Promise<Set<number>> {
  const agents = await db
    .selectFrom('agents')
    .select('labels')
    .where('status', '=', 'online')
    .where('last_seen_at', '>=', since)
    .execute();
  const labelSets = agents.map((a) => fromJson<string[]>(a.labels, []));
  return new Set(environments.filter((e) => labelSets.some((l) => servesEnvironment(l, e.definition))).map((e) => e.id));
}
