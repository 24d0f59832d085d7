import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkSha256, hashingMeter, type BlobStore, type StagedBlob, type StoredObject } from './blob-store.js';

/**
 * Content-addressed files under `<dataDir>/blobs/ab/abcdef…`. A blob is written to `tmp/` while its
 * SHA-256 is computed and renamed into place only when complete and, if the caller named one, when
 * the checksum matches; a partial upload never becomes a blob.
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  constructor(private readonly root: string) {}

  get location(): string {
    return this.root;
  }

  pathOf(sha256: string): string {
    return join(this.root, checkSha256(sha256).slice(0, 2), sha256);
  }

  async stage(source: Readable, opts: { maxBytes: number; expectedSha256?: string }): Promise<StagedBlob> {
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const tmp = join(this.root, 'tmp', randomBytes(8).toString('hex'));
    const { meter, result } = hashingMeter(opts);
    try {
      await pipeline(source, meter, createWriteStream(tmp));
      const { sha256, size } = result();
      const final = this.pathOf(sha256);
      return {
        sha256,
        size,
        commit: async () => {
          await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
          // Renaming over an existing blob replaces it with the same bytes; the new time tells
          // the orphan sweep that someone just wrote it.
          await utimes(tmp, new Date(), new Date());
          await rename(tmp, final);
        },
        discard: () => rm(tmp, { force: true }),
      };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async open(sha256: string, opts: { start?: number } = {}): Promise<Readable | null> {
    const path = this.pathOf(sha256);
    if (!(await this.stat(sha256))) return null;
    return createReadStream(path, opts.start ? { start: opts.start } : {});
  }

  async stat(sha256: string): Promise<{ size: number; modifiedAt: number } | null> {
    return stat(this.pathOf(sha256)).then(
      (s) => ({ size: s.size, modifiedAt: wholeMs(s.mtimeMs) }),
      () => null,
    );
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async presignedUrl(): Promise<string | null> {
    return null;
  }

  /** Keys are `ab/<sha256>` and `tmp/<name>`, listed in that order (directory names sort before `tmp`). */
  async list(after: string | null, limit: number): Promise<{ items: StoredObject[]; next: string | null }> {
    const dirs = (await readdir(this.root).catch(() => [] as string[]))
      .filter((d) => /^[0-9a-f]{2}$|^tmp$/.test(d))
      .sort();
    const items: StoredObject[] = [];
    for (const dir of dirs) {
      if (after !== null && `${dir}/\uffff` <= after) continue;
      const names = (await readdir(join(this.root, dir)).catch(() => [] as string[])).sort();
      for (const name of names) {
        const key = `${dir}/${name}`;
        if (after !== null && key <= after) continue;
        const s = await stat(join(this.root, dir, name)).catch(() => null);
        if (!s?.isFile()) continue;
        items.push({
          key,
          sha256: dir === 'tmp' ? null : /^[0-9a-f]{64}$/.test(name) ? name : null,
          size: s.size,
          modifiedAt: wholeMs(s.mtimeMs),
        });
        if (items.length === limit) return { items, next: key };
      }
    }
    return { items, next: null };
  }

  async deleteLeftover(key: string): Promise<void> {
    if (!/^(tmp\/[0-9a-f]+|[0-9a-f]{2}\/[^/]+)$/.test(key)) return;
    await rm(join(this.root, key), { force: true });
  }

  async close(): Promise<void> {}
}

/**
 * A file time in whole milliseconds. `mtimeMs` has a fraction (the file system keeps nanoseconds, and
 * the time `commit` sets comes back as `….999`), and a fraction is no `bigint` on PostgreSQL: adopting
 * such a blob into the registry failed the whole retention pass. Rounded up, so a blob never looks
 * older than it is to the orphan sweep's grace period (and a time `commit` set comes back exact).
 */
function wholeMs(mtimeMs: number): number {
  return Math.ceil(mtimeMs);
}
