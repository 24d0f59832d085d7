import type { Kysely } from 'kysely';
import type { Authority } from '../protocol/statuses.js';
import { newCredential, parseToken, sameHash, hashSecret, type NewCredential } from './credential.js';
import type { DialectCapabilities } from './dialect.js';
import { fromJson, toJson } from './json.js';
import { prepared } from './prepared.js';
import type { Database } from './schema.js';

export interface ApiKey {
  id: number;
  userId: number;
  userName: string;
  name: string;
  prefix: string;
  authorities: Authority[];
  /** Null: every project. */
  projectIds: number[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** Requests per minute; null: the server default; 0: unlimited. */
  rateLimitPerMinute: number | null;
  /** Active runs triggered by this key; null: the server default; 0: unlimited. */
  maxActiveRuns: number | null;
}

export interface CreateKeyInput {
  userId: number;
  name: string;
  authorities: Authority[];
  projectIds: number[] | null;
  rateLimitPerMinute?: number | null;
  maxActiveRuns?: number | null;
  /** A chosen credential (PROCTOR_ADMIN_TOKEN); a fresh random one otherwise. */
  credential?: NewCredential;
}

/** Creates a key and returns it with its plaintext token: the only moment the token exists in clear. */
export async function createApiKey(
  db: Kysely<Database>,
  input: CreateKeyInput,
  now: number,
): Promise<{ key: ApiKey; token: string }> {
  const cred = input.credential ?? newCredential('pk');
  const row = await db
    .insertInto('api_keys')
    .values({
      user_id: input.userId,
      name: input.name,
      prefix: cred.prefix,
      secret_hash: cred.hash,
      authorities: toJson(input.authorities),
      project_ids: input.projectIds === null ? null : toJson(input.projectIds),
      created_at: now,
      rate_limit_per_minute: input.rateLimitPerMinute ?? null,
      max_active_runs: input.maxActiveRuns ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const key = await getApiKey(db, row.id);
  return { key: key!, token: cred.token };
}

const keyColumns = [
  'api_keys.id',
  'api_keys.user_id',
  'users.name as user_name',
  'api_keys.name',
  'api_keys.prefix',
  'api_keys.authorities',
  'api_keys.project_ids',
  'api_keys.created_at',
  'api_keys.last_used_at',
  'api_keys.revoked_at',
  'api_keys.rate_limit_per_minute',
  'api_keys.max_active_runs',
] as const;

function baseQuery(db: Kysely<Database>) {
  return db.selectFrom('api_keys').innerJoin('users', 'users.id', 'api_keys.user_id').select(keyColumns);
}

type KeyRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

function toKey(r: KeyRow): ApiKey {
  return {
    id: r.id,
    userId: r.user_id,
    userName: r.user_name,
    name: r.name,
    prefix: r.prefix,
    authorities: fromJson(r.authorities, []),
    projectIds: fromJson(r.project_ids, null),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    rateLimitPerMinute: r.rate_limit_per_minute,
    maxActiveRuns: r.max_active_runs,
  };
}

export async function getApiKey(db: Kysely<Database>, id: number): Promise<ApiKey | undefined> {
  const r = await baseQuery(db).where('api_keys.id', '=', id).executeTakeFirst();
  return r && toKey(r);
}

/**
 * A key with its stored hash, which never leaves the server: what signs the upload URLs a key asks
 * for (a vendor's presigned upload), so such a URL dies with its key.
 */
export async function apiKeyWithHash(
  db: Kysely<Database>,
  id: number,
): Promise<{ key: ApiKey; secretHash: string } | undefined> {
  const r = await baseQuery(db).select('api_keys.secret_hash').where('api_keys.id', '=', id).executeTakeFirst();
  return r && { key: toKey(r), secretHash: r.secret_hash };
}

export async function listApiKeys(db: Kysely<Database>): Promise<ApiKey[]> {
  return (await baseQuery(db).orderBy('api_keys.id').execute()).map(toKey);
}

const keyByPrefix = prepared((db, v: { prefix: string }) =>
  baseQuery(db).select('api_keys.secret_hash').where('api_keys.prefix', '=', v.prefix),
);

/**
 * Finds the live key a bearer token belongs to. Returns `revoked` for a known but revoked key so the
 * caller can say so, and undefined for anything else.
 */
export async function authenticateApiKey(
  db: Kysely<Database>,
  cap: DialectCapabilities,
  token: string,
): Promise<ApiKey | 'revoked' | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  const r = await keyByPrefix.first(db, cap, { prefix: parsed.prefix });
  if (!r || !sameHash(r.secret_hash, hashSecret(token))) return undefined;
  return r.revoked_at !== null ? 'revoked' : toKey(r);
}

/** Revokes a key; true when it was live. */
export async function revokeApiKey(db: Kysely<Database>, id: number, now: number): Promise<boolean> {
  const res = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** The stored hash of the key with this prefix, to tell a chosen admin token from another key of the same prefix. */
export async function keyHashByPrefix(db: Kysely<Database>, prefix: string): Promise<string | undefined> {
  return (await db.selectFrom('api_keys').select('secret_hash').where('prefix', '=', prefix).executeTakeFirst())
    ?.secret_hash;
}

export async function countApiKeys(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
