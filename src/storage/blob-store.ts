import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { AppError } from '../protocol/errors.js';

/**
 * A blob written but not yet visible under its name: `commit` publishes it (a rename, an S3 copy),
 * `discard` forgets it. Between the two its checksum is known, so the caller can record the blob
 * before anyone may find it.
 */
export interface StagedBlob {
  sha256: string;
  size: number;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** One stored object, as a listing of the store shows it: a blob, or a leftover of an unfinished write. */
export interface StoredObject {
  /** The blob's checksum, or null for a staging leftover. */
  sha256: string | null;
  /** Where the listing continues after this object. */
  key: string;
  size: number;
  /** When the object was last written: whole epoch milliseconds, like every time in the database. */
  modifiedAt: number;
}

/**
 * Content-addressed files (artifacts, app builds, ended logs): the data directory or an S3 bucket.
 * Every method streams; nothing holds a whole blob in memory.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Where the blobs are, for start-up messages (`/var/lib/proctor/blobs`, `s3://bucket/prefix`). */
  readonly location: string;
  /** Streams `source` to a staging place; refuses more than `maxBytes` (413) or a wrong `expectedSha256` (400). */
  stage(source: Readable, opts: { maxBytes: number; expectedSha256?: string }): Promise<StagedBlob>;
  /** The blob's bytes (from byte `start`), or null when it is not stored. */
  open(sha256: string, opts?: { start?: number }): Promise<Readable | null>;
  /** The blob's size and when it was last written (whole epoch milliseconds), or null when it is not stored. */
  stat(sha256: string): Promise<{ size: number; modifiedAt: number } | null>;
  /** Removes the blob; removing one that is not there is not an error. */
  delete(sha256: string): Promise<void>;
  /**
   * A URL a client may fetch the blob from directly for a few minutes, answering with these headers;
   * null when this store serves its blobs only through Proctor.
   */
  presignedUrl(sha256: string, headers: { contentType: string; contentDisposition: string }): Promise<string | null>;
  /** Stored objects in key order after `after`, a page at a time; `next` is null after the last page. */
  list(after: string | null, limit: number): Promise<{ items: StoredObject[]; next: string | null }>;
  /** Removes a staging leftover that `list` returned. */
  deleteLeftover(key: string): Promise<void>;
  close(): Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Refuses anything but a lowercase hex SHA-256, so no name ever walks out of the store. */
export function checkSha256(sha256: string): string {
  if (!SHA256.test(sha256)) throw new AppError('VALIDATION_FAILED', 'sha256: expected 64 lowercase hex digits');
  return sha256;
}

/**
 * A pass-through that counts and hashes what flows, failing the stream past `maxBytes` (413). `result`
 * checks the checksum the caller announced (400 when it differs).
 */
export function hashingMeter(opts: { maxBytes: number; expectedSha256?: string }): {
  meter: Transform;
  result(): { sha256: string; size: number };
} {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > opts.maxBytes)
        return done(new AppError('PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${opts.maxBytes} bytes`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return {
    meter,
    result() {
      const sha256 = hash.digest('hex');
      if (opts.expectedSha256 && opts.expectedSha256.toLowerCase() !== sha256) {
        throw new AppError(
          'VALIDATION_FAILED',
          `sha256 mismatch: the upload hashes to ${sha256}, not ${opts.expectedSha256}`,
        );
      }
      return { sha256, size };
    },
  };
}
