/**
 * A framework process that stays up and runs batch after batch: queue mode. Starting a test
 * framework costs tens to hundreds of milliseconds; a worker pays that once per slot and run, and
 * each further batch costs a line on a pipe.
 *
 * Protocol (the worker's side; see README "Queue mode"):
 * - the worker is started once, in its own process group, with stdin a pipe and a second pipe on
 *   file descriptor 3;
 * - for each batch the agent writes one JSON line on stdin: `{"job", "report_dir", "files",
 *   "scenarios": [{"key", "file", "path"}]}`;
 * - the worker runs those scenarios, writes its report into `report_dir` exactly as the plan's
 *   one-shot command would, and then writes one line (any text) to fd 3;
 * - stdin closing means: no more batches, exit.
 *
 * Everything around the batch is the same as for a one-shot process ({@link runProcess}): the
 * batch's output is captured and streamed, a timeout or cancel terminates the whole process group
 * (SIGTERM, SIGKILL after the grace), and a worker that exits in the middle of a batch ends that
 * batch as a process that exited would. A worker that was stopped or exited is not used again.
 */
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_OUTPUT_CAP_BYTES,
  MIN_OUTPUT_CAP_BYTES,
  OutputCapture,
  STREAM_DRAIN_MS,
  stopOnTimeoutOrCancel,
  describeError,
  groupHasLiveMembers,
  spawnGroupLeader,
  terminateGroup,
  type ProcessUser,
  type RunProcessResult,
} from './process-runner.js';
import { releaseGroup } from './process-keeper.js';

export interface WorkerSpec {
  command: string;
  args: string[];
  cwd: string;
  /** Full environment for the worker. */
  env: Record<string, string>;
  /** Run `command` through `/bin/sh -c`; `args` are ignored. */
  shell?: boolean;
  /** SIGTERM → SIGKILL grace when the worker is stopped (default 1000). */
  graceMs?: number;
  /** Run as this user; unset: as the agent's own. */
  user?: ProcessUser | undefined;
}

export interface BatchOptions {
  /** Stop the worker if the batch takes longer. Unset or non-positive: no timeout. */
  timeoutMs?: number;
  /** Abort = cancel the batch: the worker is stopped. */
  signal?: AbortSignal;
  outputCapBytes?: number;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
}

/** Output kept between batches for the next one. */
const STRAY_CAP_BYTES = 64 * 1024;

type Exit = { code: number | null; signal: string | null };

interface Batch {
  stdout: OutputCapture;
  stderr: OutputCapture;
  done: () => void;
}

/** One live framework worker; see the module comment for its protocol. */
export class FrameworkWorker {
  private batch: Batch | undefined;
  private exit: Exit | undefined;
  private readonly exited: Promise<Exit>;
  private readonly closed: Promise<void>;
  private stopping: Promise<void> | undefined;
  private busy = false;
  /** Batches sent to this worker so far. */
  private sent = 0;
  /** Output written while no batch was under way (late output of the last one), for the next batch's log. */
  private stray: Buffer[] = [];
  private strayBytes = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly pgid: number,
    private readonly graceMs: number,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
        this.batch?.done();
      }),
    );
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    child.on('error', () => undefined); // failed kill(); exit still follows
    child.stdin?.on('error', () => undefined); // EPIPE when the worker died; its exit reports it
    child.stdout?.on('data', (chunk: Buffer) => (this.batch ? this.batch.stdout.push(chunk) : this.keepStray(chunk)));
    child.stderr?.on('data', (chunk: Buffer) => (this.batch ? this.batch.stderr.push(chunk) : this.keepStray(chunk)));
    const replies = child.stdio[3] as Readable | null;
    let pending = '';
    replies?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        pending = pending.slice(nl + 1);
        // Output written just before the reply travels on other pipes: what this turn of the event
        // loop reads of it still belongs to the batch.
        const batch = this.batch;
        if (batch) setImmediate(() => batch.done());
      }
    });
    replies?.on('error', () => undefined);
  }

  /** Starts a worker; the error says why it could not be started. */
  static start(spec: WorkerSpec): FrameworkWorker | { spawnError: string } {
    let child: ChildProcess;
    try {
      child = spawnGroupLeader(spec, ['pipe', 'pipe', 'pipe', 'pipe']);
    } catch (error) {
      return { spawnError: describeError(error) };
    }
    if (child.pid === undefined) {
      // spawn reports ENOENT and friends asynchronously; the pid tells synchronously.
      child.on('error', () => undefined);
      return { spawnError: `could not start ${spec.shell ? `/bin/sh -c ${spec.command}` : spec.command}` };
    }
    return new FrameworkWorker(child, child.pid, spec.graceMs ?? DEFAULT_GRACE_MS);
  }

  /** How many batches were sent to this worker. */
  get batches(): number {
    return this.sent;
  }

  /** Alive and never stopped: it may take another batch. */
  get usable(): boolean {
    return this.exit === undefined && this.stopping === undefined && !this.busy;
  }

  /**
   * Sends one batch and resolves when the worker reports it done, exits, times out or is
   * cancelled. `exitCode` and `signal` stay null while the worker lives on. A batch cancelled
   * before it was sent leaves the worker as it was. Rejects only when the worker cannot take a
   * batch (check `usable`).
   */
  async run(request: Record<string, unknown>, opts: BatchOptions = {}): Promise<RunProcessResult> {
    const startedAt = performance.now();
    const cap = Math.max(opts.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES, MIN_OUTPUT_CAP_BYTES);
    const stdout = new OutputCapture('stdout', cap, opts.onOutput);
    const stderr = new OutputCapture('stderr', cap, opts.onOutput);
    let stopReason: 'timeout' | 'cancel' | undefined = 'cancel';
    if (!opts.signal?.aborted) {
      if (!this.usable) throw new Error('this worker cannot take a batch (it is busy, stopped or gone)');
      this.busy = true;
      this.sent++;
      try {
        stopReason = await this.send(request, { stdout, stderr, done: () => undefined }, opts);
        // A stopped or exited worker: its output may still be in the pipes.
        if (stopReason !== undefined || this.exit !== undefined) {
          await this.stop();
          await Promise.race([this.closed, delay(STREAM_DRAIN_MS)]);
        }
      } finally {
        this.batch = undefined;
        this.busy = false;
      }
    }
    const out = stdout.finish();
    const err = stderr.finish();
    return {
      exitCode: stopReason === undefined ? (this.exit?.code ?? null) : null,
      signal: stopReason === undefined ? (this.exit?.signal ?? null) : null,
      stdout: out.text,
      stderr: err.text,
      stdoutTruncated: out.truncated,
      stderrTruncated: err.truncated,
      timedOut: stopReason === 'timeout',
      cancelled: stopReason === 'cancel',
      durationMs: performance.now() - startedAt,
    };
  }

  /** Writes the batch and waits for its reply or the worker's exit; says why it was stopped, if it was. */
  private send(
    request: Record<string, unknown>,
    batch: Batch,
    opts: BatchOptions,
  ): Promise<'timeout' | 'cancel' | undefined> {
    return new Promise((resolve) => {
      let reason: 'timeout' | 'cancel' | undefined;
      const stop = (why: 'timeout' | 'cancel'): void => {
        reason ??= why;
        void this.stop();
      };
      const settled = stopOnTimeoutOrCancel(opts, stop);
      batch.done = () => {
        settled();
        resolve(reason);
      };
      this.batch = batch;
      this.handStray(batch);
      (this.child.stdin as Writable).write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Keeps output that came between batches, up to {@link STRAY_CAP_BYTES}; what is past it is counted. */
  private keepStray(chunk: Buffer): void {
    const kept = this.strayBytes;
    this.strayBytes += chunk.length;
    if (kept < STRAY_CAP_BYTES) this.stray.push(Buffer.from(chunk.subarray(0, STRAY_CAP_BYTES - kept)));
  }

  /**
   * Output the worker wrote after its last batch had been reported (a late flush, a background
   * timer's log line) opens the next batch's log under a marker line: shown, not dropped, and not
   * passed off as this batch's own. It goes to stdout, in the order it came, both streams.
   */
  private handStray(batch: Batch): void {
    if (this.strayBytes === 0) return;
    const kept = Math.min(this.strayBytes, STRAY_CAP_BYTES);
    const dropped = this.strayBytes - kept > 0 ? ` (${this.strayBytes - kept} more bytes dropped)` : '';
    const last = this.stray[this.stray.length - 1];
    batch.stdout.push(
      Buffer.from(`[proctor] written by the worker after its previous batch was reported${dropped}:\n`),
    );
    for (const chunk of this.stray) batch.stdout.push(chunk);
    if (last && last[last.length - 1] !== 0x0a) batch.stdout.push(Buffer.from('\n'));
    batch.stdout.push(Buffer.from('[proctor] this batch:\n'));
    this.stray = [];
    this.strayBytes = 0;
  }

  /**
   * Closes stdin (no more batches) and waits for the worker to exit, for the grace period; then
   * terminates its process group. Resolves when the group is gone.
   */
  async close(): Promise<void> {
    if (this.exit === undefined && this.stopping === undefined) {
      this.child.stdin?.end();
      await Promise.race([this.exited, delay(this.graceMs)]);
    }
    await this.stop();
  }

  /** Terminates the whole process group (SIGTERM, SIGKILL after the grace) and waits for it to go. */
  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.exit === undefined || (await groupHasLiveMembers(this.pgid)))
        await terminateGroup(this.pgid, this.graceMs);
      await Promise.race([this.exited, delay(this.graceMs)]);
      this.child.stdout?.destroy();
      this.child.stderr?.destroy();
      (this.child.stdio[3] as Readable | null)?.destroy();
      releaseGroup(this.pgid);
    })();
    return this.stopping;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
