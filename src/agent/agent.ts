import type { Logger } from 'pino';
import type { ClaimedJob } from '../protocol/agent-api.js';
import { executeJob } from './execute-job.js';
import { ServerError, type AgentClient } from './http-client.js';
import { contentTypeOf } from '../domain/artifact-name.js';
import { LogShipper } from './log-shipper.js';
import { sha256File } from './sha256-file.js';

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
}

interface Running {
  job: ClaimedJob;
  abort: AbortController;
  /** The server no longer counts this attempt as ours: report nothing. */
  lost: boolean;
  /** Stopping the agent: hand the job back instead of reporting it cancelled. */
  handBack: boolean;
}

/**
 * Claims jobs while it has free slots, runs each with its adapter, renews leases by heartbeat and
 * stops jobs the server cancels. The embedded agent of `proctor serve` and `proctor agent` are the
 * same code talking HTTP to a server.
 */
export class Agent {
  private readonly running = new Map<number, Running>();
  private readonly stopping = new AbortController();
  private slotFreed: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: AgentOptions) {}

  start(): void {
    this.heartbeatTimer = setInterval(() => void this.beat(), this.opts.heartbeatMs);
    this.loop = this.claimLoop();
  }

  /** Stops claiming, lets running jobs finish for up to `drainMs`, then hands the rest back. */
  async stop(drainMs = 0): Promise<void> {
    this.stopping.abort();
    this.slotFreed?.();
    await this.loop;
    const deadline = Date.now() + drainMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const r of this.running.values()) {
      r.handBack = true;
      r.abort.abort();
    }
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
    clearInterval(this.heartbeatTimer);
  }

  get busySlots(): number {
    return this.running.size;
  }

  private async claimLoop(): Promise<void> {
    const log = this.opts.logger;
    while (!this.stopping.signal.aborted) {
      const free = this.opts.slots - this.running.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      try {
        const { jobs } = await this.opts.client.claim(free, this.opts.claimWaitMs ?? 20_000, this.stopping.signal);
        for (const job of jobs) this.launch(job);
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

  private launch(job: ClaimedJob): void {
    const entry: Running = { job, abort: new AbortController(), lost: false, handBack: false };
    this.running.set(job.job_id, entry);
    const log = this.opts.logger.child({ job: job.job_id, run: job.run_id, kind: job.kind, attempt: job.attempt });
    log.info({ scenarios: job.scenarios.length, environment: job.environment.name }, 'job started');
    void (async () => {
      let next: ClaimedJob[] = [];
      try {
        const secrets = job.environment.secrets.map((name) => job.environment.variables[name] ?? '');
        const shipper = new LogShipper(this.opts.client, job.job_id, job.lease_token, secrets);
        let done = await executeJob(job, {
          workRoot: this.opts.workRoot,
          signal: entry.abort.signal,
          graceMs: this.opts.graceMs ?? 1000,
          onOutput: (_stream, chunk) => shipper.write(chunk),
          appBuilds: this.opts.client,
          uploadArtifact: async (scenario, a) => {
            const meta = { name: a.name, sha256: await sha256File(a.path), scenario, contentType: a.contentType ?? contentTypeOf(a.name) };
            await this.opts.client.uploadArtifact(job.job_id, job.lease_token, meta, a.path);
          },
        });
        await shipper.end();
        if (entry.lost) return log.warn('lease lost; result discarded');
        if (entry.handBack) done = { lease_token: job.lease_token, outcome: 'errored', reason: 'crashed', retryable: true, error: 'the agent stopped; job handed back' };
        // The slot this job frees is claimed in the same call: no round trip between two jobs.
        const claimNext = !this.stopping.signal.aborted;
        const res = await this.opts.client.complete(job.job_id, claimNext ? { ...done, claim: { free_slots: 1 } } : done);
        log.info({ outcome: done.outcome, reason: done.reason, results: done.results?.length }, 'job finished');
        next = res.jobs ?? [];
      } catch (e) {
        if (e instanceof ServerError && e.status === 409) log.warn({ err: e }, 'completion refused: the lease was lost');
        else log.error({ err: e }, 'could not report the job; its lease will expire and it will be retried');
      } finally {
        this.running.delete(job.job_id);
        for (const j of next) this.launch(j);
        this.slotFreed?.();
        this.slotFreed = null;
      }
    })();
  }

  private async beat(): Promise<void> {
    if (this.running.size === 0) return;
    const jobs = [...this.running.values()].map((r) => ({ job_id: r.job.job_id, lease_token: r.job.lease_token }));
    try {
      const res = await this.opts.client.heartbeat({ jobs });
      for (const id of res.cancel) this.running.get(id)?.abort.abort();
      for (const id of res.lost) {
        const r = this.running.get(id);
        if (!r) continue;
        r.lost = true;
        r.abort.abort();
      }
    } catch (e) {
      this.opts.logger.warn({ err: e }, 'heartbeat failed');
    }
  }
}
