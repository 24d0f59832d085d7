import type { EnvironmentDefinition, PlanDefinition } from '../domain/plan-definition.js';

/*
 * The JSON documents a run row keeps (`runs.plan_snapshot`, `runs.trigger`). Storage reads them for
 * the API views; the queue writes them when it creates a run.
 */

/** What a run keeps of its plan and environments at trigger time; later applies never change a run. */
export interface RunSnapshot {
  plan: PlanDefinition;
  environments: (EnvironmentDefinition & { id: number })[];
}

/** What a run keeps of how it was triggered. */
export interface RunTrigger {
  source: string;
  userId: number;
  build: string | null;
  ref: string | null;
  branch: string | null;
  parameters: Record<string, string>;
  callbackUrl: string | null;
  environments: string[];
  scenarios: string[];
  unavailableEnvironments: string[];
  /** Explicit scenario × environment pairs (reruns): only these run, and discovery is skipped. */
  pairs?: RunPair[];
  /** App build id per environment name; agents hand the build to the tests as PROCTOR_APP_PATH. */
  appBuilds?: Record<string, number>;
  /** The plan profile the trigger chose (already applied to the snapshot's plan). */
  profile?: string | null;
  /** An environment id a vendor trigger named (Testsigma's `environmentId`), echoed back to it. */
  vendorEnvironmentId?: number | null;
}

/** One scenario on one environment of a run, by id (the environment's id is the snapshot's). */
export interface RunPair {
  scenarioId: number;
  environmentId: number;
}
