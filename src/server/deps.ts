import type { Logger } from 'pino';
import type { QueueContext } from '../queue/context.js';
import type { Store } from '../storage/database.js';
import type { RegisteredBlobs } from '../storage/registered-blobs.js';
import type { ServerConfig } from './config.js';
import type { RetentionLoop } from './retention-loop.js';
import type { RunFeeds } from './run-feed.js';

/** What routes and background loops are built from; passed explicitly, never imported. */
export interface ServerDeps {
  store: Store;
  queue: QueueContext;
  config: ServerConfig;
  logger: Logger;
  /** Artifacts, app builds and ended logs: the data directory or an S3 bucket, with its registry. */
  blobs: RegisteredBlobs;
  /** The retention pass and the move of ended logs to the blob store, in the background and on request. */
  retention: RetentionLoop;
  /** The live feeds of followed runs (`GET /api/v1/runs/:run/events`), one poll per run. */
  feeds: RunFeeds;
}
