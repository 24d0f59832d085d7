import type { Kysely } from 'kysely';

/**
 * Registration tokens and agents are limited to projects like API keys are: a token created by a key
 * limited to some projects registers agents that claim only those projects' jobs. JSON array of
 * project ids; null: every project (tokens and agents made before this migration keep that).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('registration_tokens').addColumn('project_ids', 'text').execute();
  await db.schema.alterTable('agents').addColumn('project_ids', 'text').execute();
}
