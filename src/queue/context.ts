import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../storage/dialect.js';
import type { Database } from '../storage/schema.js';
import type { RunFactsCache } from './run-facts.js';
import type { Wakeup } from './wakeup.js';

/** What every queue operation needs, passed explicitly (no module state). */
export interface QueueContext {
  db: Kysely<Database>;
  cap: DialectCapabilities;
  /** Milliseconds since the epoch; injected so lease expiry is testable without sleeping. */
  clock: () => number;
  /** Wakes long-polling claimers when a job becomes claimable. */
  wakeup: Wakeup;
  settings: QueueSettings;
  /** Parsed plan snapshots and triggers of recent runs (immutable documents). */
  runFacts: RunFactsCache;
}

export interface QueueSettings {
  /** How long a claim or heartbeat keeps a job leased. */
  leaseMs: number;
  /** Attempts of a job lost with its agent before the job is errored. */
  maxAttempts: number;
  /** Expected duration of a scenario without history. */
  defaultScenarioMs: number;
  /** Expected start-up cost of one framework process. */
  processOverheadMs: number;
  /** Expected cost of one more batch for a warm worker (queue mode): the agent's round trip and a report. */
  workerDispatchMs: number;
  /** An agent not seen for this long no longer counts as live. */
  agentLivenessMs: number;
  /**
   * CIDR ranges outbound calls may reach although private (PROCTOR_OUTBOUND_ALLOW_PRIVATE): handed to
   * agents with every claimed job, so their downloads and git remotes follow the server's policy.
   */
  outboundAllow: readonly string[];
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  leaseMs: 30_000,
  maxAttempts: 3,
  defaultScenarioMs: 1_000,
  processOverheadMs: 500,
  workerDispatchMs: 5,
  agentLivenessMs: 30_000,
  outboundAllow: [],
};
