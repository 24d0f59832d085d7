import type { Kysely } from 'kysely';
import { hashSecret, newCredential, parseToken, sameHash } from './credential.js';
import { fromJson, toJson } from './json.js';
import type { Database } from './schema.js';

export interface RegistrationToken {
  id: number;
  name: string;
  prefix: string;
  createdBy: number;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** The projects agents it registers are limited to; null: every project. */
  projectIds: number[] | null;
}

type Row = {
  id: number;
  name: string;
  prefix: string;
  created_by: number;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  project_ids: string | null;
};
const toToken = (r: Row): RegistrationToken => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  projectIds: fromJson(r.project_ids, null),
});
const columns = [
  'id',
  'name',
  'prefix',
  'created_by',
  'created_at',
  'expires_at',
  'revoked_at',
  'project_ids',
] as const;

/** Creates a token agents register with; the plaintext is returned once and stored only hashed. */
export async function createRegistrationToken(
  db: Kysely<Database>,
  input: { name: string; createdBy: number; expiresAt: number | null; projectIds: number[] | null },
  now: number,
): Promise<{ token: RegistrationToken; secret: string }> {
  const cred = newCredential('rt');
  const row = await db
    .insertInto('registration_tokens')
    .values({
      name: input.name,
      prefix: cred.prefix,
      secret_hash: cred.hash,
      created_by: input.createdBy,
      created_at: now,
      expires_at: input.expiresAt,
      project_ids: input.projectIds === null ? null : toJson(input.projectIds),
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return { token: toToken(row), secret: cred.token };
}

export async function listRegistrationTokens(db: Kysely<Database>): Promise<RegistrationToken[]> {
  return (await db.selectFrom('registration_tokens').select(columns).orderBy('id').execute()).map(toToken);
}

export async function findRegistrationToken(db: Kysely<Database>, id: number): Promise<RegistrationToken | undefined> {
  const row = await db.selectFrom('registration_tokens').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toToken(row);
}

export async function revokeRegistrationToken(
  db: Kysely<Database>,
  id: number,
  now: number,
): Promise<RegistrationToken | undefined> {
  await db
    .updateTable('registration_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return findRegistrationToken(db, id);
}

/** The live (not revoked, not expired) token a presented secret belongs to. */
export async function authenticateRegistrationToken(
  db: Kysely<Database>,
  secret: string,
  now: number,
): Promise<RegistrationToken | undefined> {
  const parsed = parseToken(secret);
  if (!parsed || !secret.startsWith('rt_')) return undefined;
  const row = await db
    .selectFrom('registration_tokens')
    .select([...columns, 'secret_hash'])
    .where('prefix', '=', parsed.prefix)
    .executeTakeFirst();
  if (!row || !sameHash(row.secret_hash, hashSecret(secret))) return undefined;
  if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return undefined;
  return toToken(row);
}
