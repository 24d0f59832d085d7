import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a presigned upload URL allows: one file of `fileSize` bytes into one project, as an app
 * build of this UUID, until `expiresAt`, on behalf of one API key.
 */
export interface UploadGrant {
  projectId: number;
  keyId: number;
  uuid: string;
  fileName: string;
  fileSize: number;
  expiresAt: number;
}

/** How long an upload URL works: TesterArmy's client PUTs the file right after asking for it. */
export const UPLOAD_GRANT_MS = 60 * 60_000;

/**
 * The grant as the `grant` query parameter of an upload URL: the grant in base64url JSON, a dot,
 * and its HMAC-SHA256 under `secret` (the stored hash of the key that asked, which never leaves the
 * server, so the URL stops working when the key is revoked or deleted).
 */
export function signUploadGrant(g: UploadGrant, secret: string): string {
  const body = Buffer.from(
    JSON.stringify({ p: g.projectId, k: g.keyId, u: g.uuid, n: g.fileName, s: g.fileSize, e: g.expiresAt }),
  ).toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

/** The grant a token names, unverified (the key it names holds the secret), or null if it is not one. */
export function readUploadGrant(token: string): { grant: UploadGrant; verify(secret: string): boolean } | null {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const v = raw as Record<string, unknown>;
  const ints = [v.p, v.k, v.s, v.e].every((x) => Number.isSafeInteger(x));
  if (!ints || typeof v.u !== 'string' || typeof v.n !== 'string') return null;
  const grant = {
    projectId: v.p as number,
    keyId: v.k as number,
    uuid: v.u,
    fileName: v.n,
    fileSize: v.s as number,
    expiresAt: v.e as number,
  };
  return {
    grant,
    verify: (secret) => {
      const want = Buffer.from(mac(body, secret));
      const got = Buffer.from(sig);
      return want.length === got.length && timingSafeEqual(want, got);
    },
  };
}

function mac(body: string, secret: string): string {
  return createHmac('sha256', secret).update(`proctor-upload-grant:${body}`).digest('base64url');
}
