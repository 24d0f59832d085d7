import { Type, type Static, type TSchema } from 'typebox';

/** Wire shapes of the administration routes under `/api/v1/admin`. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Ref = Type.Object({ id: Type.Integer(), name: Type.String() });
const Limit = Nullable(Type.Integer({ description: 'null: no limit (kept forever).' }));

export const RetentionPolicyView = Type.Object({
  run_days: Limit,
  run_last: Limit,
  log_days: Limit,
  artifact_days: Limit,
  app_build_last: Limit,
});
export type RetentionPolicyView = Static<typeof RetentionPolicyView>;

export const UsageRowView = Type.Object({
  project: Ref,
  plan: Nullable(Ref),
  kind: Type.Union(['runs', 'results', 'logs', 'artifacts', 'app_builds'].map((k) => Type.Literal(k))),
  rows: Type.Integer(),
  bytes: Nullable(
    Type.Integer({
      description:
        'Bytes of blobs (artifacts, app builds, ended logs); characters of text kept in the database (results, live logs).',
    }),
  ),
  next_pass: Type.Object(
    { rows: Type.Integer(), bytes: Nullable(Type.Integer()) },
    { description: 'What the next retention pass will delete.' },
  ),
});

export const UsageView = Type.Object({
  items: Type.Array(UsageRowView),
  policies: Type.Array(Type.Object({ project: Ref, policy: RetentionPolicyView })),
  blobs: Nullable(
    Type.Object(
      {
        rows: Type.Integer(),
        bytes: Type.Integer(),
        unreferenced: Type.Object({ rows: Type.Integer(), bytes: Type.Integer() }),
      },
      { description: 'The blob store as a whole, shared content counted once; null for a key limited to projects.' },
    ),
  ),
});
export type UsageView = Static<typeof UsageView>;

export const RetentionPassView = Type.Object({
  runs: Type.Integer(),
  results: Type.Integer(),
  logs: Type.Integer(),
  artifacts: Type.Integer(),
  app_builds: Type.Integer(),
  blobs: Type.Integer({ description: 'Blobs deleted from the store.' }),
  statements: Type.Integer(),
  duration_ms: Type.Integer(),
});
export type RetentionPassView = Static<typeof RetentionPassView>;
