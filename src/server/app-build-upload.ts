import { PassThrough, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { AddressPolicy } from '../domain/address-policy.js';
import { outboundUrlProblem } from '../domain/outbound-url.js';
import { isPlainObject } from '../domain/validation.js';
import { AppError } from '../protocol/errors.js';
import type { RegisteredBlobs } from '../storage/registered-blobs.js';

const SHA256 = /^[0-9a-fA-F]{64}$/;

/** What an upload stored: a blob's checksum and size, or a URL (with a checksum if the caller gave one). */
export type UploadedContent = { sha256: string | null; size: number | null; url: string | null };

/**
 * Streams a raw `application/octet-stream` body into the blob store, refusing more than `maxBytes`
 * (413) and, when `sha256` is given, content that does not hash to it (400). The request is piped
 * through a PassThrough so a refused upload ends the store's pipeline without destroying the
 * socket: the client still reads the error.
 */
export async function storeUpload(
  req: FastifyRequest,
  blobs: Pick<RegisteredBlobs, 'put'>,
  maxBytes: number,
  sha256: string | undefined,
): Promise<UploadedContent> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const source = new PassThrough();
  (req.body as Readable).pipe(source);
  const stored = await blobs.put(source, { maxBytes, ...(sha256 ? { expectedSha256: sha256.toLowerCase() } : {}) });
  return { sha256: stored.sha256, size: stored.size, url: null };
}

/**
 * Reads `{ "url": "https://…", "sha256"?: "…" }`, the body that registers a build by URL. The URL
 * must be one the outbound policy lets agents call: http(s), no credentials, no literal private
 * address (a host name is judged again, resolved, by the agent that downloads it).
 */
export function readUrlBody(body: unknown, querySha256: string | undefined, policy: AddressPolicy): UploadedContent {
  if (!isPlainObject(body) || typeof body.url !== 'string') {
    throw new AppError(
      'VALIDATION_FAILED',
      'body: expected { "url": "https://…" } (or send the file itself as application/octet-stream)',
    );
  }
  const extra = Object.keys(body).filter((k) => k !== 'url' && k !== 'sha256');
  if (extra.length) throw new AppError('VALIDATION_FAILED', `body.${extra[0]}: unknown field; expected url and sha256`);
  if (body.url.length > 2000) throw invalid('body.url', 'expected an http(s) URL of at most 2000 characters');
  const problem = outboundUrlProblem(body.url, policy);
  if (problem) throw invalid('body.url', problem);
  const sha = body.sha256 ?? querySha256;
  if (sha !== undefined && (typeof sha !== 'string' || !SHA256.test(sha)))
    throw invalid('body.sha256', 'expected 64 hex digits');
  return { sha256: sha === undefined ? null : sha.toLowerCase(), size: null, url: new URL(body.url).href };
}

function invalid(path: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${path}: ${message}`, { details: [{ path, message }] });
}

/** The file name a build gets on agents: the caller's, else the URL's last segment, else `name-version`. */
export function buildFileName(name: string, version: string, fileName: string | undefined, url: string | null): string {
  if (fileName) return fileName;
  // The URL's segment is only taken when it is already a plain file name: no decoding, nothing to escape.
  const last = url ? (new URL(url).pathname.split('/').pop() ?? '') : '';
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(last)) return last;
  return `${name}-${version}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `the upload exceeds the limit of ${maxBytes} bytes (PROCTOR_APP_BUILD_LIMIT)`,
  );
}
