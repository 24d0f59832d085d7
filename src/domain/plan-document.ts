import type { EnvironmentDefinition, PlanDefinition, PlanProfile } from './plan-definition.js';

/** Milliseconds as the shortest duration string `parseDuration` reads back exactly (`30m`, `90s`). */
export function durationSpec(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** A plan in the shape of `proctor.yaml`: what GET returns is what PUT and apply accept. */
export function planToDocument(p: PlanDefinition): Record<string, unknown> {
  return {
    description: p.description,
    framework: p.framework,
    workdir: p.workdir,
    ...(p.repo ? { repo: p.repo } : {}),
    scenarios: p.scenarios,
    environments: p.environments,
    timeout: durationSpec(p.jobTimeoutMs),
    ...(p.runTimeoutMs !== null ? { run_timeout: durationSpec(p.runTimeoutMs) } : {}),
    retries: p.retries,
    max_parallel: p.maxParallel,
    fail_fast: p.failFast,
    concurrency: p.concurrency,
    priority: p.priority,
    options: p.options,
    ...(p.failedFirst !== undefined ? { failed_first: p.failedFirst } : {}),
    ...(p.onUnavailable !== undefined ? { on_unavailable: p.onUnavailable } : {}),
    ...(p.profiles
      ? { profiles: Object.fromEntries(Object.entries(p.profiles).map(([name, pr]) => [name, profileToDocument(pr)])) }
      : {}),
  };
}

/** A profile in the shape of `proctor.yaml`, with only the keys it sets. */
function profileToDocument(p: PlanProfile): Record<string, unknown> {
  return {
    ...(p.scenarios ? { scenarios: p.scenarios } : {}),
    ...(p.environments ? { environments: p.environments } : {}),
    ...(p.jobTimeoutMs !== undefined ? { timeout: durationSpec(p.jobTimeoutMs) } : {}),
    ...(p.runTimeoutMs !== undefined ? { run_timeout: durationSpec(p.runTimeoutMs) } : {}),
    ...(p.retries !== undefined ? { retries: p.retries } : {}),
    ...(p.maxParallel !== undefined ? { max_parallel: p.maxParallel } : {}),
    ...(p.failFast !== undefined ? { fail_fast: p.failFast } : {}),
  };
}

export function environmentToDocument(e: EnvironmentDefinition): Record<string, unknown> {
  return { platform: e.platform, labels: e.labels, variables: maskSecrets(e), secrets: e.secrets };
}

/** Secret variables are never returned by the API once stored. */
function maskSecrets(e: EnvironmentDefinition): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.variables)) out[k] = e.secrets.includes(k) ? '***' : v;
  return out;
}
