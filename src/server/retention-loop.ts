import type { Logger } from 'pino';
import { archiveEndedLogs } from '../queue/log-archive.js';
import { retentionPass, type RetentionOptions } from '../queue/retention-pass.js';
import type { RetentionCounts } from '../queue/retention-steps.js';
import type { QueueContext } from '../queue/context.js';
import type { RegisteredBlobs } from '../storage/registered-blobs.js';
import type { ServerConfig } from './config.js';

/** How often ended logs move to the blob store. */
const ARCHIVE_EVERY_MS = 30_000;

export interface RetentionLoopOptions {
  /** Overrides PROCTOR_RETENTION_INTERVAL_MS (tests); 0: only on request. */
  everyMs?: number;
  archiveEveryMs?: number;
  /** Staging leftovers older than this are removed (tests lower it). */
  leftoverMs?: number;
}

/**
 * Runs the retention pass every `everyMs` and moves ended logs to the blob store every 30 s, one
 * thing at a time in this process; `runNow` (the admin route) runs a pass at once, after the one
 * under way. A failed pass is logged; the next one starts over and finishes its work.
 */
export class RetentionLoop {
  private current: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  readonly options: RetentionOptions;

  constructor(
    private readonly queue: QueueContext,
    private readonly blobs: RegisteredBlobs,
    private readonly logger: Logger,
    config: ServerConfig,
    private readonly loop: RetentionLoopOptions = {},
  ) {
    this.options = {
      defaults: config.retention,
      historyRuns: config.retentionHistoryRuns,
      batch: config.retentionBatch,
      pauseMs: config.retentionPauseMs,
      ...(loop.leftoverMs !== undefined ? { leftoverMs: loop.leftoverMs } : {}),
    };
    this.everyMs = loop.everyMs ?? config.retentionIntervalMs;
  }

  private readonly everyMs: number;

  start(): void {
    const every = (ms: number, fn: () => Promise<unknown>) => {
      if (ms <= 0) return;
      const t = setInterval(() => void this.serial(fn).catch(() => undefined), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.everyMs, () => this.pass());
    every(this.loop.archiveEveryMs ?? ARCHIVE_EVERY_MS, () => this.archive());
  }

  /** One retention pass now (after the one under way, if any). */
  runNow(): Promise<RetentionCounts> {
    return this.serial(() => this.pass());
  }

  /** Moves ended logs to the blob store now. */
  archiveNow(): Promise<number> {
    return this.serial(() => this.archive());
  }

  private async pass(): Promise<RetentionCounts> {
    const started = Date.now();
    try {
      const counts = await retentionPass(this.queue, this.blobs, this.options);
      const total = counts.runs + counts.logs + counts.artifacts + counts.appBuilds + counts.blobs;
      if (total > 0) this.logger.info({ ...counts, ms: Date.now() - started }, 'retention pass');
      return counts;
    } catch (e) {
      this.logger.error({ err: e }, 'retention pass failed; the next pass goes on');
      throw e;
    }
  }

  private async archive(): Promise<number> {
    try {
      return await archiveEndedLogs(this.queue, this.blobs, { ...this.options, defaults: this.options.defaults });
    } catch (e) {
      this.logger.error({ err: e }, 'moving ended logs to the blob store failed');
      throw e;
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('the server is stopping'));
    const run = this.current.then(fn, fn);
    this.current = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.current;
  }
}
