import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';

/**
 * The integration suite runs once per dialect (PROCTOR_TEST_DIALECTS=sqlite,postgres). A dialect
 * that cannot be reached is reported as skipped, never passed; with PROCTOR_TEST_REQUIRE=postgres
 * (CI) an unreachable PostgreSQL fails the suite instead.
 */
export const TEST_DATABASE_URL = process.env.PROCTOR_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const wanted = (process.env.PROCTOR_TEST_DIALECTS ?? 'sqlite,postgres').split(',').map((s) => s.trim());
const required = (process.env.PROCTOR_TEST_REQUIRE ?? '').split(',');

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgProblem = wanted.includes('postgres') ? await postgresReachable() : 'not requested';
if (pgProblem && wanted.includes('postgres')) {
  if (required.includes('postgres'))
    throw new Error(`PostgreSQL is required but unreachable at ${TEST_DATABASE_URL}: ${pgProblem}`);
  process.stderr.write(`\n[proctor tests] PostgreSQL unreachable (${pgProblem}): its tests are SKIPPED\n`);
}

/** Where one test file's database lives: a fresh SQLite directory or a fresh PostgreSQL schema. */
export interface DialectTarget {
  name: 'sqlite' | 'postgres';
  dataDir: string;
  databaseUrl: string | undefined;
  schema: string | undefined;
}

export function freshTarget(name: 'sqlite' | 'postgres'): DialectTarget {
  const dataDir = mkdtempSync(join(tmpdir(), 'proctor-test-'));
  if (name === 'sqlite') return { name, dataDir, databaseUrl: undefined, schema: undefined };
  return {
    name,
    dataDir,
    databaseUrl: TEST_DATABASE_URL,
    schema: `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`,
  };
}

/** Drops a PostgreSQL test schema (SQLite directories live in the OS temp dir). */
export async function dropTarget(t: DialectTarget): Promise<void> {
  if (!t.schema) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${t.schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** `describe` once per dialect; an unreachable dialect's block is skipped (and says why). */
export function describeEachDialect(
  title: string,
  body: (dialect: 'sqlite' | 'postgres') => void,
  only: readonly ('sqlite' | 'postgres')[] = ['sqlite', 'postgres'],
): void {
  for (const d of only) {
    if (!wanted.includes(d)) continue;
    const skip = d === 'postgres' && pgProblem !== null;
    (skip ? describe.skip : describe)(`${title} [${d}]${skip ? ' (PostgreSQL unreachable)' : ''}`, () => body(d));
  }
}
