import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { CAPABILITIES, type DialectCapabilities } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';

// int8 (bigint ids, epoch-ms times, count(*)) as JS numbers: all our values are far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface Store {
  db: Kysely<Database>;
  cap: DialectCapabilities;
  /** Where the data lives, for start-up messages (a file path or the URL without password). */
  location: string;
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
  return { db, cap: CAPABILITIES.sqlite, location: file, close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; preparing is a tenth of the server's time on a busy SQLite.
 * Statements are reused by SQL text. Safe because Kysely runs one query at a time on the single
 * connection and never leaves an iterator open between queries.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= 2000) cache.clear();
        stmt = sqlite.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const location = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return { db, cap: CAPABILITIES.postgres, location, close: () => db.destroy() };
}
