import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { blobReferenced, registerBlob } from './blob-registry.js';
import type { BlobStore } from './blob-store.js';
import type { DialectCapabilities } from './dialect.js';
import type { Database } from './schema.js';

/** How long a blob stored a moment ago is left alone, referenced or not: its row may be on its way. */
export const BLOB_GRACE_MS = 60 * 60_000;

/**
 * The blob store and its registry (`blobs`), kept in step so that deleting a blob can never lose one
 * that an upload of the same content is about to use. An upload registers its checksum (refreshing
 * `put_at`) before the blob becomes visible; a deletion checks, under a lock on that row, that the
 * blob is old and unreferenced, deletes it, then its row. The lock makes a concurrent upload of the
 * same content register after the deletion is complete, and so publish its blob again afterwards.
 * On PostgreSQL the lock is the row's (`FOR UPDATE`), across replicas; on SQLite, which one server
 * process owns, a lock in this process, so no write transaction is held while a file is deleted.
 */
export class RegisteredBlobs {
  private readonly local = new Map<string, Promise<unknown>>();

  constructor(
    readonly store: BlobStore,
    private readonly db: Kysely<Database>,
    private readonly cap: DialectCapabilities,
    private readonly clock: () => number,
    readonly graceMs = BLOB_GRACE_MS,
  ) {}

  /** Streams `source` into the store; refuses more than `maxBytes` (413) or a wrong `expectedSha256` (400). */
  async put(
    source: Readable,
    opts: { maxBytes: number; expectedSha256?: string },
  ): Promise<{ sha256: string; size: number }> {
    const staged = await this.store.stage(source, opts);
    try {
      await this.locked(staged.sha256, () =>
        registerBlob(this.db, { sha256: staged.sha256, size: staged.size, now: this.clock() }),
      );
      await staged.commit();
    } catch (e) {
      await staged.discard().catch(() => undefined);
      throw e;
    }
    return { sha256: staged.sha256, size: staged.size };
  }

  /**
   * Deletes the blob and its row if no row refers to it and nobody stored it within the grace
   * period; says what happened. Safe to call twice, from any replica, for any checksum.
   */
  async release(sha256: string): Promise<'deleted' | 'referenced' | 'recent' | 'absent'> {
    const grace = this.clock() - this.graceMs;
    const attempt = async (db: Kysely<Database>, forUpdate: boolean) => {
      let q = db.selectFrom('blobs').select('put_at').where('sha256', '=', sha256);
      if (forUpdate) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) return 'absent' as const;
      if (Number(row.put_at) >= grace) return 'recent' as const;
      if (await blobReferenced(db, sha256)) return 'referenced' as const;
      await this.store.delete(sha256);
      await db.deleteFrom('blobs').where('sha256', '=', sha256).execute();
      return 'deleted' as const;
    };
    if (this.cap.rowLocks) return this.db.transaction().execute((trx) => attempt(trx, true));
    return this.locked(sha256, () => attempt(this.db, false));
  }

  /** Runs `fn` alone for this checksum in this process (SQLite's lock; PostgreSQL's is the row's). */
  private async locked<T>(sha256: string, fn: () => Promise<T>): Promise<T> {
    if (this.cap.rowLocks) return fn();
    const before = this.local.get(sha256) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.local.set(sha256, settled);
    try {
      return await run;
    } finally {
      if (this.local.get(sha256) === settled) this.local.delete(sha256);
    }
  }

  /** The blob's bytes, or null when it is not in the store. */
  open(sha256: string, opts?: { start?: number }): Promise<Readable | null> {
    return this.store.open(sha256, opts);
  }
}
