import type { AddressPolicy } from '../domain/address-policy.js';
import { parsePlanFile, validatePlanFile } from '../domain/plan-file.js';
import type { Problem } from '../domain/validation.js';
import { AppError } from '../protocol/errors.js';
import type { ApiKey } from '../storage/api-keys.js';
import { listEnvironments, upsertEnvironment } from '../storage/environments.js';
import { listPlans, upsertPlan } from '../storage/plans.js';
import { findProject } from '../storage/projects.js';
import { setProjectRetention } from '../storage/project-retention.js';
import type { Store } from '../storage/database.js';
import { targetProject } from './resolve.js';

export interface ApplyChange {
  kind: 'environment' | 'plan' | 'retention';
  name: string;
  id: number | null;
  action: 'created' | 'updated' | 'unchanged';
}

export interface ApplyOutcome {
  project: string;
  dry_run: boolean;
  changes: ApplyChange[];
  warnings: Problem[];
}

/**
 * Creates or updates the environments and plans of a `proctor.yaml` in one transaction. The whole
 * file is validated first; any problem rejects it whole, listing every problem by path.
 */
export async function applyPlanFile(
  store: Store,
  key: ApiKey,
  source: { yaml: string } | { document: unknown },
  /** `policy`: the outbound policy literal addresses in `repo.url` are judged by (default: nothing private). */
  opts: { dryRun: boolean; now: number; policy?: AddressPolicy },
): Promise<ApplyOutcome> {
  // The project targetProject will choose: the file's, else the key's only one, else `default`.
  const projectHint = peekProject(source) ?? (key.projectIds?.length === 1 ? key.projectIds[0]! : 'default');
  const existing = await findProject(store.db, projectHint);
  // Only a project the key may use lends its environments to validation: another project's would
  // tell a limited key which names that project uses.
  const usable = existing && (key.projectIds === null || key.projectIds.includes(existing.id));
  const known = usable ? (await listEnvironments(store.db, [existing.id])).map((e) => e.definition.name) : [];
  const parsed =
    'yaml' in source
      ? parsePlanFile(source.yaml, known, opts.policy)
      : validatePlanFile(source.document, known, opts.policy);
  if (!parsed.ok) {
    const n = parsed.problems.list.length;
    throw new AppError(
      'VALIDATION_FAILED',
      `the plan file has ${n === 1 ? 'a problem' : `${n} problems`}; nothing was applied:\n${parsed.problems.toString()}`,
      { details: parsed.problems.list },
    );
  }
  const { file, warnings } = parsed;
  return store.db
    .transaction()
    .execute(async (trx) => {
      const project = await targetProject(trx, key, file.project, opts.now);
      const changes: ApplyChange[] = [];
      const before = new Map((await listEnvironments(trx, [project.id])).map((e) => [e.definition.name, e]));
      for (const env of file.environments) {
        const { record, changed } = await upsertEnvironment(trx, project.id, env, opts.now);
        changes.push(upserted('environment', env.name, record.id, before.has(env.name), changed));
      }
      const plansBefore = new Set((await listPlans(trx, [project.id])).map((p) => p.definition.name));
      for (const plan of file.plans) {
        const { record, changed } = await upsertPlan(trx, project.id, plan, opts.now);
        changes.push(upserted('plan', plan.name, record.id, plansBefore.has(plan.name), changed));
      }
      if (file.retention !== undefined) {
        const changed = await setProjectRetention(trx, project.id, file.retention);
        changes.push({ kind: 'retention', name: project.name, id: null, action: changed ? 'updated' : 'unchanged' });
      }
      // A dry run does all the work, then rolls it back: what it reports is exactly what apply would do.
      if (opts.dryRun) throw new DryRun({ project: project.name, dry_run: true, changes, warnings });
      return { project: project.name, dry_run: false, changes, warnings };
    })
    .catch((e: unknown) => {
      if (e instanceof DryRun) return e.outcome;
      throw e;
    });
}

/** What apply did to an environment or a plan it upserted. */
function upserted(kind: 'environment' | 'plan', name: string, id: number, existed: boolean, changed: boolean) {
  const action: ApplyChange['action'] = !existed ? 'created' : changed ? 'updated' : 'unchanged';
  return { kind, name, id, action } satisfies ApplyChange;
}

class DryRun extends Error {
  constructor(readonly outcome: ApplyOutcome) {
    super('dry run');
  }
}

/** The project a file names, read before it is validated; undefined when it names none. */
function peekProject(source: { yaml: string } | { document: unknown }): string | undefined {
  if ('document' in source) {
    const p = (source.document as { project?: unknown } | null)?.project;
    return typeof p === 'string' ? p : undefined;
  }
  const m = /^project:\s*["']?([A-Za-z0-9._-]+)["']?\s*$/m.exec(source.yaml);
  return m?.[1];
}
