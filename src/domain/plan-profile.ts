import type { PlanDefinition } from './plan-definition.js';

/** Keys a profile of `proctor.yaml` may set: the plan settings a trigger may reasonably vary. */
export const PROFILE_KEYS = [
  'scenarios',
  'environments',
  'timeout',
  'run_timeout',
  'retries',
  'max_parallel',
  'fail_fast',
] as const;

/** The profile names a plan declares. */
export function profileNames(plan: PlanDefinition): string[] {
  return Object.keys(plan.profiles ?? {});
}

/**
 * The plan with one of its profiles applied, or undefined when it declares no profile of that name.
 * The result keeps the profiles, so a run's snapshot still shows what was available.
 *
 * @example applyProfile(plan, 'fast')?.retries
 */
export function applyProfile(plan: PlanDefinition, name: string): PlanDefinition | undefined {
  // Own properties only: `constructor` or `__proto__` must not find Object.prototype's.
  if (!plan.profiles || !Object.hasOwn(plan.profiles, name)) return undefined;
  const p = plan.profiles[name]!;
  return {
    ...plan,
    scenarios: p.scenarios ?? plan.scenarios,
    environments: p.environments ?? plan.environments,
    jobTimeoutMs: p.jobTimeoutMs ?? plan.jobTimeoutMs,
    runTimeoutMs: p.runTimeoutMs ?? plan.runTimeoutMs,
    retries: p.retries ?? plan.retries,
    maxParallel: p.maxParallel ?? plan.maxParallel,
    failFast: p.failFast ?? plan.failFast,
  };
}
