/**
 * Terms of Proctor (the same table as ARCHITECTURE.md; keep them in step).
 *
 * | term        | meaning |
 * | ----------- | ------- |
 * | project     | a tenant: plans, environments, keys and runs belong to one |
 * | plan        | what to test: a framework adapter, where the tests live (agent path or git repo + ref), which scenarios, which environments, and settings (timeouts, retries, parallelism, fail-fast, concurrency policy) |
 * | scenario    | the smallest unit an adapter can select and run on its own: a test case where the framework allows, else a test file; a stable key (`file > suite > title`) and a numeric id |
 * | environment | where a scenario runs: a name, a platform, the labels an agent must carry, and variables handed to the test |
 * | run         | one triggered execution of a plan: trigger data, status, result, counts |
 * | job         | the unit an agent claims: one environment and a batch of scenarios of one run, executed in one framework process (or the discovery of a run's scenarios) |
 * | attempt     | one execution of a job; a lost agent or a retry makes another |
 * | agent       | a process that registers with labels and slots, claims jobs, runs them, reports results |
 * | lease       | a claimed job belongs to its agent until `lease_expires_at`; heartbeats renew it |
 * | adapter     | the code that knows one framework: discover scenarios, build the command for a chosen set, parse its report |
 * | artifact    | a file kept with a job (log, report, screenshot, video, trace) or an app build |
 *
 * A run goes queued → running → completed | cancelled. A completed run has a result (passed, failed,
 * aborted); a cancelled run's result is stopped. Status lists live in `protocol/statuses.ts`.
 */
export type {};
