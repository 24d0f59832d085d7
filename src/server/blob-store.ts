import { join } from 'node:path';
import { BlobStore } from '../storage/blobs.js';
import type { ServerConfig } from './config.js';

const stores = new WeakMap<ServerConfig, BlobStore>();

/** The blob store of this configuration (`<dataDir>/blobs`), built once and shared by its routes. */
export function blobStoreOf(config: ServerConfig): BlobStore {
  let s = stores.get(config);
  if (!s) stores.set(config, (s = new BlobStore(join(config.dataDir, 'blobs'))));
  return s;
}
