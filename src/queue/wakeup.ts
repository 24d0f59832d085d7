/**
 * Wakes long-polling claimers in this process when a job may have become claimable. A wake is a
 * hint, not a hand-off: every woken claimer still runs the guarded claim statement.
 *
 * A wake does not wake every claimer (16 idle agents racing for one job cost 15 empty claims):
 * it wakes the longest-waiting claimer of each group (claimers with the same labels serve the same
 * environments), and a claimer that got all it asked for passes the wake on to the next of its
 * group, because more may be waiting. A claimer that got nothing ends the chain: there is nothing
 * more for its group. Claimers check `changedSince` before they wait, so a wake that came while
 * they were claiming is never missed.
 */
export class Wakeup {
  private readonly groups = new Map<string, Set<() => void>>();
  private generation = 0;
  /** Set when other server processes must hear of wakes too (PostgreSQL NOTIFY). */
  publish: (() => void) | null = null;

  /** A mark to pass to `wait`: wakes after it count even when they came before the wait began. */
  get mark(): number {
    return this.generation;
  }

  /**
   * Resolves on a wake meant for `group` (a key of the claimer's labels), after `ms`, or when the
   * signal aborts; at once when a wake came since `mark`. Never rejects.
   */
  wait(group: string, ms: number, mark: number, signal?: AbortSignal): Promise<void> {
    if (mark !== this.generation || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let waiters = this.groups.get(group);
      if (!waiters) this.groups.set(group, (waiters = new Set()));
      const set = waiters;
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.groups.get(group) === set) this.groups.delete(group);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes claimers here and, through `publish`, on every other replica. */
  wake(): void {
    this.publish?.();
    this.wakeLocal();
  }

  /** Wakes the first claimer of every group in this process only (a notification from another replica). */
  wakeLocal(): void {
    this.generation++;
    for (const group of [...this.groups.keys()]) this.wakeOne(group);
  }

  /** A claimer of `group` got all it asked for: there may be more, so the next one tries too. */
  passOn(group: string): void {
    this.wakeOne(group);
  }

  private wakeOne(group: string): void {
    const waiters = this.groups.get(group);
    const first = waiters?.values().next().value;
    first?.();
  }

  get waiting(): number {
    let n = 0;
    for (const set of this.groups.values()) n += set.size;
    return n;
  }
}

/** The wake group of a claimer: claimers with the same labels serve the same environments. */
export function wakeGroup(labels: readonly string[]): string {
  return [...labels].sort().join('\n');
}
