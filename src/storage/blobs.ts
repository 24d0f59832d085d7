import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { AppError } from '../protocol/errors.js';

/**
 * Content-addressed files (artifacts, app builds) under `<dataDir>/blobs/ab/abcdef…`. A blob is
 * written to a temporary file while its SHA-256 is computed and moved into place only when complete
 * and, if the caller named one, when the checksum matches; a partial upload never becomes a blob.
 */
export class BlobStore {
  constructor(private readonly root: string) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AppError('VALIDATION_FAILED', 'sha256: expected 64 lowercase hex digits');
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  /** Streams `source` into the store; refuses more than `maxBytes` (413) or a wrong `expectedSha256` (400). */
  async put(source: Readable, opts: { maxBytes: number; expectedSha256?: string }): Promise<{ sha256: string; size: number }> {
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const tmp = join(this.root, 'tmp', randomBytes(8).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > opts.maxBytes) return done(new AppError('PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${opts.maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tmp));
      const sha256 = hash.digest('hex');
      if (opts.expectedSha256 && opts.expectedSha256.toLowerCase() !== sha256) {
        throw new AppError('VALIDATION_FAILED', `sha256 mismatch: the upload hashes to ${sha256}, not ${opts.expectedSha256}`);
      }
      const final = this.pathOf(sha256);
      await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
      await rename(tmp, final);
      return { sha256, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async exists(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(() => true, () => false);
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }
}
