import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { DialectCapabilities } from './dialect.js';
import type { Database } from './schema.js';

/** Stands where a value of the statement goes; replaced by the value when it runs. */
class Slot {
  /** `index` ≥ 0: an element of the list value `name`. */
  constructor(
    readonly name: string,
    readonly index = -1,
  ) {}
}

interface Template {
  sql: string;
  /** Each parameter of the compiled SQL: a slot filled per run, or a constant of the query. */
  params: readonly unknown[];
}

/** Shapes kept per statement (one per dialect and list length); rarer ones compile each time. */
const MAX_SHAPES = 64;

/**
 * A statement Kysely builds and compiles once per dialect and shape, then runs with new values.
 * On the queue's hot path, building and compiling a query cost more than SQLite takes to run it,
 * and every job runs the same few statements.
 *
 * `build` receives `v`, whose every property is a slot for the value of that name; use them where
 * values go, never to decide the query's structure. A list value (`in`) is a list of slots: its
 * length is part of the statement's shape, and each length compiles once.
 *
 * @example
 * const jobsOfRun = prepared((db, v: { run: number; statuses: string[] }) =>
 *   db.selectFrom('jobs').select('id').where('run_id', '=', v.run).where('status', 'in', v.statuses));
 * const rows = await jobsOfRun.all(trx, ctx.cap, { run: 7, statuses: ['queued', 'running'] });
 */
export function prepared<V extends Record<string, unknown>, R = unknown>(
  build: (db: Kysely<Database>, v: V) => Compilable<R>,
): PreparedStatement<V, R> {
  const templates = new Map<string, Template>();
  const compile = (db: Kysely<Database>, values: V): Template => {
    const slots = new Proxy({} as V, {
      get: (_t, name) => {
        const value = values[String(name)];
        return Array.isArray(value) ? value.map((_, i) => new Slot(String(name), i)) : new Slot(String(name));
      },
    });
    const compiled = build(db, slots).compile();
    return { sql: compiled.sql, params: compiled.parameters };
  };
  const run = async (
    db: Kysely<Database>,
    cap: DialectCapabilities,
    values: V,
  ): Promise<{ rows: R[]; numAffectedRows?: bigint }> => {
    let key = cap.name;
    for (const k in values) {
      const v = values[k];
      if (Array.isArray(v)) key += `:${k}=${v.length}`;
    }
    let t = templates.get(key);
    if (!t) {
      t = compile(db, values);
      if (templates.size < MAX_SHAPES) templates.set(key, t);
    }
    const params = t.params.map((p) =>
      p instanceof Slot ? (p.index < 0 ? values[p.name] : (values[p.name] as unknown[])[p.index]) : p,
    );
    return db.executeQuery<R>(CompiledQuery.raw(t.sql, params));
  };
  return {
    async all(db, cap, values) {
      return (await run(db, cap, values)).rows;
    },
    async first(db, cap, values) {
      return (await run(db, cap, values)).rows[0];
    },
    async affected(db, cap, values) {
      return Number((await run(db, cap, values)).numAffectedRows ?? 0n);
    },
  };
}

export interface PreparedStatement<V, R> {
  all(db: Kysely<Database>, cap: DialectCapabilities, values: V): Promise<R[]>;
  first(db: Kysely<Database>, cap: DialectCapabilities, values: V): Promise<R | undefined>;
  /** Rows an UPDATE, INSERT or DELETE changed. */
  affected(db: Kysely<Database>, cap: DialectCapabilities, values: V): Promise<number>;
}
