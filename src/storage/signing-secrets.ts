import type { Kysely } from 'kysely';
import { newWebhookSecret } from '../domain/webhook-signature.js';
import { fromJson, toJson } from './json.js';
import type { Database } from './schema.js';

/**
 * The secrets a receiver's deliveries are signed with. After a rotation the previous secret keeps
 * signing too (a second signature in the header) until `previousExpiresAt`, so receivers can switch
 * to the new one without missing a delivery.
 */
export interface SigningSecrets {
  current: string;
  previous: string | null;
  previousExpiresAt: number | null;
}

/** How long a rotated-out secret keeps signing by default. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** A new secret and no previous one. */
export function freshSecrets(): SigningSecrets {
  return { current: newWebhookSecret(), previous: null, previousExpiresAt: null };
}

/** The secrets after a rotation at `now`: a new current one, the old one kept for `overlapMs`. */
export function rotated(s: SigningSecrets, now: number, overlapMs = ROTATION_OVERLAP_MS): SigningSecrets {
  return { current: newWebhookSecret(), previous: s.current, previousExpiresAt: now + overlapMs };
}

/** Every secret that signs a delivery sent at `now`, current first. */
export function liveSecrets(s: SigningSecrets, now: number): string[] {
  return s.previous && s.previousExpiresAt !== null && s.previousExpiresAt > now
    ? [s.current, s.previous]
    : [s.current];
}

/** Reads the JSON column; null when there is none yet. */
export function parseSecrets(text: string | null): SigningSecrets | null {
  return fromJson<SigningSecrets | null>(text, null);
}

/**
 * The project's callback secrets, created on first use. The guarded update makes concurrent first
 * uses (several replicas) agree on one secret.
 */
export async function ensureCallbackSecrets(db: Kysely<Database>, projectId: number): Promise<SigningSecrets> {
  const read = async () =>
    (await db.selectFrom('projects').select('callback_secrets').where('id', '=', projectId).executeTakeFirstOrThrow())
      .callback_secrets;
  const existing = parseSecrets(await read());
  if (existing) return existing;
  await db
    .updateTable('projects')
    .set({ callback_secrets: toJson(freshSecrets()) })
    .where('id', '=', projectId)
    .where('callback_secrets', 'is', null)
    .execute();
  return parseSecrets(await read())!;
}

/** Rotates the project's callback secret; returns the new secrets. */
export async function rotateCallbackSecrets(
  db: Kysely<Database>,
  projectId: number,
  now: number,
): Promise<SigningSecrets> {
  const next = rotated(await ensureCallbackSecrets(db, projectId), now);
  await db
    .updateTable('projects')
    .set({ callback_secrets: toJson(next) })
    .where('id', '=', projectId)
    .execute();
  return next;
}
