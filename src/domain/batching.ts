export interface BatchOptions<T> {
  /** Slots that will serve the run in parallel (≥ 1). */
  slots: number;
  /** Expected start-up cost of one framework process; a batch carries at least twice this much work. */
  overheadMs: number;
  /** Items for which this is true go first, whatever their duration (failed-first). */
  first?: (item: T) => boolean;
}

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
  let remaining = sorted.reduce((sum, s) => sum + expectedMs(s), 0);
  const batches: T[][] = [];
  let i = 0;
  while (i < sorted.length) {
    const target = Math.max(remaining / (2 * slots), 2 * opts.overheadMs);
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
