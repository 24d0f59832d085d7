import type { EnvironmentDefinition, PlanDefinition } from '../domain/plan-definition.js';

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
}
