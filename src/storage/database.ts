import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { AppError } from '../protocol/errors.js';
import { CAPABILITIES, type DialectCapabilities } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { storedParams } from './stored-text.js';

// int8 (bigint ids, epoch-ms times, count(*)) as JS numbers: all our values are far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface Store {
  db: Kysely<Database>;
  cap: DialectCapabilities;
  /** Where the data lives, for start-up messages (a file path or the URL without password). */
  location: string;
  /**
   * SQLite only: a consistent copy of the database in `file`, made while the server runs (SQLite's
   * online backup API, a few pages at a time between other statements). Undefined on PostgreSQL.
   */
  backup?: (file: string) => Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to use (tests use one per file); created when missing. */
  schema?: string;
  /** Largest pool of PostgreSQL connections. */
  poolSize?: number;
}

/** Opens the database the configuration names and applies pending migrations. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const store = opts.databaseUrl ? await openPostgres(opts.databaseUrl, opts) : openSqlite(opts.dataDir);
  try {
    await migrateToLatest(store.db as Kysely<unknown>, store.cap, opts.databaseUrl ? opts.schema : undefined);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

function openSqlite(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'proctor.db');
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // Checkpoint the WAL every 10,000 pages (40 MB) instead of 1,000: a checkpoint blocks the server
  // on two fsyncs, and the hot pages of the queue are copied once instead of ten times.
  sqlite.pragma('wal_autocheckpoint = 10000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    cap: CAPABILITIES.sqlite,
    location: file,
    backup: (to) => sqlite.backup(to).then(() => undefined),
    close: () => db.destroy(),
  };
}

/**
 * Kysely prepares every query anew; preparing is a tenth of the server's time on a busy SQLite.
 * Statements are reused by SQL text. Safe because Kysely runs one query at a time on the single
 * connection and never leaves an iterator open between queries.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= 2000) cache.clear();
        stmt = withStoredText(sqlite.prepare(sql));
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

type SqliteStatement = ReturnType<SqliteDatabase['prepare']>;

/**
 * Every value a statement runs with passes `storedParams` here, below Kysely: statements of
 * `prepared()` are compiled once and run with new values, which no Kysely plugin sees.
 */
function withStoredText(stmt: BetterSqlite3.Statement): SqliteStatement {
  return {
    reader: stmt.reader,
    all: (params) => stmt.all(storedParams(params)),
    run: (params) => {
      const { changes, lastInsertRowid } = stmt.run(storedParams(params));
      return { changes, lastInsertRowid };
    },
    iterate: (params) => stmt.iterate(storedParams(params)),
  };
}

/**
 * The same rule as `withStoredText` for PostgreSQL: on each client of the pool, every query's
 * values pass `storedParams`.
 */
function storeTextOn(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (Array.isArray(values)) return tooLongAsValidation(query(config, storedParams(values), callback));
    // A query object (a cursor, `{ text, values }`) carries its values itself; it is made per query.
    if (config !== null && typeof config === 'object' && Array.isArray((config as { values?: unknown }).values)) {
      const c = config as { values: unknown[] };
      c.values = storedParams(c.values) as unknown[];
    }
    return tooLongAsValidation(query(config, values, callback));
  };
}

/**
 * A value longer than its `varchar(n)` column is the caller's to shorten, not a server fault. Text
 * a caller names things with is in text columns (migration 0012), limited by the API alone the same
 * on both dialects, escapes and all; the `varchar` columns left hold what the server chose or names
 * of a fixed pattern. This stays as the backstop: SQLite does not enforce widths.
 */
function tooLongAsValidation(result: unknown): unknown {
  if (!(result instanceof Promise)) return result;
  return result.catch((e: unknown) => {
    if ((e as { code?: unknown }).code !== '22001') throw e;
    throw new AppError(
      'VALIDATION_FAILED',
      `a text is longer than its column allows (NUL and lone surrogates count six characters each: they are stored as escapes like \\u0000): ${(e as Error).message}`,
      { cause: e },
    );
  });
}

async function openPostgres(url: string, opts: OpenStoreOptions): Promise<Store> {
  if (opts.schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${opts.schema.replace(/"/g, '')}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    ...(opts.schema ? { options: `-c search_path="${opts.schema.replace(/"/g, '')}"` } : {}),
  });
  // Emitted for each new client before the pool hands it out.
  pool.on('connect', storeTextOn);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const location = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return { db, cap: CAPABILITIES.postgres, location, close: () => db.destroy() };
}
