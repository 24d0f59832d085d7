export interface BatchOptions<T> {
  /** Slots that will serve the run in parallel (≥ 1). */
  slots: number;
  /** Expected start-up cost of one framework process; a batch carries at least twice this much work. */
  overheadMs: number;
  /** Items for which this is true go first, whatever their duration (failed-first). */
  first?: (item: T) => boolean;
  /**
   * The expectations are measured, not guessed: open with one packed job per slot (longest first,
   * each filled to about its fair share of the work), and schedule only the rest in shrinking
   * batches. Fewer process starts, and the long scenarios start at once.
   */
  packFirst?: boolean;
}

/** Share of each slot's fair work the opening packed jobs take; the rest balances the finish. */
const PACKED_SHARE = 0.9;

/**
 * Splits scenarios into job batches by guided self-scheduling: longest expected first, each batch
 * about remaining expected work / (2 × slots), never less than one scenario and never less than
 * twice the process start-up cost. Early batches are large (start-up is amortised), late ones
 * small (the slots finish together).
 *
 * @example batchScenarios(items, (s) => s.expectedMs, { slots: 4, overheadMs: 500 })
 */
export function batchScenarios<T>(items: readonly T[], expectedMs: (item: T) => number, opts: BatchOptions<T>): T[][] {
  const slots = Math.max(1, Math.floor(opts.slots));
  const first = opts.first ?? (() => false);
  const sorted = [...items].sort((a, b) => Number(first(b)) - Number(first(a)) || expectedMs(b) - expectedMs(a));
  const total = sorted.reduce((sum, s) => sum + expectedMs(s), 0);
  const { packed, rest } = opts.packFirst && slots > 1 ? packOpening(sorted, expectedMs, slots, (total / slots) * PACKED_SHARE) : { packed: [], rest: sorted };
  return [...packed, ...selfSchedule(rest, expectedMs, slots, opts.overheadMs)];
}

/**
 * One job per slot, filled longest-first into the least loaded job while it stays under `cap`
 * (a scenario longer than the cap gets a job of its own). What does not fit is left for later.
 */
function packOpening<T>(sorted: readonly T[], expectedMs: (item: T) => number, slots: number, cap: number): { packed: T[][]; rest: T[] } {
  const bins = Array.from({ length: slots }, () => ({ items: [] as T[], work: 0 }));
  const rest: T[] = [];
  for (const item of sorted) {
    const bin = bins.reduce((a, b) => (b.work < a.work ? b : a));
    const ms = expectedMs(item);
    if (bin.items.length === 0 || bin.work + ms <= cap) {
      bin.items.push(item);
      bin.work += ms;
    } else rest.push(item);
  }
  return { packed: bins.filter((b) => b.items.length > 0).map((b) => b.items), rest };
}

/** Guided self-scheduling: each batch about remaining work / (2 × slots), at least one item. */
function selfSchedule<T>(sorted: readonly T[], expectedMs: (item: T) => number, slots: number, overheadMs: number): T[][] {
  let remaining = sorted.reduce((sum, s) => sum + expectedMs(s), 0);
  const batches: T[][] = [];
  let i = 0;
  while (i < sorted.length) {
    const target = Math.max(remaining / (2 * slots), 2 * overheadMs);
    const batch: T[] = [];
    let work = 0;
    while (i < sorted.length && (batch.length === 0 || work < target)) {
      const item = sorted[i++] as T;
      batch.push(item);
      work += expectedMs(item);
    }
    remaining -= work;
    batches.push(batch);
  }
  return batches;
}
