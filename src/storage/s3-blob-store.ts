import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobLocation } from '../domain/blob-url.js';
import { checkSha256, hashingMeter, type BlobStore, type StagedBlob, type StoredObject } from './blob-store.js';

type S3Location = Extract<BlobLocation, { kind: 's3' }>;

/** Tunables; the defaults suit AWS and the S3-compatible servers tried (tests lower them). */
export interface S3BlobStoreOptions {
  /** Multipart part size: what one upload holds in memory per part in flight (S3's minimum is 5 MiB). */
  partBytes?: number;
  /** Parts uploaded at once. */
  queueSize?: number;
  /** Largest object one CopyObject may copy (S3: 5 GiB); larger ones are copied in parts. */
  copyLimitBytes?: number;
  /** How long a presigned download URL is valid. */
  presignSeconds?: number;
}

const MIB = 1024 * 1024;

/**
 * Blobs in an S3-compatible bucket under `<prefix>/ab/<sha256>`. An upload streams as a multipart
 * upload to `<prefix>/tmp/<random>` while it is hashed (at most `partBytes × (queueSize + 1)` in
 * memory), and is copied inside the bucket to its name once the checksum is known and checked.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly opts: Required<S3BlobStoreOptions>;

  constructor(
    private readonly where: S3Location,
    opts: S3BlobStoreOptions = {},
  ) {
    this.opts = { partBytes: 8 * MIB, queueSize: 2, copyLimitBytes: 5 * 1024 * MIB, presignSeconds: 300, ...opts };
    this.client = new S3Client({
      ...(where.endpoint ? { endpoint: where.endpoint } : {}),
      region: where.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: where.pathStyle,
      // Checksums only where S3 demands them: the newer default (a CRC trailer on every upload)
      // is not understood by every S3-compatible server; Proctor checks SHA-256 itself.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  get location(): string {
    return `s3://${this.where.bucket}/${this.where.prefix}`;
  }

  private key(rest: string): string {
    return this.where.prefix ? `${this.where.prefix}/${rest}` : rest;
  }

  private blobKey(sha256: string): string {
    return this.key(`${checkSha256(sha256).slice(0, 2)}/${sha256}`);
  }

  async stage(source: Readable, opts: { maxBytes: number; expectedSha256?: string }): Promise<StagedBlob> {
    const tmp = this.key(`tmp/${randomBytes(8).toString('hex')}`);
    const { meter, result } = hashingMeter(opts);
    const body = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.where.bucket, Key: tmp, Body: body, ContentType: 'application/octet-stream' },
      partSize: this.opts.partBytes,
      queueSize: this.opts.queueSize,
      leavePartsOnError: false,
    });
    const uploaded = upload.done();
    // A failed upload stops reading its body: end the pipeline too, or it would wait forever.
    uploaded.catch((e: unknown) => body.destroy(e as Error));
    try {
      await pipeline(source, meter, body);
    } catch (e) {
      await upload.abort().catch(() => undefined);
      await this.deleteKey(tmp);
      throw e;
    }
    await uploaded;
    let checked: ReturnType<typeof result>;
    try {
      checked = result();
    } catch (e) {
      await this.deleteKey(tmp);
      throw e;
    }
    const { sha256, size } = checked;
    return {
      sha256,
      size,
      commit: async () => {
        // Copied even when the blob exists: the copy's new time tells the orphan sweep it was just written.
        await this.copy(tmp, this.blobKey(sha256), size);
        await this.deleteKey(tmp);
      },
      discard: () => this.deleteKey(tmp),
    };
  }

  private async copy(from: string, to: string, size: number): Promise<void> {
    const source = `${this.where.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    if (size <= this.opts.copyLimitBytes) {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.where.bucket,
          Key: to,
          CopySource: source,
          ContentType: 'application/octet-stream',
          MetadataDirective: 'REPLACE',
        }),
      );
      return;
    }
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.where.bucket, Key: to, ContentType: 'application/octet-stream' }),
    );
    try {
      const parts = [];
      const partSize = Math.max(5 * MIB, Math.ceil(size / 9_000));
      for (let start = 0, n = 1; start < size; start += partSize, n++) {
        const end = Math.min(size, start + partSize) - 1;
        const r = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.where.bucket,
            Key: to,
            UploadId,
            PartNumber: n,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ PartNumber: n, ETag: r.CopyPartResult?.ETag });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.where.bucket,
          Key: to,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (e) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.where.bucket, Key: to, UploadId }))
        .catch(() => undefined);
      throw e;
    }
  }

  async open(sha256: string, opts: { start?: number } = {}): Promise<Readable | null> {
    try {
      const r = await this.client.send(
        new GetObjectCommand({
          Bucket: this.where.bucket,
          Key: this.blobKey(sha256),
          ...(opts.start ? { Range: `bytes=${opts.start}-` } : {}),
        }),
      );
      return r.Body instanceof Readable ? r.Body : Readable.fromWeb(r.Body as never);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async stat(sha256: string): Promise<{ size: number; modifiedAt: number } | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.where.bucket, Key: this.blobKey(sha256) }));
      return { size: r.ContentLength ?? 0, modifiedAt: r.LastModified?.getTime() ?? 0 };
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async delete(sha256: string): Promise<void> {
    await this.deleteKey(this.blobKey(sha256));
  }

  private async deleteKey(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.where.bucket, Key: key }));
  }

  async presignedUrl(
    sha256: string,
    headers: { contentType: string; contentDisposition: string },
  ): Promise<string | null> {
    if (!this.where.presign) return null;
    const command = new GetObjectCommand({
      Bucket: this.where.bucket,
      Key: this.blobKey(sha256),
      ResponseContentType: headers.contentType,
      ResponseContentDisposition: headers.contentDisposition,
    });
    return getSignedUrl(this.client, command, { expiresIn: this.opts.presignSeconds });
  }

  /** Listed with ListObjects (version 1) and markers: every S3-compatible server pages those alike. */
  async list(after: string | null, limit: number): Promise<{ items: StoredObject[]; next: string | null }> {
    const base = this.key('');
    const r = await this.client.send(
      new ListObjectsCommand({
        Bucket: this.where.bucket,
        Prefix: base,
        MaxKeys: limit,
        ...(after !== null ? { Marker: base + after } : {}),
      }),
    );
    const items: StoredObject[] = (r.Contents ?? []).map((o) => {
      const key = (o.Key ?? '').slice(base.length);
      const m = /^[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(key);
      return { key, sha256: m ? m[1]! : null, size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() ?? 0 };
    });
    return { items, next: r.IsTruncated && items.length > 0 ? items[items.length - 1]!.key : null };
  }

  async deleteLeftover(key: string): Promise<void> {
    await this.deleteKey(this.key(key));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
}
