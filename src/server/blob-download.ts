import type { FastifyReply } from 'fastify';
import { AppError } from '../protocol/errors.js';
import type { RegisteredBlobs } from '../storage/registered-blobs.js';
import { contentDisposition, downloadHeaders } from './download-headers.js';

export interface BlobDownload {
  sha256: string;
  size: number | null;
  /** One of ours or a validated media type (see `downloadHeaders`). */
  type: string;
  disposition: { kind: 'inline' | 'attachment'; fileName: string };
  /** Said when the blob is missing from the store. */
  what: string;
  headers?: Record<string, string>;
}

/**
 * Sends a blob with the download headers: a redirect to a presigned URL when the store gives one
 * (the bucket then answers with the same type and disposition), else the bytes, streamed.
 */
export async function sendBlob(reply: FastifyReply, blobs: RegisteredBlobs, d: BlobDownload): Promise<FastifyReply> {
  downloadHeaders(reply, { type: d.type, disposition: d.disposition });
  for (const [k, v] of Object.entries(d.headers ?? {})) reply.header(k, v);
  const url = await blobs.store.presignedUrl(d.sha256, {
    contentType: d.type,
    contentDisposition: contentDisposition(d.disposition.kind, d.disposition.fileName),
  });
  // A 302 of a GET stays a GET; the bucket's answer carries the type and disposition asked for.
  if (url !== null) return reply.code(302).header('location', url).header('cache-control', 'no-store').send();
  const body = await blobs.open(d.sha256);
  if (!body) throw new AppError('NOT_FOUND', `the content of ${d.what} is missing from the blob store`);
  if (d.size !== null) reply.header('content-length', String(d.size));
  return reply.send(body);
}
