import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlobUrl } from '../../src/domain/blob-url.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { LocalBlobStore } from '../../src/storage/blobs.js';
import { S3BlobStore } from '../../src/storage/s3-blob-store.js';
import { startTestS3, type TestS3 } from '../support/s3-server.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A stream of `total` bytes in 64 KiB pieces, as a request body arrives. */
const streamOf = (b: Buffer) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < b.length; i += 64 * 1024) yield b.subarray(i, i + 64 * 1024);
    })(),
  );
async function read(s: Readable | null): Promise<Buffer> {
  if (!s) throw new Error('no blob');
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
async function listAll(store: BlobStore) {
  const out = [];
  for (let after: string | null = null, first = true; first || after !== null; first = false) {
    const page: Awaited<ReturnType<BlobStore['list']>> = await store.list(after, 2);
    out.push(...page.items);
    after = page.next;
  }
  return out;
}

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(() => s3?.close());

const stores: [string, () => BlobStore][] = [
  ['local directory', () => new LocalBlobStore(mkdtempSync(join(tmpdir(), 'proctor-blobs-')))],
  // Parts of S3's minimum size, and a copy limit low enough that a 12 MiB blob is copied in parts.
  [
    'S3 (s3rver)',
    () =>
      new S3BlobStore(parseBlobUrl(s3.blobUrl(`t${randomBytes(4).toString('hex')}`, { presign: true })) as never, {
        partBytes: 5 * MiB,
        queueSize: 1,
        copyLimitBytes: 6 * MiB,
      }),
  ],
];

describe.each(stores)('blob store: %s', (_name, make) => {
  let store: BlobStore;
  beforeAll(() => {
    store = make();
  });

  it('streams a 12 MiB blob in (multipart on S3) and out, whole and from an offset, under its checksum', async () => {
    const body = randomBytes(12 * MiB);
    const staged = await store.stage(streamOf(body), { maxBytes: 20 * MiB, expectedSha256: sha(body) });
    expect([staged.sha256, staged.size]).toEqual([sha(body), body.length]);
    // Staged is not stored: nobody finds it before commit.
    expect(await store.stat(staged.sha256)).toBeNull();
    await staged.commit();
    expect((await store.stat(staged.sha256))?.size).toBe(body.length);
    expect((await read(await store.open(staged.sha256))).equals(body)).toBe(true);
    expect(
      (await read(await store.open(staged.sha256, { start: 5 * MiB + 3 }))).equals(body.subarray(5 * MiB + 3)),
    ).toBe(true);
    const listed = await listAll(store);
    expect(listed.map((o) => o.sha256)).toEqual([sha(body)]);
    await store.delete(staged.sha256);
    await store.delete(staged.sha256);
    expect(await store.open(staged.sha256)).toBeNull();
    expect(await listAll(store)).toEqual([]);
  });

  it('refuses a wrong checksum and an oversized upload, leaving nothing behind', async () => {
    const body = randomBytes(300 * 1024);
    await expect(store.stage(streamOf(body), { maxBytes: MiB, expectedSha256: '0'.repeat(64) })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(store.stage(streamOf(body), { maxBytes: 100 * 1024 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    const staged = await store.stage(streamOf(body), { maxBytes: MiB });
    await staged.discard();
    expect(await listAll(store)).toEqual([]);
  });

  it('lists blobs and staging leftovers in key order, a page at a time, and removes leftovers', async () => {
    const bodies = [0, 1, 2, 3].map(() => randomBytes(1000));
    for (const b of bodies) await (await store.stage(streamOf(b), { maxBytes: MiB })).commit();
    const leftover = await store.stage(streamOf(randomBytes(10)), { maxBytes: MiB });
    const listed = await listAll(store);
    expect(
      listed
        .filter((o) => o.sha256 !== null)
        .map((o) => o.sha256)
        .sort(),
    ).toEqual(bodies.map(sha).sort());
    const stray = listed.filter((o) => o.sha256 === null);
    expect(stray).toHaveLength(1);
    expect(listed.map((o) => o.key)).toEqual([...listed.map((o) => o.key)].sort());
    await store.deleteLeftover(stray[0]!.key);
    expect((await listAll(store)).filter((o) => o.sha256 === null)).toEqual([]);
    await leftover.discard();
    for (const b of bodies) await store.delete(sha(b));
  });

  it('gives a presigned URL where the store allows it, answering with the type and disposition asked for', async () => {
    const body = randomBytes(2000);
    await (await store.stage(streamOf(body), { maxBytes: MiB })).commit();
    const url = await store.presignedUrl(sha(body), {
      contentType: 'image/png',
      contentDisposition: 'inline; filename="a.png"',
    });
    if (store.kind === 'local') return expect(url).toBeNull();
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="a.png"');
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
  });
});

describe('PROCTOR_BLOB_URL', () => {
  it('reads a bucket, a prefix and the options, and names what is wrong', () => {
    expect(parseBlobUrl(undefined)).toEqual({ kind: 'local' });
    expect(parseBlobUrl('s3://my-bucket/a/b/?endpoint=http://127.0.0.1:9000&region=eu-west-1')).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'a/b',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      pathStyle: true,
      presign: false,
    });
    expect(parseBlobUrl('s3://my-bucket')).toMatchObject({ prefix: '', endpoint: undefined, pathStyle: false });
    expect(parseBlobUrl('s3://key:secret@my-bucket/x')).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(parseBlobUrl('gs://my-bucket/x')).toMatch(/s3:\/\//);
    expect(parseBlobUrl('s3://my-bucket/x?endpiont=http://a')).toMatch(/unknown option "endpiont"/);
    expect(parseBlobUrl('s3://my-bucket/x?presign=maybe')).toMatch(/presign: expected true or false/);
  });
});
