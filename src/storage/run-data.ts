import type { EnvironmentDefinition, PlanDefinition } from '../domain/plan-definition.js';
import { fromJson } from './json.js';

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

/**
 * How a run's trigger document reads when a field is missing: documents written by older versions
 * lack the fields added since (pairs, app builds, profile), and a partial document never turns into
 * `undefined` in the middle of a queue operation.
 */
const TRIGGER_DEFAULTS: RunTrigger = {
  source: 'api',
  userId: 0,
  build: null,
  ref: null,
  branch: null,
  parameters: {},
  callbackUrl: null,
  environments: [],
  scenarios: [],
  unavailableEnvironments: [],
};

/** The one decoder of `runs.trigger`. */
export function readRunTrigger(text: string | null | undefined): RunTrigger {
  return { ...TRIGGER_DEFAULTS, ...fromJson<Partial<RunTrigger>>(text, {}) };
}

/** The one decoder of `runs.plan_snapshot`; a run without one cannot be worked on, and says which. */
export function readRunSnapshot(text: string | null | undefined, runId: number): RunSnapshot {
  const snapshot = fromJson<RunSnapshot | null>(text, null);
  if (!snapshot?.plan || !Array.isArray(snapshot.environments))
    throw new Error(`run ${runId} has no readable plan snapshot`);
  return snapshot;
}

/** Both documents of a run row. */
export function readRunDocuments(row: { id: number; trigger: string | null; plan_snapshot: string | null }): {
  trigger: RunTrigger;
  snapshot: RunSnapshot;
} {
  return { trigger: readRunTrigger(row.trigger), snapshot: readRunSnapshot(row.plan_snapshot, row.id) };
}
