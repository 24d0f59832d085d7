import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { DEFAULT_QUEUE_SETTINGS, type QueueContext, type QueueSettings } from '../queue/context.js';
import { reap } from '../queue/reaper.js';
import { RunFactsCache } from '../queue/run-facts.js';
import { Wakeup } from '../queue/wakeup.js';
import { openStore, type Store } from '../storage/database.js';
import { createJobNotifier } from '../storage/job-notifier.js';
import { buildApp, type BuildAppOptions } from './app.js';
import { bootstrapAdmin } from './bootstrap.js';
import type { ServerConfig } from './config.js';
import { startWebhookLoop, type WebhookLoopOptions } from './webhook-loop.js';
import { addressPolicy } from './outbound-url-check.js';
import { openBlobStore } from './blob-store.js';
import { RetentionLoop, type RetentionLoopOptions } from './retention-loop.js';
import { RunFeeds, SERVER_FEED_OPTIONS } from './run-feed.js';
import { RegisteredBlobs } from '../storage/registered-blobs.js';
import type { S3BlobStoreOptions } from '../storage/s3-blob-store.js';

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  queue: QueueContext;
  blobs: RegisteredBlobs;
  retention: RetentionLoop;
  /** The admin token when this start created it (print it once) or took it from PROCTOR_ADMIN_TOKEN. */
  admin: { token: string; created: boolean } | null;
  close(): Promise<void>;
}

export interface StartOptions extends BuildAppOptions {
  clock?: () => number;
  settings?: Partial<QueueSettings>;
  /** How often the reaper looks for expired leases and timeouts. */
  reapEveryMs?: number;
  /** PostgreSQL schema (tests). */
  schema?: string;
  /** Webhook delivery: how often a pass runs, and (tests) a stubbed DNS lookup or connecting function. */
  webhooks?: Omit<WebhookLoopOptions, 'policy'>;
  /** Retention loop timing (tests). */
  retention?: RetentionLoopOptions;
  /** S3 part sizes and limits (tests, benchmarks). */
  s3?: S3BlobStoreOptions;
}

/** Opens the database, applies migrations, builds the API and listens. */
export async function startServer(
  config: ServerConfig,
  logger: Logger,
  opts: StartOptions = {},
): Promise<RunningServer> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(opts.schema ? { schema: opts.schema } : {}),
  });
  const clock = opts.clock ?? Date.now;
  let notifier: Awaited<ReturnType<typeof createJobNotifier>> = null;
  try {
    const admin = await bootstrapAdmin(store, config.adminToken, clock());
    const queue: QueueContext = {
      db: store.db,
      cap: store.cap,
      clock,
      wakeup: new Wakeup(),
      runFacts: new RunFactsCache(),
      settings: {
        ...DEFAULT_QUEUE_SETTINGS,
        leaseMs: config.leaseMs,
        maxAttempts: config.maxAttempts,
        outboundAllow: config.outboundAllowPrivate,
        ...opts.settings,
      },
    };
    notifier = await createJobNotifier(
      config.databaseUrl,
      () => queue.wakeup.wakeLocal(),
      (e) => logger.warn({ err: e }, 'job notifications failed'),
    );
    const n = notifier;
    queue.wakeup.publish = n ? () => n.publish() : null;
    const blobStore = openBlobStore(config, opts.s3);
    const blobs = new RegisteredBlobs(blobStore, store.db, store.cap, clock, config.blobGraceMs);
    const retention = new RetentionLoop(queue, blobs, logger, config, opts.retention);
    const feeds = new RunFeeds(store.db, SERVER_FEED_OPTIONS);
    const app = await buildApp({ store, queue, config, logger, blobs, retention, feeds }, opts);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
    const reaper = startReaper(queue, logger, opts.reapEveryMs ?? 1000);
    const retentionMs = config.webhookRetentionDays > 0 ? config.webhookRetentionDays * 86_400_000 : null;
    const webhooks = startWebhookLoop(queue, logger, { retentionMs, ...opts.webhooks, policy: addressPolicy(config) });
    retention.start();
    return {
      url: `http://${host}:${port}`,
      app,
      store,
      queue,
      blobs,
      retention,
      admin,
      async close() {
        reaper.stop();
        await retention.stop();
        await webhooks.stop();
        queue.wakeup.wakeLocal();
        feeds.close();
        await app.close();
        await n?.close();
        await blobStore.close();
        await store.close();
      },
    };
  } catch (e) {
    await notifier?.close();
    await store.close();
    throw e;
  }
}

function startReaper(queue: QueueContext, logger: Logger, everyMs: number): { stop(): void } {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const r = await reap(queue);
      if (r.requeued + r.errored + r.timedOutJobs + r.timedOutRuns > 0) logger.info(r, 'reaper');
    } catch (e) {
      logger.error({ err: e }, 'reaper pass failed');
    } finally {
      busy = false;
    }
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
