import type { Logger } from 'pino';
import { join } from 'node:path';
import type { ClaimedJob, CompleteRequest } from '../protocol/agent-api.js';
import { executeJob } from './execute-job.js';
import { ServerError, type AgentClient } from './http-client.js';
import { contentTypeOf } from '../domain/artifact-name.js';
import type { JobSandbox } from './job-sandbox.js';
import { LogShipper } from './log-shipper.js';
import { sha256File } from './sha256-file.js';
import { WorkerSlot, workerKey } from './worker-slot.js';

export interface AgentOptions {
  client: AgentClient;
  slots: number;
  workRoot: string;
  logger: Logger;
  heartbeatMs: number;
  /** How long one claim waits on the server for a job. */
  claimWaitMs?: number;
  /** SIGTERM → SIGKILL grace for framework processes. */
  graceMs?: number;
  /** Where, as whom and with what environment jobs run; default: inside `workRoot`, as this process's user, with its environment. */
  sandbox?: JobSandbox;
  /**
   * Reuse a discovery while nothing it depends on changed (kept in `<workRoot>/.proctor/discovery`,
   * see discovery-cache.ts); default true. False: every discovery runs the framework.
   */
  discoveryReuse?: boolean;
}

interface Running {
  job: ClaimedJob;
  abort: AbortController;
  /** The server no longer counts this attempt as ours: report nothing. */
  lost: boolean;
  /** Stopping the agent: hand the job back instead of reporting it cancelled. */
  handBack: boolean;
  /** Its turn on the slot came (a lookahead waits for the job ahead of it first). */
  started: boolean;
}

/**
 * One of the agent's slots: the jobs it runs one after another and its warm worker (queue mode).
 * A slot holds one job, or in queue mode also the job its worker takes next (a lookahead).
 */
class Slot {
  readonly worker = new WorkerSlot();
  /** Jobs launched on this slot and not yet reported, in order. */
  readonly jobs: number[] = [];
  /** Settles when the slot's last job no longer needs the worker: the next job's batch can go. */
  free: Promise<void> = Promise.resolve();
  /** Settles when the slot's last job was reported: completions go in order. */
  reported: Promise<void> = Promise.resolve();
}

/**
 * Claims jobs while it has free slots, runs each with its adapter, renews leases by heartbeat and
 * stops jobs the server cancels. The embedded agent of `proctor serve` and `proctor agent` are the
 * same code talking HTTP to a server.
 *
 * Each completion claims the job its slot runs next in the same call. In queue mode it also asks
 * for a lookahead: the job the slot's worker takes after that one, which the server grants while
 * the run has plenty left. The worker then goes from batch to batch without waiting on the server.
 */
export class Agent {
  private readonly running = new Map<number, Running>();
  private readonly slots = new Set<Slot>();
  private readonly stopping = new AbortController();
  private slotFreed: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Workers being stopped because no next job could use them. */
  private readonly closing = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: AgentOptions) {}

  start(): void {
    this.heartbeatTimer = setInterval(() => void this.beat(), this.opts.heartbeatMs);
    this.loop = this.claimLoop();
  }

  /** Stops claiming, lets running jobs finish for up to `drainMs`, then hands the rest back (lookaheads at once). */
  async stop(drainMs = 0): Promise<void> {
    this.stopping.abort();
    this.slotFreed?.();
    await this.loop;
    // Lookaheads that have not begun go back at once: the drain is for work under way.
    for (const r of this.running.values()) {
      if (r.started) continue;
      r.handBack = true;
      r.abort.abort();
    }
    const deadline = Date.now() + drainMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const r of this.running.values()) {
      r.handBack = true;
      r.abort.abort();
    }
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(this.closing);
    clearInterval(this.heartbeatTimer);
    // Shown as offline rather than, 30 s later, lost. An agent that cannot say so is lost in time.
    await this.opts.client.offline().catch(() => undefined);
  }

  get busySlots(): number {
    return this.slots.size;
  }

  private async claimLoop(): Promise<void> {
    const log = this.opts.logger;
    while (!this.stopping.signal.aborted) {
      const free = this.opts.slots - this.slots.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      try {
        const { jobs } = await this.opts.client.claim(free, this.opts.claimWaitMs ?? 20_000, this.stopping.signal);
        for (const job of jobs) this.launch(job, new Slot());
      } catch (e) {
        if (this.stopping.signal.aborted) break;
        if (e instanceof ServerError && e.status === 401) {
          log.error({ err: e }, 'the server refused this agent’s credential; register the agent again');
          return;
        }
        log.warn({ err: e }, 'claiming jobs failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Runs a job on a slot, after the jobs already launched there. */
  private launch(job: ClaimedJob, slot: Slot): void {
    const entry: Running = { job, abort: new AbortController(), lost: false, handBack: false, started: false };
    this.running.set(job.job_id, entry);
    this.slots.add(slot);
    slot.jobs.push(job.job_id);
    const ahead = { free: slot.free, reported: slot.reported };
    let workerFree = (): void => undefined;
    // Free for the next job once this one is done with the worker, and never before the job ahead.
    const released = new Promise<void>((resolve) => (workerFree = resolve));
    slot.free = Promise.all([ahead.free, released]).then(() => undefined);
    void ahead.free.then(() => (entry.started = true));
    slot.reported = this.runAndReport(entry, slot, ahead, workerFree);
  }

  /** Executes the job when its turn comes, reports it in the slot's order, and carries on with what the report claimed. */
  private async runAndReport(
    entry: Running,
    slot: Slot,
    ahead: { free: Promise<void>; reported: Promise<void> },
    workerFree: () => void,
  ): Promise<void> {
    const { job } = entry;
    const log = this.opts.logger.child({ job: job.job_id, run: job.run_id, kind: job.kind, attempt: job.attempt });
    let next: ClaimedJob[] = [];
    let lookahead: ClaimedJob[] = [];
    try {
      log.info({ scenarios: job.scenarios.length, environment: job.environment.name }, 'job started');
      const secrets = job.environment.secrets.map((name) => job.environment.variables[name] ?? '');
      const shipper = new LogShipper(this.opts.client, job.job_id, job.lease_token, secrets);
      let done = await executeJob(job, {
        workRoot: this.opts.workRoot,
        ...(this.opts.sandbox ? { sandbox: this.opts.sandbox } : {}),
        ...(this.opts.discoveryReuse === false
          ? {}
          : { discoveryCache: join(this.opts.workRoot, '.proctor', 'discovery') }),
        signal: entry.abort.signal,
        graceMs: this.opts.graceMs ?? 1000,
        onOutput: (_stream, chunk) => shipper.write(chunk),
        appBuilds: this.opts.client,
        worker: slot.worker,
        turn: ahead.free,
        onWorkerFree: workerFree,
        uploadArtifact: async (scenario, a) => {
          const meta = {
            name: a.name,
            sha256: await sha256File(a.path),
            scenario,
            contentType: a.contentType ?? contentTypeOf(a.name),
          };
          await this.opts.client.uploadArtifact(job.job_id, job.lease_token, meta, a.path);
        },
      });
      workerFree();
      await shipper.end();
      // Completions go in order (each names the slot's next job), except a job handed back.
      if (!entry.handBack) await ahead.reported;
      if (entry.lost) return log.warn('lease lost; result discarded');
      if (entry.handBack)
        done = {
          lease_token: job.lease_token,
          outcome: 'errored',
          reason: 'crashed',
          retryable: true,
          error: 'the agent stopped; job handed back',
        };
      const res = await this.opts.client.complete(
        job.job_id,
        this.stopping.signal.aborted ? done : { ...done, claim: this.nextClaim(slot, job.job_id) },
      );
      log.info({ outcome: done.outcome, reason: done.reason, results: done.results?.length }, 'job finished');
      next = res.jobs ?? [];
      lookahead = res.lookahead ?? [];
    } catch (e) {
      if (e instanceof ServerError && e.status === 409) log.warn({ err: e }, 'completion refused: the lease was lost');
      else log.error({ err: e }, 'could not report the job; its lease will expire and it will be retried');
    } finally {
      workerFree();
      this.running.delete(job.job_id);
      slot.jobs.splice(slot.jobs.indexOf(job.job_id), 1);
      this.carryOn(slot, next, lookahead);
    }
  }

  /**
   * What a completion claims: the job the slot runs next and, in queue mode, the one after it; or,
   * when the slot's next job is already here, only the one after that. Naming the next job also
   * tells the server it now has the slot.
   */
  private nextClaim(slot: Slot, jobId: number): NonNullable<CompleteRequest['claim']> {
    const following = slot.jobs.find((id) => id !== jobId);
    return following === undefined
      ? { free_slots: 1, lookahead: {} }
      : { free_slots: 0, lookahead: { after_job: following } };
  }

  /**
   * After a job was reported: what the completion claimed runs on the same slot (its worker goes
   * on when the run and environment are the same), or the slot is released and its worker stopped.
   */
  private carryOn(slot: Slot, next: ClaimedJob[], lookahead: ClaimedJob[]): void {
    if (slot.jobs.length > 0) {
      // The slot's next job is already here: a lookahead queues behind it.
      for (const j of [...lookahead, ...next]) this.launch(j, slot);
      return;
    }
    const [first, ...others] = next;
    const keep = first !== undefined && slot.worker.holds(workerKey(first));
    if (!keep) this.release(slot);
    const target = keep ? slot : new Slot();
    if (first !== undefined) this.launch(first, target);
    for (const j of lookahead) this.launch(j, target);
    for (const j of others) this.launch(j, new Slot());
  }

  private release(slot: Slot): void {
    this.slots.delete(slot);
    const closing = slot.worker.close().finally(() => this.closing.delete(closing));
    this.closing.add(closing);
    this.slotFreed?.();
    this.slotFreed = null;
  }

  private async beat(): Promise<void> {
    if (this.running.size === 0) return;
    const jobs = [...this.running.values()].map((r) => ({ job_id: r.job.job_id, lease_token: r.job.lease_token }));
    const sent = new Map(jobs.map((j) => [j.job_id, j.lease_token]));
    try {
      const res = await this.opts.client.heartbeat({ jobs });
      for (const id of res.cancel) this.running.get(id)?.abort.abort();
      for (const id of res.lost) {
        const r = this.running.get(id);
        // The answer is about the attempt this heartbeat named. A retry of the same job claimed
        // while it was under way has a lease of its own, which this answer says nothing about.
        if (!r || r.job.lease_token !== sent.get(id)) continue;
        r.lost = true;
        r.abort.abort();
      }
    } catch (e) {
      this.opts.logger.warn({ err: e }, 'heartbeat failed');
    }
  }
}
