import type { Logger } from 'pino';
import type { QueueContext } from '../queue/context.js';
import type { Store } from '../storage/database.js';
import type { ServerConfig } from './config.js';

/** What routes and background loops are built from; passed explicitly, never imported. */
export interface ServerDeps {
  store: Store;
  queue: QueueContext;
  config: ServerConfig;
  logger: Logger;
}
