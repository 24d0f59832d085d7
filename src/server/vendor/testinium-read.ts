import type { Kysely } from 'kysely';
import { findAppBuild, type AppBuildRecord } from '../../storage/app-builds.js';
import { listEnvironments, type EnvironmentRecord } from '../../storage/environments.js';
import { planMobileApps, type MobileOs } from '../../storage/plan-mobile-apps.js';
import { scenarioIdsOfPlans } from '../../storage/plan-scenarios.js';
import type { PlanRecord } from '../../storage/plans.js';
import type { Database } from '../../storage/schema.js';
import { planDto } from './testinium-view.js';

/** The app builds each plan has selected per OS. */
async function selectedApps(
  db: Kysely<Database>,
  planIds: number[],
): Promise<Map<number, Partial<Record<MobileOs, AppBuildRecord>>>> {
  const out = new Map<number, Partial<Record<MobileOs, AppBuildRecord>>>();
  for (const [planId, ids] of await planMobileApps(db, planIds)) {
    const apps: Partial<Record<MobileOs, AppBuildRecord>> = {};
    for (const [os, id] of Object.entries(ids) as [MobileOs, number][]) {
      const build = await findAppBuild(db, id);
      if (build) apps[os] = build;
    }
    out.set(planId, apps);
  }
  return out;
}

/** Plans as PlanDTOs, with their environments' and scenarios' ids and their selected apps. */
export async function planDtos(db: Kysely<Database>, plans: readonly PlanRecord[]): Promise<Record<string, unknown>[]> {
  const ids = plans.map((p) => p.id);
  const envs = await listEnvironments(db, [...new Set(plans.map((p) => p.projectId))]);
  const scenarios = await scenarioIdsOfPlans(db, ids);
  const apps = await selectedApps(db, ids);
  return plans.map((p) =>
    planDto(p, {
      environmentIds: p.definition.environments
        .map((n) => envs.find((e) => e.projectId === p.projectId && e.definition.name === n)?.id)
        .filter((id): id is number => id !== undefined),
      scenarioIds: scenarios.get(p.id) ?? [],
      apps: apps.get(p.id) ?? {},
    }),
  );
}

/**
 * The app builds a Testinium trigger hands to a run: the plan's selected Android app to its
 * android environments, its iOS app to its ios ones (by environment name, as `prepareRun` takes them).
 */
export async function selectedAppBuilds(
  db: Kysely<Database>,
  plan: PlanRecord,
  environments: readonly EnvironmentRecord[],
): Promise<Record<string, number>> {
  const ids = (await planMobileApps(db, [plan.id])).get(plan.id) ?? {};
  const out: Record<string, number> = {};
  for (const e of environments) {
    const id =
      e.definition.platform === 'android' ? ids.android : e.definition.platform === 'ios' ? ids.ios : undefined;
    if (id !== undefined) out[e.definition.name] = id;
  }
  return out;
}
