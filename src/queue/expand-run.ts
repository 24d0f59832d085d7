import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import { selectScenarios } from '../domain/selection.js';
import type { DiscoveredScenarioSchema } from '../protocol/agent-api.js';
import { toJson } from '../storage/json.js';
import type { Database } from '../storage/schema.js';
import type { QueueContext } from './context.js';
import { queueRunWork } from './environment-work.js';
import { estimateWork } from './work-estimate.js';
import { readRunDocuments } from '../storage/run-data.js';
import { stopRun } from './run-stop.js';

type Discovered = Static<typeof DiscoveredScenarioSchema>;
const CHUNK = 500;

/**
 * Turns a run's discovered scenarios into its work: the plan's selection and the trigger's
 * requested scenarios are applied, one result row per scenario × environment is queued, and the
 * rows are batched into jobs per environment.
 */
export async function expandRun(
  trx: Kysely<Database>,
  ctx: QueueContext,
  runId: number,
  discovered: Discovered[],
): Promise<void> {
  const now = ctx.clock();
  const run = await trx.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
  const { snapshot, trigger } = readRunDocuments(run);
  const selected = selectScenarios(dedupe(discovered), snapshot.plan.scenarios, trigger.scenarios);
  if (selected.length === 0) {
    const reason =
      discovered.length === 0
        ? 'no tests found'
        : `none of ${discovered.length} discovered scenarios matched the selection`;
    await stopRun(trx, ctx, runId, { status: 'completed', endedBy: 'system', reason, result: 'aborted' });
    return;
  }
  const ids = await upsertScenarios(trx, run.plan_id, selected, now);
  const scenarioIds = selected.map((s) => ids.get(s.key)!);
  const expected = await estimateWork(trx, ctx, run, scenarioIds, snapshot.plan);
  const work = snapshot.environments.map((env) => ({ env, scenarioIds }));
  await queueRunWork(trx, ctx, run, snapshot.plan, work, expected);
}

/** The discovered scenarios, each key once (the first stands). */
export function dedupe(scenarios: Discovered[]): Discovered[] {
  const seen = new Map<string, Discovered>();
  for (const s of scenarios) if (!seen.has(s.key)) seen.set(s.key, s);
  return [...seen.values()];
}

/** The plan's scenarios of these keys, created where new; their ids by key. */
export async function upsertScenarios(
  trx: Kysely<Database>,
  planId: number,
  scenarios: Discovered[],
  now: number,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < scenarios.length; i += CHUNK) {
    const chunk = scenarios.slice(i, i + CHUNK);
    await trx
      .insertInto('scenarios')
      .values(
        chunk.map((s) => ({
          plan_id: planId,
          key: s.key,
          file: s.file,
          path: toJson(s.path),
          tags: toJson(s.tags),
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['plan_id', 'key']).doNothing())
      .execute();
    const rows = await trx
      .selectFrom('scenarios')
      .select(['id', 'key'])
      .where('plan_id', '=', planId)
      .where(
        'key',
        'in',
        chunk.map((s) => s.key),
      )
      .execute();
    for (const r of rows) ids.set(r.key, r.id);
  }
  return ids;
}
