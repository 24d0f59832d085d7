import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer credentials look like `pk_1a2b3c4d5e_<secret>` (API keys) or `ag_…` (agents). Only the
 * prefix is stored readable; the secret is stored as a SHA-256 hash. The secret carries 192 random
 * bits, so a fast hash is enough: there is nothing to brute-force that a slow hash would protect.
 */
export interface NewCredential {
  token: string;
  prefix: string;
  hash: string;
}

export type CredentialKind = 'pk' | 'ag' | 'rt';

export function newCredential(kind: CredentialKind): NewCredential {
  const prefix = `${kind}_${randomBytes(5).toString('hex')}`;
  const secret = randomBytes(24).toString('base64url');
  const token = `${prefix}_${secret}`;
  return { token, prefix, hash: hashSecret(token) };
}

/** Builds a credential from a chosen token (PROCTOR_ADMIN_TOKEN); null when its shape is wrong. */
export function credentialFromToken(token: string, kind: CredentialKind): NewCredential | null {
  const parsed = parseToken(token);
  if (!parsed || !token.startsWith(`${kind}_`)) return null;
  return { token, prefix: parsed.prefix, hash: hashSecret(token) };
}

/** Splits a presented token into its lookup prefix; null when it cannot be a Proctor credential. */
export function parseToken(token: string): { prefix: string } | null {
  const m = /^((?:pk|ag|rt)_[0-9a-f]{10})_[A-Za-z0-9_-]{16,128}$/.exec(token);
  return m ? { prefix: m[1] as string } : null;
}

export function hashSecret(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
