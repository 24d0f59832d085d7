/**
 * Runs one test framework process for the agent and always cleans up after it.
 *
 * Process tree: the child is spawned `detached`, so it leads its own process group (and session);
 * everything it forks stays in that group unless it calls `setsid()`/`setpgid()` itself. Timeout
 * and cancel signal the whole group (SIGTERM, then SIGKILL after `graceMs`). When the direct child
 * exits on its own but left members in its group (a test framework that leaked a dev server or a
 * browser), those are terminated the same way, so a job never leaves processes behind.
 *
 * Limitation: a grandchild that calls `setsid()` (daemonizing tools, some browser launchers) leaves
 * the group and survives. Catching those needs a cgroup per job or `PR_SET_CHILD_SUBREAPER` on Linux;
 * not done yet. Such an escapee may also hold stdout/stderr open, so after the group is gone the
 * streams are only drained for `STREAM_DRAIN_MS` and then closed.
 *
 * Because the child is detached, it would also survive a hard crash of the agent itself: every
 * group is listed with the agent's keeper (`process-keeper.ts`), which ends it when the agent dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { keepGroup, releaseGroup, startKeeper } from './process-keeper.js';

/** Options for {@link runProcess}. */
export interface RunProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  /** Full environment for the child; the caller merges `process.env` if it wants it. */
  env: Record<string, string>;
  /** Run as this user (the agent must be root); unset: as the agent's own user. */
  user?: ProcessUser;
  /** Run `command` through `/bin/sh -c`; `args` are ignored. */
  shell?: boolean;
  /** Kill the whole process tree after this long. Unset or non-positive: no timeout. */
  timeoutMs?: number;
  /** Abort = cancel: kill the whole process tree. */
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL to the group (default 1000). */
  graceMs?: number;
  /** Bytes of stdout, and separately of stderr, kept in the result (default 1 MiB, minimum 1 KiB). */
  outputCapBytes?: number;
  /**
   * Live output, decoded as UTF-8 without splitting characters across calls. Receives all output,
   * including what falls outside the cap: the cap bounds only the memory kept for the result, a log
   * forwarder applies its own limits. An exception thrown here is swallowed so that a broken log
   * sink cannot abort the test run.
   */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
}

/** The user a process runs as: numeric ids, and the supplementary groups are dropped. */
export interface ProcessUser {
  uid: number;
  gid: number;
}

/** What happened to a process started by {@link runProcess}. */
export interface RunProcessResult {
  /** Exit code of the direct child; null when it was killed by a signal or never started. */
  exitCode: number | null;
  /** Signal that killed the direct child, e.g. `SIGKILL`. */
  signal: string | null;
  /**
   * Kept output. When over the cap: the first quarter and the last three quarters of the cap, joined
   * by `\n…[N bytes truncated]…\n`; the whole string, marker included, stays within the cap in bytes.
   */
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the process could not be started (`ENOENT: spawn foo ENOENT`); exitCode is then null. */
  spawnError?: string;
  /** From spawn until the promise resolves, including the clean-up of the process group. */
  durationMs: number;
}

export const DEFAULT_GRACE_MS = 1000;
export const DEFAULT_OUTPUT_CAP_BYTES = 1024 * 1024;
// The cap must leave room for the marker and for some output around it.
export const MIN_OUTPUT_CAP_BYTES = 1024;
// Longest marker is `\n…[<16 digits> bytes truncated]…\n` = 43 bytes; round up.
const MARKER_RESERVE_BYTES = 64;
const GROUP_POLL_MS = 25;
// After SIGKILL a process only lingers in uninterruptible sleep (stuck NFS, FUSE); don't hang forever.
const KILL_WAIT_MS = 5000;
export const STREAM_DRAIN_MS = 500;
// setTimeout fires immediately for delays above 2^31-1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `stop('timeout')` once `timeoutMs` passed (never for none or 0) and `stop('cancel')` when
 * `signal` aborts; the function it returns stops both from coming.
 */
export function stopOnTimeoutOrCancel(
  opts: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined },
  stop: (reason: 'timeout' | 'cancel') => void,
): () => void {
  const timer =
    opts.timeoutMs !== undefined && opts.timeoutMs > 0
      ? setTimeout(() => stop('timeout'), Math.min(opts.timeoutMs, MAX_TIMER_MS))
      : undefined;
  const onAbort = (): void => stop('cancel');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  };
}

/**
 * Runs a process to completion and resolves with its outcome. Never rejects: spawn failures come
 * back as `spawnError`. Resolves only once the direct child has exited and its process group is gone.
 *
 * @example
 * const result = await runProcess({
 *   command: 'npx', args: ['vitest', 'run'], cwd: repoDir,
 *   env: { ...process.env, CI: '1' } as Record<string, string>,
 *   timeoutMs: 10 * 60_000, signal: job.abortSignal,
 *   onOutput: (stream, chunk) => logs.append(stream, chunk),
 * });
 */
export async function runProcess(opts: RunProcessOptions): Promise<RunProcessResult> {
  const startedAt = performance.now();
  const cap = Math.max(opts.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES, MIN_OUTPUT_CAP_BYTES);
  const stdout = new OutputCapture('stdout', cap, opts.onOutput);
  const stderr = new OutputCapture('stderr', cap, opts.onOutput);
  let outcome: ExitOutcome;
  if (opts.signal?.aborted) {
    outcome = { ...NOT_RUN, cancelled: true };
  } else {
    outcome = await spawnAndSupervise(opts, stdout, stderr);
  }
  const out = stdout.finish();
  const err = stderr.finish();
  return {
    ...outcome,
    stdout: out.text,
    stderr: err.text,
    stdoutTruncated: out.truncated,
    stderrTruncated: err.truncated,
    durationMs: performance.now() - startedAt,
  };
}

interface ExitOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  spawnError?: string;
}

const NOT_RUN: ExitOutcome = { exitCode: null, signal: null, timedOut: false, cancelled: false };

async function spawnAndSupervise(
  opts: RunProcessOptions,
  stdout: OutputCapture,
  stderr: OutputCapture,
): Promise<ExitOutcome> {
  let child: ChildProcess;
  try {
    child = spawnGroupLeader(opts, ['ignore', 'pipe', 'pipe']);
  } catch (error) {
    // spawn throws synchronously for some errors (invalid arguments, odd errno values).
    return { ...NOT_RUN, spawnError: describeError(error) };
  }
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const outcome = await supervise(child, opts);
  await Promise.race([closed, delay(STREAM_DRAIN_MS)]);
  child.stdout?.destroy();
  child.stderr?.destroy();
  return outcome;
}

/**
 * Spawns the command (through `/bin/sh -c` with `shell`) as the leader of a process group of its
 * own, so that the whole tree can be signalled at once.
 */
export function spawnGroupLeader(
  spec: {
    command: string;
    args: string[];
    cwd: string;
    env: Record<string, string>;
    shell?: boolean;
    user?: ProcessUser | undefined;
  },
  stdio: ('ignore' | 'pipe')[],
): ChildProcess {
  // The keeper first: a group must never run before the keeper that is to end it exists.
  startKeeper();
  const child = spawn(spec.shell ? '/bin/sh' : spec.command, spec.shell ? ['-c', spec.command] : spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio,
    ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
  });
  // The group dies with the agent; whoever spawned it calls releaseGroup once it is gone.
  if (child.pid !== undefined) keepGroup(child.pid);
  return child;
}

type ChildExit = { code: number | null; signal: string | null } | { error: Error };

/** Waits for exit, enforcing timeout and cancel, then makes sure the process group is gone. */
async function supervise(child: ChildProcess, opts: RunProcessOptions): Promise<ExitOutcome> {
  const exited = waitForExit(child);
  const pgid = child.pid;
  if (pgid === undefined) {
    const failed = await exited;
    return { ...NOT_RUN, spawnError: 'error' in failed ? describeError(failed.error) : 'spawn failed' };
  }
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  let stopReason: 'timeout' | 'cancel' | undefined;
  let termination: Promise<void> | undefined;
  const stop = (reason: 'timeout' | 'cancel'): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    termination = terminateGroup(pgid, graceMs);
  };
  const settled = stopOnTimeoutOrCancel(opts, stop);

  const exit = await exited;
  settled();
  // The direct child is gone; anything still in its group was leaked (a server, a browser).
  if (termination === undefined && (await groupHasLiveMembers(pgid))) {
    termination = terminateGroup(pgid, graceMs);
  }
  await termination;
  releaseGroup(pgid);
  return {
    exitCode: 'code' in exit ? exit.code : null,
    signal: 'signal' in exit ? exit.signal : null,
    timedOut: stopReason === 'timeout',
    cancelled: stopReason === 'cancel',
  };
}

function waitForExit(child: ChildProcess): Promise<ChildExit> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // After a successful spawn 'error' only reports failed kill()/IPC, which we don't use;
    // the listener still has to exist so the event cannot crash the agent.
    child.on('error', (error) => {
      if (child.pid === undefined) resolve({ error });
    });
  });
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined ? `${code}: ${error.message}` : error.message;
}

/** Keeps the head and tail of one output stream within a byte cap and forwards live output. */
export class OutputCapture {
  private readonly headCap: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  private totalBytes = 0;
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    private readonly cap: number,
    private readonly onOutput: RunProcessOptions['onOutput'],
  ) {
    // Test output usually ends with the summary and the failures, so the tail gets most of the room;
    // the head keeps the command banner and configuration.
    this.headCap = Math.floor((cap - MARKER_RESERVE_BYTES) / 4);
  }

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    this.emit(this.decoder.write(chunk));
    let rest = chunk;
    if (this.headBytes < this.headCap) {
      const taken = rest.subarray(0, this.headCap - this.headBytes);
      this.head.push(Buffer.from(taken));
      this.headBytes += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    // Everything fits until the total passes the cap, so keep cap - head bytes until then.
    this.trimTail(this.cap - this.headCap);
  }

  finish(): { text: string; truncated: boolean } {
    this.emit(this.decoder.end());
    if (this.totalBytes <= this.cap) {
      return { text: Buffer.concat([...this.head, ...this.tail]).toString('utf8'), truncated: false };
    }
    this.trimTail(this.cap - this.headCap - MARKER_RESERVE_BYTES);
    const head = dropPartialCharAtEnd(Buffer.concat(this.head));
    const tail = dropPartialCharAtStart(Buffer.concat(this.tail));
    const dropped = this.totalBytes - head.length - tail.length;
    return {
      text: `${head.toString('utf8')}\n…[${dropped} bytes truncated]…\n${tail.toString('utf8')}`,
      truncated: true,
    };
  }

  private trimTail(limit: number): void {
    while (this.tailBytes > limit) {
      const first = this.tail[0]!;
      const excess = this.tailBytes - limit;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
      }
    }
  }

  private emit(text: string): void {
    if (text === '' || this.onOutput === undefined) return;
    try {
      this.onOutput(this.stream, text);
    } catch {
      // A failing log sink must not take the test run down with it.
    }
  }
}

function isContinuationByte(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** Cuts a UTF-8 sequence that the byte cap split at the end of `buf`. */
function dropPartialCharAtEnd(buf: Buffer): Buffer {
  let start = buf.length - 1;
  while (start > 0 && buf.length - start < 4 && isContinuationByte(buf[start]!)) start--;
  const lead = buf[start];
  if (lead === undefined || lead < 0xc0) return buf;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return start + needed > buf.length ? buf.subarray(0, start) : buf;
}

/** Skips continuation bytes left over from a UTF-8 sequence the cap split at the start of `buf`. */
function dropPartialCharAtStart(buf: Buffer): Buffer {
  let start = 0;
  while (start < 3 && start < buf.length && isContinuationByte(buf[start]!)) start++;
  return buf.subarray(start);
}

/** SIGTERM to the group, SIGKILL to whatever is left after `graceMs`, then wait for it to go. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  if (await waitForGroupExit(pgid, graceMs)) return;
  if (!signalGroup(pgid, 'SIGKILL')) return;
  await waitForGroupExit(pgid, KILL_WAIT_MS);
}

/** Returns false when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: a member we may not signal (a setuid binary); keep waiting for the others.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!(await groupHasLiveMembers(pgid))) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await delay(Math.min(GROUP_POLL_MS, left));
  }
}

export async function groupHasLiveMembers(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // kill() also reaches zombies. Orphans are reparented to pid 1, and not every init reaps them
  // (containers, microVMs), so a dead group can look alive forever; ask /proc who is really running.
  return procListsLiveMember(pgid);
}

async function procListsLiveMember(pgid: number): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return true; // No /proc (not Linux): trust kill().
  }
  const pids = entries.filter((name) => /^\d+$/.test(name));
  const states = await Promise.all(pids.map((pid) => readProcState(pid)));
  return states.some((s) => s !== undefined && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X');
}

async function readProcState(pid: string): Promise<{ state: string; pgrp: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces and ')'; fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined; // The process exited while we were looking.
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
