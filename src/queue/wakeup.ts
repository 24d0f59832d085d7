/**
 * Wakes long-polling claimers in this process when a job may have become claimable. A wake is a
 * hint, not a hand-off: every woken claimer still runs the guarded claim statement.
 */
export class Wakeup {
  private waiters = new Set<() => void>();
  /** Set when other server processes must hear of wakes too (PostgreSQL NOTIFY). */
  publish: (() => void) | null = null;

  /** Resolves on the next wake, or after `ms`, or when the signal aborts; never rejects. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes claimers here and, through `publish`, on every other replica. */
  wake(): void {
    this.publish?.();
    this.wakeLocal();
  }

  /** Wakes only this process's claimers (a notification from another replica). */
  wakeLocal(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  get waiting(): number {
    return this.waiters.size;
  }
}
