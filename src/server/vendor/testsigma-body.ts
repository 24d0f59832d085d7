import { Type, type Static } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import { OrNull } from './vendor-validation.js';

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** How the tests see runtime data: environment variables, so names a process can carry. */
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

// The document quotes the plan id ("<test_plan_id>"), its response and Testsigma's CI script give
// numbers; the CI script sends buildNo as a bare number. The vendor scope coerces both ways.
export const TestsigmaBody = Type.Object({
  executionId: Type.Optional(Id),
  // Testsigma's newer route (`/api/v1/test_plan_results`, its Jenkins plugin 1.8.1) names the plan `testPlanId`.
  testPlanId: Type.Optional(Id),
  uploadVersions: Type.Optional(
    Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Id, {
      maxProperties: 100,
      description: 'Environment (id or name) → app build id.',
    }),
  ),
  buildNo: Type.Optional(OrNull(Type.String({ maxLength: 200 }))),
  environmentId: Type.Optional(OrNull(Id)),
  runtimeData: Type.Optional(
    Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 10_000 }), {
      maxProperties: 200,
      description: "Handed to the tests as environment variables (Proctor's run parameters).",
    }),
  ),
  executionConfig: Type.Optional(
    Type.Unknown({ description: 'A saved partial-run configuration; Proctor has none and runs the whole plan.' }),
  ),
  isReRun: Type.Optional(Type.Boolean()),
  // A run's id (274, "274") or its UUID, as everywhere a run is named.
  // (A number arrives as text: the vendor scope coerces; testsigma-rerun.ts checks the form.)
  executionResultId: Type.Optional(Type.String({ maxLength: 40, description: 'The run to rerun: its id or UUID.' })),
  reRunType: Type.Optional(
    Type.Enum(['ALL_TESTS', 'ONLY_FAILED_TESTS', 'USER_PICKED', 'ALL_ITERATIONS', 'ONLY_FAILED_ITERATIONS'], {
      description:
        "Iterations are Testsigma's data-driven runs; Proctor reads ALL_ITERATIONS as ALL_TESTS and ONLY_FAILED_ITERATIONS as ONLY_FAILED_TESTS.",
    }),
  ),
  testCaseResultRequests: Type.Optional(
    Type.Array(Type.Object({ id: Id }), {
      maxItems: 10_000,
      description: 'Test case results (GET …/test_case_results) to run again: USER_PICKED.',
    }),
  ),
});
export type TestsigmaBody = Static<typeof TestsigmaBody>;

/** `runtimeData` as run parameters; a name no environment variable can have is refused. */
export function runtimeParameters(data: Record<string, string> | undefined): Record<string, string> | undefined {
  if (data === undefined) return undefined;
  const bad = Object.keys(data).filter((k) => !PARAMETER_NAME.test(k));
  if (bad.length > 0)
    throw new AppError(
      'VALIDATION_FAILED',
      `runtimeData.${bad[0]!.slice(0, 128)} is not a name the tests can read: use letters, digits and _, not starting with a digit`,
    );
  return data;
}
