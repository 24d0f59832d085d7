import { median } from './median.js';

/** What is known of scenarios' durations before a run: this plan's, and the same tests' under other plans. */
export interface DurationSources {
  /** Medians of this plan's recent durations: scenario id → environment id → ms. */
  own: ReadonlyMap<number, ReadonlyMap<number, number>>;
  /** Medians of the same tests' recent durations under the project's other plans, by this plan's scenario id. */
  elsewhere: ReadonlyMap<number, number>;
}

export interface DurationEstimator {
  /** The expected duration of a scenario in an environment; undefined when nothing is known of it. */
  expectedMs(scenarioId: number, environmentId: number): number | undefined;
  /** How much slower than the plan's other environments an environment runs the same scenarios (1: as fast). */
  factor(environmentId: number): number;
}

/**
 * Estimates from what was measured, nearest first: the scenario's own durations in the
 * environment; else its durations in the plan's other environments, scaled by how the
 * environments compare on the scenarios both ran; else the same test's durations under the
 * project's other plans (a suite tried under one plan, then another), scaled the same way.
 *
 * @example durationEstimator({ own: new Map([[1, new Map([[10, 200], [20, 400]])], [2, new Map([[10, 50]])]]), elsewhere: new Map() })
 *   .expectedMs(2, 20) // → 100: environment 20 runs the same scenario twice as long as 10
 */
export function durationEstimator(sources: DurationSources): DurationEstimator {
  const factors = environmentFactors(sources.own);
  const factor = (env: number) => factors.get(env) ?? 1;
  // Batching asks for the same estimate many times (sorting): a fallback's median is taken once.
  const derived = new Map<string, number | undefined>();
  const fallback = (sid: number, env: number): number | undefined => {
    const mine = sources.own.get(sid);
    if (mine !== undefined && mine.size > 0) {
      const normalised = median([...mine].map(([e, ms]) => ms / factor(e)));
      if (normalised !== undefined) return normalised * factor(env);
    }
    const other = sources.elsewhere.get(sid);
    return other === undefined ? undefined : other * factor(env);
  };
  return {
    factor,
    expectedMs(sid, env) {
      const here = sources.own.get(sid)?.get(env);
      if (here !== undefined) return here;
      const k = `${sid}:${env}`;
      if (!derived.has(k)) derived.set(k, fallback(sid, env));
      return derived.get(k);
    },
  };
}

/**
 * Each environment's speed relative to the plan's others: the median, over the scenarios it ran
 * and at least one other environment ran too, of its duration over the scenario's median across
 * environments. Environments without such scenarios are not listed.
 */
function environmentFactors(own: ReadonlyMap<number, ReadonlyMap<number, number>>): Map<number, number> {
  const ratios = new Map<number, number[]>();
  for (const byEnv of own.values()) {
    if (byEnv.size < 2) continue;
    const middle = median([...byEnv.values()]);
    if (middle === undefined || middle <= 0) continue;
    for (const [env, ms] of byEnv) {
      const list = ratios.get(env);
      if (list) list.push(ms / middle);
      else ratios.set(env, [ms / middle]);
    }
  }
  return new Map([...ratios].map(([env, list]) => [env, median(list)!]));
}
