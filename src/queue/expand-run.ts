import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import { batchScenarios } from '../domain/batching.js';
import { selectScenarios } from '../domain/selection.js';
import type { DiscoveredScenarioSchema } from '../protocol/agent-api.js';
import { fromJson, toJson } from '../storage/json.js';
import type { Database } from '../storage/schema.js';
import { servesEnvironment } from './availability.js';
import type { QueueContext } from './context.js';
import type { RunSnapshot, RunTrigger } from './run-snapshot.js';
import { stopRun } from './run-stop.js';

type Discovered = Static<typeof DiscoveredScenarioSchema>;
const CHUNK = 500;

/**
 * Turns a run's discovered scenarios into its work: the plan's selection and the trigger's
 * requested scenarios are applied, one result row per scenario × environment is queued, and the
 * rows are batched into jobs per environment.
 */
export async function expandRun(trx: Kysely<Database>, ctx: QueueContext, runId: number, discovered: Discovered[]): Promise<void> {
  const now = ctx.clock();
  const run = await trx.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
  const snapshot = fromJson<RunSnapshot>(run.plan_snapshot, null as never);
  const trigger = fromJson<RunTrigger>(run.trigger, null as never);
  const selected = selectScenarios(dedupe(discovered), snapshot.plan.scenarios, trigger.scenarios);
  if (selected.length === 0) {
    const reason = discovered.length === 0 ? 'no tests found' : `none of ${discovered.length} discovered scenarios matched the selection`;
    await stopRun(trx, ctx, runId, { status: 'completed', endedBy: 'system', reason, result: 'aborted' });
    return;
  }
  const ids = await upsertScenarios(trx, run.plan_id, selected, now);
  const expected = await expectedDurations(trx, ctx, run.plan_id);
  for (const env of snapshot.environments) {
    const scenarioIds = selected.map((s) => ids.get(s.key)!);
    for (let i = 0; i < scenarioIds.length; i += CHUNK) {
      await trx
        .insertInto('results')
        .values(
          scenarioIds.slice(i, i + CHUNK).map((sid) => ({
            run_id: runId,
            scenario_id: sid,
            environment_id: env.id,
            environment_name: env.name,
            status: 'queued',
            attempts: 0,
            failures: 0,
          })),
        )
        .execute();
    }
    const slots = Math.min(snapshot.plan.maxParallel, await liveSlots(trx, env, now - ctx.settings.agentLivenessMs));
    const expectedOf = (sid: number) => expected.get(`${sid}:${env.id}`) ?? ctx.settings.defaultScenarioMs;
    const batches = batchScenarios(scenarioIds, expectedOf, { slots, overheadMs: ctx.settings.processOverheadMs });
    await trx
      .insertInto('jobs')
      .values(
        batches.map((batch) => ({
          run_id: runId,
          kind: 'execute',
          environment_id: env.id,
          environment_name: env.name,
          status: 'queued',
          scenario_ids: toJson(batch),
          priority: run.priority,
          run_created_at: run.created_at,
          max_parallel: snapshot.plan.maxParallel,
          timeout_ms: snapshot.plan.jobTimeoutMs,
          attempt: 0,
          max_attempts: ctx.settings.maxAttempts,
          created_at: now,
        })),
      )
      .execute();
  }
}

function dedupe(scenarios: Discovered[]): Discovered[] {
  const seen = new Map<string, Discovered>();
  for (const s of scenarios) if (!seen.has(s.key)) seen.set(s.key, s);
  return [...seen.values()];
}

async function upsertScenarios(trx: Kysely<Database>, planId: number, scenarios: Discovered[], now: number): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < scenarios.length; i += CHUNK) {
    const chunk = scenarios.slice(i, i + CHUNK);
    await trx
      .insertInto('scenarios')
      .values(chunk.map((s) => ({ plan_id: planId, key: s.key, file: s.file, path: toJson(s.path), tags: toJson(s.tags), created_at: now })))
      .onConflict((oc) => oc.columns(['plan_id', 'key']).doNothing())
      .execute();
    const rows = await trx
      .selectFrom('scenarios')
      .select(['id', 'key'])
      .where('plan_id', '=', planId)
      .where('key', 'in', chunk.map((s) => s.key))
      .execute();
    for (const r of rows) ids.set(r.key, r.id);
  }
  return ids;
}

/** Last known duration per scenario × environment of this plan, keyed `scenarioId:environmentId`. */
async function expectedDurations(trx: Kysely<Database>, ctx: QueueContext, planId: number): Promise<Map<string, number>> {
  const rows = await trx
    .selectFrom('results')
    .innerJoin('scenarios', 'scenarios.id', 'results.scenario_id')
    .select(['results.scenario_id', 'results.environment_id', 'results.duration_ms'])
    .where('scenarios.plan_id', '=', planId)
    .where('results.duration_ms', 'is not', null)
    .orderBy('results.id', 'desc')
    .limit(20_000)
    .execute();
  const out = new Map<string, number>();
  for (const r of rows) {
    const k = `${r.scenario_id}:${r.environment_id}`;
    if (!out.has(k)) out.set(k, Math.max(1, r.duration_ms ?? ctx.settings.defaultScenarioMs));
  }
  return out;
}

async function liveSlots(trx: Kysely<Database>, env: { labels: string[] }, since: number): Promise<number> {
  const agents = await trx.selectFrom('agents').select(['labels', 'slots']).where('status', '=', 'online').where('last_seen_at', '>=', since).execute();
  const slots = agents.filter((a) => servesEnvironment(fromJson<string[]>(a.labels, []), env)).reduce((n, a) => n + a.slots, 0);
  return Math.max(1, slots);
}
