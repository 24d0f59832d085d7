import type { RetentionSettings } from './retention-policy.js';
import type { ConcurrencyPolicy, Platform } from '../protocol/statuses.js';

/** An environment as declared in `proctor.yaml` or through the API. */
export interface EnvironmentDefinition {
  name: string;
  platform: Platform;
  /** Labels an agent must carry (all of them) to run this environment. */
  labels: string[];
  /** Variables handed to the test process (`BROWSER=firefox`). */
  variables: Record<string, string>;
  /** Names of variables whose values are masked in stored logs and results. */
  secrets: string[];
}

export interface ScenarioSelection {
  /** Globs on the scenario's file; empty = every discovered file. */
  include: string[];
  exclude: string[];
  /** Keep scenarios carrying any of these tags (`@smoke` in a title counts as tag `smoke`). */
  tags: string[];
  /** Keep scenarios whose key contains any of these strings. */
  names: string[];
}

/** A plan, normalised: durations in milliseconds, defaults applied. */
export interface PlanDefinition {
  name: string;
  description: string;
  framework: string;
  /** Where the suite lives on the agent, relative to the agent's work directory or absolute. */
  workdir: string;
  /** Alternatively a git repository the agent checks out; `workdir` is then relative to its root. */
  repo: { url: string; ref: string } | null;
  scenarios: ScenarioSelection;
  environments: string[];
  jobTimeoutMs: number;
  runTimeoutMs: number | null;
  retries: number;
  maxParallel: number;
  /** Stop dispatching after this many failed scenarios; 0 = never. */
  failFast: number;
  concurrency: ConcurrencyPolicy;
  priority: number;
  /** Adapter options (`command`, `discover`, `report` for the command adapter, …). */
  options: Record<string, unknown>;
  /** Scenarios that failed in the plan's last run are dispatched first (fast feedback on a fix). */
  failedFirst?: boolean;
  /** When no live agent carries an environment's labels: wait for one (default) or abort the run at once. */
  onUnavailable?: 'wait' | 'fail';
  /** Named sets of overrides a trigger may choose (`profile`, TesterArmy's `mode: fast | deep`); absent when none. */
  profiles?: Record<string, PlanProfile>;
}

/** Overrides of a plan that a trigger selects by name; a field left out keeps the plan's value. */
export interface PlanProfile {
  /** Replaces the plan's selection whole. */
  scenarios?: ScenarioSelection;
  environments?: string[];
  jobTimeoutMs?: number;
  runTimeoutMs?: number;
  retries?: number;
  maxParallel?: number;
  failFast?: number;
}

/**
 * Queue mode: the plan's framework process stays up on each slot and takes batch after batch
 * (`options.worker`), so a batch costs a line on a pipe instead of a process start.
 */
export function usesWorker(plan: Pick<PlanDefinition, 'options'>): boolean {
  const worker = plan.options.worker;
  return worker !== undefined && worker !== null && worker !== false;
}

export const PLAN_DEFAULTS = {
  jobTimeoutMs: 30 * 60_000,
  retries: 0,
  maxParallel: 8,
  failFast: 0,
  concurrency: 'allow',
  priority: 0,
} as const;

/** A whole `proctor.yaml`, validated. */
export interface PlanFile {
  project: string;
  environments: EnvironmentDefinition[];
  plans: PlanDefinition[];
  /** The project's retention policy, when the file has a `retention:` block. */
  retention?: RetentionSettings;
}
