import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The ids of the scenarios each plan has discovered so far (Testinium's `scenarios` of a plan). */
export async function scenarioIdsOfPlans(
  db: Kysely<Database>,
  planIds: readonly number[],
): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (planIds.length === 0) return out;
  const rows = await db
    .selectFrom('scenarios')
    .select(['id', 'plan_id'])
    .where('plan_id', 'in', [...new Set(planIds)])
    .orderBy('id')
    .execute();
  for (const r of rows) out.set(r.plan_id, [...(out.get(r.plan_id) ?? []), r.id]);
  return out;
}
