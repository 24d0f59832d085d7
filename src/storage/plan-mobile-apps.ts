import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The mobile operating systems a plan can have an app selected for. */
export const MOBILE_OSES = ['android', 'ios'] as const;
export type MobileOs = (typeof MOBILE_OSES)[number];

/** Selects the app build a plan runs with on one OS, replacing the one selected before. */
export async function selectPlanMobileApp(
  db: Kysely<Database>,
  planId: number,
  os: MobileOs,
  appBuildId: number,
  now: number,
): Promise<void> {
  await db
    .insertInto('plan_mobile_apps')
    .values({ plan_id: planId, os, app_build_id: appBuildId, updated_at: now })
    .onConflict((oc) => oc.columns(['plan_id', 'os']).doUpdateSet({ app_build_id: appBuildId, updated_at: now }))
    .execute();
}

/** The app build id selected per OS for each of these plans. */
export async function planMobileApps(
  db: Kysely<Database>,
  planIds: readonly number[],
): Promise<Map<number, Partial<Record<MobileOs, number>>>> {
  const out = new Map<number, Partial<Record<MobileOs, number>>>();
  if (planIds.length === 0) return out;
  const rows = await db
    .selectFrom('plan_mobile_apps')
    .select(['plan_id', 'os', 'app_build_id'])
    .where('plan_id', 'in', [...new Set(planIds)])
    .execute();
  for (const r of rows) out.set(r.plan_id, { ...out.get(r.plan_id), [r.os as MobileOs]: r.app_build_id });
  return out;
}
