import type { Kysely } from 'kysely';
import { Problems } from '../domain/validation.js';
import { AppError } from '../protocol/errors.js';
import { ACTIVE_RUN_STATUSES, RERUN_FAILED_RESULTS } from '../protocol/statuses.js';
import type { Database } from '../storage/schema.js';
import type { RunPair, RunSnapshot } from '../storage/run-data.js';
import { storedText } from '../storage/stored-text.js';

/** A pair as callers name it: a scenario by id or key, an environment by id or name. */
export interface PairRef {
  scenario: number | string;
  environment: number | string;
}

/** The failed and aborted pairs of an ended run. */
export async function failedPairs(db: Kysely<Database>, run: { id: number; status: string }): Promise<RunPair[]> {
  if ((ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status)) {
    throw new AppError('CONFLICT', `run ${run.id} is still ${run.status}: rerun its failures once it has ended`);
  }
  const rows = await db
    .selectFrom('results')
    .select(['scenario_id', 'environment_id'])
    .where('run_id', '=', run.id)
    .where('status', 'in', RERUN_FAILED_RESULTS)
    .orderBy('id')
    .execute();
  if (rows.length === 0) throw new AppError('CONFLICT', `run ${run.id} has no failed or aborted scenarios to rerun`);
  return rows.map((r) => ({ scenarioId: r.scenario_id, environmentId: r.environment_id }));
}

/**
 * Resolves pairs named by callers against the parent run's environments and the plan's known
 * scenarios. Every unknown name is reported with its position (`pairs[2].scenario: …`).
 */
export async function resolvePairs(
  db: Kysely<Database>,
  planId: number,
  snapshot: RunSnapshot,
  refs: readonly PairRef[],
  path = 'pairs',
): Promise<RunPair[]> {
  const scenarios = await knownScenarios(db, planId, refs);
  const problems = new Problems();
  const out = new Map<string, RunPair>();
  refs.forEach((ref, i) => {
    const env = snapshot.environments.find((e) =>
      typeof ref.environment === 'number' ? e.id === ref.environment : e.name === ref.environment,
    );
    if (!env)
      problems.add(
        `${path}[${i}].environment`,
        `${JSON.stringify(ref.environment)} is not an environment of the run (${snapshot.environments.map((e) => `${e.id} ${e.name}`).join(', ')})`,
      );
    const scenarioId =
      typeof ref.scenario === 'number'
        ? scenarios.byId.get(ref.scenario)
        : (scenarios.byKey.get(storedText(ref.scenario)) ?? scenarios.byId.get(Number(ref.scenario)));
    if (scenarioId === undefined)
      problems.add(
        `${path}[${i}].scenario`,
        `${JSON.stringify(ref.scenario)} is not a known scenario of this plan (by id or key)`,
      );
    if (env && scenarioId !== undefined) out.set(`${scenarioId}:${env.id}`, { scenarioId, environmentId: env.id });
  });
  if (!problems.empty) throw new AppError('VALIDATION_FAILED', problems.toString(), { details: problems.list });
  return [...out.values()];
}

/** The plan's scenarios the refs name, by id and by key. */
async function knownScenarios(db: Kysely<Database>, planId: number, refs: readonly PairRef[]) {
  const keys = [...new Set(refs.map((r) => r.scenario).filter((s): s is string => typeof s === 'string'))];
  // A key made only of digits is first a key; failing that, an id given as text.
  const ids = [
    ...new Set(
      refs
        .map((r) =>
          typeof r.scenario === 'number' ? r.scenario : /^\d{1,15}$/.test(r.scenario) ? Number(r.scenario) : null,
        )
        .filter((n): n is number => n !== null),
    ),
  ];
  const byId = new Map<number, number>();
  const byKey = new Map<string, number>();
  if (ids.length > 0) {
    for (const r of await db
      .selectFrom('scenarios')
      .select('id')
      .where('plan_id', '=', planId)
      .where('id', 'in', ids)
      .execute())
      byId.set(r.id, r.id);
  }
  if (keys.length > 0) {
    for (const r of await db
      .selectFrom('scenarios')
      .select(['id', 'key'])
      .where('plan_id', '=', planId)
      .where('key', 'in', keys)
      .execute())
      byKey.set(r.key, r.id);
  }
  return { byId, byKey };
}
