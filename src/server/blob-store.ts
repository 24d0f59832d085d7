import { join } from 'node:path';
import type { BlobStore } from '../storage/blob-store.js';
import { LocalBlobStore } from '../storage/blobs.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../storage/s3-blob-store.js';
import type { ServerConfig } from './config.js';

/**
 * The blob store the configuration names: `<dataDir>/blobs`, or the bucket of PROCTOR_BLOB_URL.
 * Built once at start-up and handed to routes and loops in `ServerDeps`.
 */
export function openBlobStore(config: Pick<ServerConfig, 'blobs' | 'dataDir'>, s3?: S3BlobStoreOptions): BlobStore {
  return config.blobs.kind === 's3'
    ? new S3BlobStore(config.blobs, s3)
    : new LocalBlobStore(join(config.dataDir, 'blobs'));
}
