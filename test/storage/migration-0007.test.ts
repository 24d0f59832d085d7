import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/storage/database.js';
import { CAPABILITIES } from '../../src/storage/dialect.js';
import * as m0001 from '../../src/storage/migrations/0001-initial.js';
import * as m0002 from '../../src/storage/migrations/0002-agents-logs-artifacts.js';
import * as m0003 from '../../src/storage/migrations/0003-vendor-and-reruns.js';
import * as m0004 from '../../src/storage/migrations/0004-webhooks-and-limits.js';
import * as m0005 from '../../src/storage/migrations/0005-lookahead.js';
import * as m0006 from '../../src/storage/migrations/0006-credential-scopes.js';
import { describeEachDialect, dropTarget, freshTarget, type DialectTarget } from '../support/dialects.js';

const BEFORE = {
  '0001-initial': m0001,
  '0002-agents-logs-artifacts': m0002,
  '0003-vendor-and-reruns': m0003,
  '0004-webhooks-and-limits': m0004,
  '0005-lookahead': m0005,
  '0006-credential-scopes': m0006,
};

/**
 * Migration 0007 on a database that has runs: on SQLite it makes the runs table again, so the rows,
 * their ids, the id sequence, the indexes and the tables that refer to runs must all come through.
 */
describeEachDialect('migration 0007 (idempotency keys per API key)', (dialect) => {
  let target: DialectTarget;
  let store: Store;
  const uuids = [randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    target = freshTarget(dialect);
    const cap = CAPABILITIES[dialect];
    let old: Kysely<any>;
    if (dialect === 'sqlite') {
      const file = new BetterSqlite3(join(target.dataDir, 'proctor.db'));
      file.pragma('foreign_keys = ON');
      old = new Kysely<any>({ dialect: new SqliteDialect({ database: file }) });
    } else {
      const admin = new pg.Client({ connectionString: target.databaseUrl });
      await admin.connect();
      await admin.query(`create schema "${target.schema}"`);
      await admin.end();
      old = new Kysely<any>({
        dialect: new PostgresDialect({
          pool: new pg.Pool({ connectionString: target.databaseUrl, options: `-c search_path="${target.schema}"` }),
        }),
      });
    }
    const migrations: Record<string, Migration> = Object.fromEntries(
      Object.entries(BEFORE).map(([name, m]) => [name, { up: (d: Kysely<any>) => m.up(d, cap) }]),
    );
    const { error } = await new Migrator({
      db: old,
      provider: { getMigrations: async () => migrations },
      ...(target.schema ? { migrationTableSchema: target.schema } : {}),
    }).migrateToLatest();
    if (error) throw error;
    const project = (
      await old.insertInto('projects').values({ name: 'p', created_at: 1 }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const plan = (
      await old
        .insertInto('plans')
        .values({
          uuid: randomUUID(),
          project_id: project,
          name: 'plan',
          definition: '{}',
          created_at: 1,
          updated_at: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const run = (i: number, key: string | null, apiKey: number | null) => ({
      uuid: uuids[i]!,
      project_id: project,
      plan_id: plan,
      status: 'completed',
      source: 'api',
      result: 'passed',
      priority: 0,
      trigger: '{}',
      build: `b${i}`,
      branch: null,
      plan_snapshot: '{}',
      idempotency_key: key,
      idempotency_hash: key ? 'h' : null,
      waiting: 0,
      created_at: 10 + i,
      api_key_id: apiKey,
    });
    for (let i = 0; i < 3; i++)
      await old
        .insertInto('runs')
        .values(run(i, i === 0 ? 'deploy-1' : null, i === 0 ? 7 : null))
        .execute();
    // The last run is gone (retention): its id must not come back.
    await old.deleteFrom('runs').where('uuid', '=', uuids[2]!).execute();
    await old
      .insertInto('webhook_events')
      .values({ uuid: randomUUID(), run_id: 1, job_id: null, type: 'run.finished', created_at: 20, fanned_out: 0 })
      .execute();
    await old.destroy();
    store = await openStore({
      databaseUrl: target.databaseUrl,
      dataDir: target.dataDir,
      ...(target.schema ? { schema: target.schema } : {}),
    });
  });
  afterAll(async () => {
    await store?.close();
    if (target) await dropTarget(target);
  });

  const db = () => store.db as unknown as Kysely<any>;
  const newRun = (uuid: string, key: string | null, apiKey: number | null) =>
    db()
      .insertInto('runs')
      .values({
        uuid,
        project_id: 1,
        plan_id: 1,
        status: 'queued',
        source: 'api',
        result: null,
        priority: 0,
        trigger: '{}',
        build: null,
        branch: null,
        plan_snapshot: '{}',
        idempotency_key: key,
        idempotency_hash: key ? 'h' : null,
        waiting: 0,
        created_at: 30,
        api_key_id: apiKey,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

  it('keeps the runs, their ids and what refers to them', async () => {
    const rows = await db()
      .selectFrom('runs')
      .select(['id', 'uuid', 'build', 'idempotency_key', 'api_key_id'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { id: 1, uuid: uuids[0], build: 'b0', idempotency_key: 'deploy-1', api_key_id: 7 },
      { id: 2, uuid: uuids[1], build: 'b1', idempotency_key: null, api_key_id: null },
    ]);
    expect(await db().selectFrom('webhook_events').select('run_id').execute()).toEqual([{ run_id: 1 }]);
    await expect(
      db()
        .insertInto('webhook_events')
        .values({ uuid: randomUUID(), run_id: 999, job_id: null, type: 'run.finished', created_at: 21, fanned_out: 0 })
        .execute(),
    ).rejects.toThrow();
    await expect(newRun(uuids[0]!, null, null)).rejects.toThrow();
    // Id 3 was used by the deleted run (PostgreSQL's sequence also counted the failed insert).
    expect((await newRun(randomUUID(), null, null)).id).toBeGreaterThan(3);
  });

  it('scopes an idempotency key to the API key', async () => {
    expect((await newRun(randomUUID(), 'deploy-1', 8)).id).toBeGreaterThan(3);
    await expect(newRun(randomUUID(), 'deploy-1', 7)).rejects.toThrow();
    await expect(newRun(randomUUID(), 'deploy-1', 8)).rejects.toThrow();
  });

  it('keeps the indexes of the runs table', async () => {
    const names =
      dialect === 'sqlite'
        ? (
            await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'index' and tbl_name = 'runs' and sql is not null`.execute(
              db(),
            )
          ).rows
        : (
            await sql<{
              name: string;
            }>`select indexname as name from pg_indexes where schemaname = ${target.schema} and tablename = 'runs'`.execute(
              db(),
            )
          ).rows;
    expect(names.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'runs_project_id',
        'runs_plan_status',
        'runs_status_deadline',
        'runs_api_key_status',
        'runs_idempotency_per_key',
      ]),
    );
    expect(names.map((r) => r.name)).not.toContain('runs_project_idempotency');
  });
});
