import { applyProfile, profileNames } from '../domain/plan-profile.js';
import { Problems } from '../domain/validation.js';
import { AppError } from '../protocol/errors.js';
import type { Platform } from '../protocol/statuses.js';
import { findAppBuild } from '../storage/app-builds.js';
import { findEnvironment, type EnvironmentRecord } from '../storage/environments.js';
import type { PlanRecord } from '../storage/plans.js';
import type { ServerDeps } from './deps.js';

/** What a trigger asks of a plan, natively or through a vendor's API, before the queue sees it. */
export interface RunRequest {
  plan: PlanRecord;
  /** A profile the plan declares (TesterArmy's `mode`). */
  profile?: string | undefined;
  /** Environments by name or id; default: every environment of the (profiled) plan. */
  environments?: readonly (string | number)[] | undefined;
  /** Keep only environments of this platform (TesterArmy's `platform`). */
  platform?: Platform | undefined;
  /** App build (id or UUID) per environment (name or id). */
  appBuilds?: Readonly<Record<string, number | string>> | undefined;
  /** One app build (id or UUID) for every environment of the run (TesterArmy's `appId`). */
  appBuild?: number | string | undefined;
  /** How the caller's API names these fields, for messages (`{ profile: 'mode' }`). */
  names?: Partial<Record<'profile' | 'environments' | 'platform' | 'appBuilds' | 'appBuild', string>>;
}

/** A request made concrete: spread it into `triggerRun`'s input. */
export interface PreparedRun {
  plan: PlanRecord;
  environments: EnvironmentRecord[];
  appBuilds: Record<string, number>;
  profile: string | null;
}

/**
 * Applies the profile, resolves and filters the environments and resolves the app builds of a
 * trigger. Every problem is reported at once, named by the caller's field names; nothing is created.
 */
export async function prepareRun(deps: ServerDeps, r: RunRequest): Promise<PreparedRun> {
  const name = (k: keyof NonNullable<RunRequest['names']>, fallback: string) => r.names?.[k] ?? fallback;
  let plan = r.plan;
  if (r.profile !== undefined) {
    const def = applyProfile(plan.definition, r.profile);
    if (!def) {
      const known = profileNames(plan.definition);
      throw new AppError(
        'VALIDATION_FAILED',
        `${name('profile', 'profile')}: plan "${plan.definition.name}" declares no profile "${r.profile}" (${known.length ? `its profiles: ${known.join(', ')}` : 'it declares none'})`,
      );
    }
    plan = { ...plan, definition: def };
  }
  const problems = new Problems();
  let environments = await resolveEnvironments(
    deps,
    plan,
    r.environments,
    problems,
    name('environments', 'environments'),
  );
  if (r.platform !== undefined && problems.empty) {
    environments = environments.filter((e) => e.definition.platform === r.platform);
    if (environments.length === 0) {
      problems.add(
        name('platform', 'platform'),
        `plan "${plan.definition.name}" has no environment of platform "${r.platform}" among ${plan.definition.environments.join(', ')}`,
      );
    }
  }
  const appBuilds = await resolveAppBuilds(deps, plan, environments, r, problems, name);
  if (!problems.empty) throw new AppError('VALIDATION_FAILED', problems.toString(), { details: problems.list });
  return { plan, environments, appBuilds, profile: r.profile ?? null };
}

async function resolveEnvironments(
  deps: ServerDeps,
  plan: PlanRecord,
  requested: RunRequest['environments'],
  problems: Problems,
  path: string,
): Promise<EnvironmentRecord[]> {
  const refs = requested && requested.length > 0 ? [...new Set(requested)] : plan.definition.environments;
  const out = new Map<number, EnvironmentRecord>();
  for (const [i, ref] of refs.entries()) {
    const env = await findEnvironment(deps.store.db, plan.projectId, ref);
    if (env && plan.definition.environments.includes(env.definition.name)) out.set(env.id, env);
    else if (typeof ref === 'string' && plan.definition.environments.includes(ref))
      problems.add(`${path}[${i}]`, `environment "${ref}" no longer exists: apply it again`);
    else
      problems.add(
        `${path}[${i}]`,
        `${JSON.stringify(ref)} is not an environment of plan "${plan.definition.name}" (its environments: ${plan.definition.environments.join(', ')})`,
      );
  }
  return [...out.values()];
}

async function resolveAppBuilds(
  deps: ServerDeps,
  plan: PlanRecord,
  environments: readonly EnvironmentRecord[],
  r: RunRequest,
  problems: Problems,
  name: (k: 'appBuilds' | 'appBuild', fallback: string) => string,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const wanted: [path: string, build: number | string, envs: EnvironmentRecord[]][] = [];
  if (r.appBuild !== undefined) wanted.push([name('appBuild', 'app_build'), r.appBuild, [...environments]]);
  for (const [envRef, build] of Object.entries(r.appBuilds ?? {})) {
    const env = environments.find((e) => e.definition.name === envRef || String(e.id) === envRef);
    const path = `${name('appBuilds', 'app_builds')}.${envRef}`;
    if (!env)
      problems.add(
        path,
        `"${envRef}" is not an environment of this run (${environments.map((e) => e.definition.name).join(', ')})`,
      );
    else wanted.push([path, build, [env]]);
  }
  for (const [path, ref, envs] of wanted) {
    const build = await findAppBuild(deps.store.db, ref);
    if (!build || build.projectId !== plan.projectId) {
      problems.add(
        path,
        `app build ${JSON.stringify(ref)} does not exist in the plan's project; upload it with POST /api/v1/app-builds`,
      );
      continue;
    }
    for (const e of envs) out[e.definition.name] = build.id;
  }
  return out;
}
