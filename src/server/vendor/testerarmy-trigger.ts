import type { Platform } from '../../protocol/statuses.js';
import { triggerRun } from '../../queue/trigger.js';
import type { ApiKey } from '../../storage/api-keys.js';
import type { PlanRecord } from '../../storage/plans.js';
import { runUuidOf } from '../../storage/vendor-runs.js';
import type { ServerDeps } from '../deps.js';
import { prepareRun } from '../run-request.js';
import { triggerLimits } from '../usage-limits.js';

/** What a TesterArmy trigger asks of a plan, by whichever of its routes. */
export interface TesterArmyTrigger {
  /** `mode`: a profile the plan declares. */
  mode?: string | undefined;
  /** Only the plan's environments of this platform. */
  platform?: Platform | undefined;
  /** An app build (UUID or id) for every environment. */
  appId?: string | undefined;
  /** The run's build label (a group webhook's `commitSha`). */
  build?: string | undefined;
  /** Run parameters, handed to the tests as environment variables. */
  parameters?: Record<string, string> | undefined;
  /** How the caller's body names these fields, for messages (`mobile.appId`). */
  names?: { appId?: string };
}

/** Runs the plan as TesterArmy's triggers ask; answers the new run's id and UUID (TesterArmy's `runId`). */
export async function triggerTesterArmy(
  deps: ServerDeps,
  key: ApiKey,
  plan: PlanRecord,
  t: TesterArmyTrigger,
): Promise<{ runId: number; runUuid: string }> {
  const prepared = await prepareRun(deps, {
    plan,
    profile: t.mode,
    platform: t.platform,
    appBuild: t.appId,
    names: { profile: 'mode', platform: 'platform', appBuild: t.names?.appId ?? 'appId' },
  });
  const outcome = await triggerRun(deps.queue, {
    ...prepared,
    scenarios: [],
    source: 'testerarmy',
    userId: key.userId,
    ...(t.build !== undefined ? { build: t.build } : {}),
    ...(t.parameters !== undefined ? { parameters: t.parameters } : {}),
    ...triggerLimits(deps.config, key),
  });
  return { runId: outcome.runId, runUuid: await runUuidOf(deps.store.db, outcome.runId) };
}
