import { Type } from 'typebox';
import { CONCURRENCY_POLICIES, FRAMEWORKS, PLATFORMS } from '../../src/protocol/statuses.js';

/**
 * The shape of a plan document (`proctor.yaml`, `PUT /plans/{plan}`, `PUT /environments/{environment}`)
 * in TypeBox, for tests that need to know its text fields. The routes take these documents as
 * `Record<string, unknown>` and `domain/plan-file.ts` validates them by hand, so no route schema says
 * where their text is; `test/server/hostile-strings.test.ts` checks these keys against the ones the
 * validator reads. Only the object form of a selection is written out: a string or a list is its
 * `include` spelled short.
 */
const Text = Type.String();
const Duration = Type.Union([Type.String(), Type.Integer()]);
const OneOf = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Selection = Type.Object({
  include: Type.Array(Text),
  exclude: Type.Array(Text),
  tags: Type.Array(Text),
  names: Type.Array(Text),
});

export const ENVIRONMENT_SHAPE = Type.Object({
  platform: OneOf(PLATFORMS),
  labels: Type.Array(Text),
  variables: Type.Record(Type.String(), Text),
  secrets: Type.Array(Text),
});

export const PROFILE_SHAPE = Type.Object({
  scenarios: Selection,
  environments: Type.Array(Text),
  timeout: Duration,
  run_timeout: Duration,
  retries: Type.Integer(),
  max_parallel: Type.Integer(),
  fail_fast: Type.Integer(),
});

export const PLAN_SHAPE = Type.Object({
  description: Text,
  framework: OneOf(FRAMEWORKS),
  workdir: Text,
  repo: Type.Object({ url: Text, ref: Text }),
  scenarios: Selection,
  environments: Type.Array(Text),
  timeout: Duration,
  run_timeout: Duration,
  retries: Type.Integer(),
  max_parallel: Type.Integer(),
  fail_fast: Type.Integer(),
  concurrency: OneOf(CONCURRENCY_POLICIES),
  priority: Type.Integer(),
  options: Type.Record(Type.String(), Type.Unknown()),
  profiles: Type.Record(Type.String(), PROFILE_SHAPE),
  failed_first: Type.Boolean(),
  on_unavailable: OneOf(['wait', 'fail']),
});

const Limits = Type.Object({ days: Type.Integer(), last: Type.Integer() });
export const PLAN_FILE_SHAPE = Type.Object({
  project: Text,
  environments: Type.Record(Type.String(), ENVIRONMENT_SHAPE),
  plans: Type.Record(Type.String(), PLAN_SHAPE),
  retention: Type.Object({ runs: Limits, logs: Limits, artifacts: Limits, app_builds: Limits }),
});
