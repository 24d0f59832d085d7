import type { ColumnDataType } from 'kysely';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type DialectName = (typeof DIALECTS)[number];

/**
 * Every difference between the dialects, in one table. Code asks for a capability, never for a
 * dialect name.
 */
export interface DialectCapabilities {
  name: DialectName;
  /** Type of auto-incrementing primary keys. */
  idType: ColumnDataType;
  /** Whether `autoIncrement()` must be added to the id column. */
  idAutoIncrement: boolean;
  /** Type of epoch-millisecond columns. */
  timeType: ColumnDataType;
  /** `FOR UPDATE SKIP LOCKED` on claim sub-selects; SQLite serialises writers instead. */
  skipLocked: boolean;
  /** `SELECT … FOR UPDATE` row locks; SQLite has none and needs none (one writer at a time). */
  rowLocks: boolean;
  /** Unique-violation error codes, to turn a lost insert race into "it exists already". */
  isUniqueViolation(e: unknown): boolean;
  /** `ALTER TABLE … DROP CONSTRAINT`; SQLite has none: a table constraint goes with a rebuilt table. */
  dropConstraint: boolean;
}

const sqlite: DialectCapabilities = {
  name: 'sqlite',
  idType: 'integer',
  idAutoIncrement: true,
  timeType: 'integer',
  skipLocked: false,
  rowLocks: false,
  isUniqueViolation: (e) => (e as { code?: string })?.code?.startsWith('SQLITE_CONSTRAINT') === true,
  dropConstraint: false,
};

const postgres: DialectCapabilities = {
  name: 'postgres',
  idType: 'bigserial',
  idAutoIncrement: false,
  timeType: 'bigint',
  skipLocked: true,
  rowLocks: true,
  isUniqueViolation: (e) => (e as { code?: string })?.code === '23505',
  dropConstraint: true,
};

export const CAPABILITIES: Record<DialectName, DialectCapabilities> = { sqlite, postgres };
