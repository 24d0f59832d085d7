import type { Kysely } from 'kysely';
import { fitJobCosts, type JobCosts } from '../domain/job-costs.js';
import type { Database } from './schema.js';

/** A plan's learnt job costs in one environment. */
export interface EnvironmentJobCosts extends JobCosts {
  environmentId: number;
  environmentName: string;
}

/**
 * What the jobs of the given runs that ran tests (execute jobs, and discoveries that ran the suite) cost beyond their tests' durations, per environment
 * (`fitJobCosts` over each completed attempt that says its wall time, its tests' time and its
 * files). `priorFixedMs` splits the two parts when the jobs cannot tell them apart.
 *
 * @example await learnJobCosts(db, [41, 40, 39], 500) // → [{ environmentId: 2, fixedMs: 900, perFileMs: 120, jobs: 14, … }]
 */
export async function learnJobCosts(
  db: Kysely<Database>,
  runIds: readonly number[],
  priorFixedMs: number,
): Promise<EnvironmentJobCosts[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom('attempts as a')
    .innerJoin('jobs as j', 'j.id', 'a.job_id')
    .select(['j.environment_id', 'j.environment_name', 'j.files', 'a.duration_ms', 'a.work_ms'])
    .where('j.run_id', 'in', [...runIds])
    .where('a.status', '=', 'completed')
    .where('j.files', 'is not', null)
    .where('a.duration_ms', 'is not', null)
    .where('a.work_ms', 'is not', null)
    .orderBy('a.id')
    .execute();
  const byEnvironment = new Map<
    number,
    { name: string; samples: { files: number; wallMs: number; workMs: number }[] }
  >();
  for (const r of rows) {
    const env = byEnvironment.get(r.environment_id) ?? { name: r.environment_name, samples: [] };
    env.samples.push({ files: r.files!, wallMs: r.duration_ms!, workMs: r.work_ms! });
    byEnvironment.set(r.environment_id, env);
  }
  const learnt: EnvironmentJobCosts[] = [];
  for (const [environmentId, env] of byEnvironment) {
    const costs = fitJobCosts(env.samples, priorFixedMs);
    if (costs) learnt.push({ environmentId, environmentName: env.name, ...costs });
  }
  return learnt;
}
