import type { ClaimedJob } from '../protocol/agent-api.js';
import { FrameworkWorker, type WorkerSpec } from './framework-worker.js';

/**
 * Batches one worker runs before the slot starts a fresh one. Some frameworks keep garbage from
 * batch to batch (a Jest worker's heap grows about 3 MB a batch until V8 collects it, a JVM's
 * about 0.4 MB): a fresh worker now and then bounds that, at one start-up per this many batches.
 */
export const MAX_BATCHES_PER_WORKER = 100;

/**
 * A slot's warm framework worker (queue mode), handed from one job to the next when the next is
 * of the same run and environment: the slot's later batches skip the framework's start-up.
 */
export class WorkerSlot {
  private current: { key: string; worker: FrameworkWorker } | undefined;

  constructor(private readonly maxBatches = MAX_BATCHES_PER_WORKER) {}

  /** Whether the slot holds a live worker that can take a job with this key (and has not run its share of batches). */
  holds(key: string): boolean {
    return this.current?.key === key && this.current.worker.usable && this.current.worker.batches < this.maxBatches;
  }

  /** The live worker started for `key`, else a new one from `spec` (stopping one started for another key). */
  async acquire(key: string, spec: WorkerSpec): Promise<FrameworkWorker | { spawnError: string }> {
    if (this.current && this.holds(key)) return this.current.worker;
    await this.close();
    const started = FrameworkWorker.start(spec);
    if (started instanceof FrameworkWorker) this.current = { key, worker: started };
    return started;
  }

  /** Stops the worker, if any; resolves when its process group is gone. */
  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.worker.close();
  }
}

/**
 * Jobs with equal keys may share a worker: same run (so the same checkout, app build and
 * parameters), environment, framework, directory and adapter options.
 */
export function workerKey(job: ClaimedJob): string {
  return JSON.stringify([job.run_id, job.environment.name, job.framework, job.workdir, job.options]);
}
