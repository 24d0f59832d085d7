import { AppError } from '../../protocol/errors.js';
import { rerunRun, type RerunChoice } from '../../queue/rerun.js';
import type { TriggerOutcome } from '../../queue/trigger.js';
import type { PlanRecord } from '../../storage/plans.js';
import { pairsOfResults, pairsOfRun } from '../../storage/vendor-runs.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { loadRun } from '../resolve.js';
import { triggerLimits } from '../usage-limits.js';
import type { TestsigmaBody } from './testsigma-body.js';

/** A run as `executionResultId` names it: its numeric id or its UUID (loadRun takes both). */
const RUN_REF = /^(?:[1-9][0-9]{0,14}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * Testsigma's rerun (testsigma-more/rerun-test-cases-in-test-run.md): `POST
 * /api/v1/execution_results` with `isReRun`, the run (`executionResultId`) of the plan
 * (`executionId`) and a `reRunType`: USER_PICKED reruns the test case results listed in
 * `testCaseResultRequests` (ids from `GET …/{runId}/test_case_results`), ONLY_FAILED_TESTS the
 * failed and aborted ones, ALL_TESTS every one. Without a `reRunType`, a list means USER_PICKED,
 * none ONLY_FAILED_TESTS. `buildNo` and `runtimeData` replace the parent's build and parameters.
 */
export async function testsigmaRerun(
  deps: ServerDeps,
  principal: unknown,
  plan: PlanRecord,
  body: TestsigmaBody,
  parameters: Record<string, string> | undefined,
): Promise<TriggerOutcome> {
  const key = keyOf(principal as never);
  if (body.executionResultId === undefined)
    throw new AppError(
      'VALIDATION_FAILED',
      'executionResultId is required for a rerun: the id of the run whose test cases run again',
    );
  const ref = body.executionResultId.trim();
  if (!RUN_REF.test(ref))
    throw new AppError(
      'VALIDATION_FAILED',
      `executionResultId must be a run's id or UUID (as POST /api/v1/execution_results answered), got "${ref.slice(0, 40)}"`,
    );
  const parent = await loadRun(deps.store.db, principal, ref);
  if (parent.plan.id !== plan.id)
    throw new AppError(
      'VALIDATION_FAILED',
      `executionResultId: run ${parent.id} is a run of test plan ${parent.plan.id}, not of ${plan.id}`,
    );
  const type = body.reRunType ?? (body.testCaseResultRequests?.length ? 'USER_PICKED' : 'ONLY_FAILED_TESTS');
  let choice: RerunChoice;
  if (type === 'ONLY_FAILED_TESTS' || type === 'ONLY_FAILED_ITERATIONS') choice = { failed: true };
  else if (type === 'USER_PICKED')
    choice = {
      pairs: await pickedPairs(deps, parent.id, body.testCaseResultRequests ?? []),
      path: 'testCaseResultRequests',
    };
  else
    choice = {
      pairs: (await pairsOfRun(deps.store.db, parent.id)).map((p) => ({
        scenario: p.scenarioId,
        environment: p.environmentId,
      })),
      path: 'testCaseResultRequests',
      all: true,
    };
  if ('pairs' in choice && choice.pairs.length === 0)
    throw new AppError('VALIDATION_FAILED', `run ${parent.id} has no test case results to rerun`);
  return rerunRun(deps.queue, parent.id, choice, {
    source: 'testsigma',
    userId: key.userId,
    ...(body.buildNo != null ? { build: body.buildNo } : {}),
    ...(parameters ? { parameters: { ...parent.trigger.parameters, ...parameters } } : {}),
    ...triggerLimits(deps.config, key),
  });
}

/** The pairs of the listed test case results; one that is not a result of the run is named. */
async function pickedPairs(deps: ServerDeps, runId: number, picked: readonly { id: number }[]) {
  if (picked.length === 0)
    throw new AppError(
      'VALIDATION_FAILED',
      'testCaseResultRequests must list at least one test case result for USER_PICKED',
    );
  const found = await pairsOfResults(
    deps.store.db,
    runId,
    picked.map((p) => p.id),
  );
  const missing = picked.findIndex((p) => !found.some((f) => f.resultId === p.id));
  if (missing >= 0)
    throw new AppError(
      'VALIDATION_FAILED',
      `testCaseResultRequests[${missing}].id: ${picked[missing]!.id} is not a test case result of run ${runId}`,
    );
  return found.map((p) => ({ scenario: p.scenarioId, environment: p.environmentId }));
}
