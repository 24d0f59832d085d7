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
  /**
   * How much a scenario's duration varies from run to run, relative to it (0.1: about ±10 %).
   * With `packFirst`, decides whether the opening jobs take all the work or leave some to balance
   * the finish. Default 0.1.
   */
  noise?: number;
  /**
   * One scenario per batch, in order (failed-first, then longest expected first). For queue mode
   * without history: a warm worker takes a batch for a few milliseconds, while a batch of
   * scenarios whose durations are guesses can hide a long one behind the others, which then
   * finish late on one slot while the others idle.
   */
  singles?: boolean;
  /**
   * Items with the same group share a batch, in the order given (a test file's scenarios: the
   * framework runs a file's tests in one module context, in their order, and a real suite's test
   * may rely on what an earlier one of its file did). The group is the unit batched: its expected
   * work is its items' sum, it goes first when any of its items does, and `singles` gives each
   * group a batch of its own.
   */
  group?: (item: T) => string;
  /**
   * With `group`: what each group costs beyond its items' expected durations (a process per test
   * file, per-file setup), learnt from past jobs. Counted in the group's work.
   */
  groupCostMs?: number;
  /**
   * The most expected work one batch may hold (a share of the job timeout), used on one slot: there
   * a single batch loses nothing to balance, and every more batch pays another start. Default: no limit.
   */
  maxBatchMs?: number;
  /**
   * The run stops early on failures (fail-fast): keep the shrinking batches even on one slot, so a
   * failure is known, and the run stopped, before the whole suite has run.
   */
  stopEarly?: boolean;
  /**
   * How fast each slot serving the run is, relative (1: a typical agent; 0.5: one that takes twice
   * as long). The opening jobs are sized for an equal slot, so with slower slots among them they
   * take no more than the slowest slot's share, and the rest is self-scheduled: the faster slots
   * take more of it.
   */
  slotSpeeds?: readonly number[];
}

const DEFAULT_NOISE = 0.1;
/** Never leave more than this share of the work to the balancing jobs. */
const MAX_LEFT = 0.2;

/**
 * Splits scenarios into job batches by guided self-scheduling: longest expected first, each batch
 * about remaining expected work / (2 × slots), never less than one scenario and never less than
 * twice the process start-up cost. Early batches are large (start-up is amortised), late ones
 * small (the slots finish together).
 *
 * @example batchScenarios(items, (s) => s.expectedMs, { slots: 4, overheadMs: 500 })
 */
export function batchScenarios<T>(items: readonly T[], expectedMs: (item: T) => number, opts: BatchOptions<T>): T[][] {
  const { group, groupCostMs = 0, ...ungrouped } = opts;
  if (group !== undefined) {
    const units = new Map<string, T[]>();
    for (const item of items) {
      const name = group(item);
      const unit = units.get(name);
      if (unit === undefined) units.set(name, [item]);
      else unit.push(item);
    }
    const work = new Map(
      [...units.values()].map((unit) => [unit, unit.reduce((sum, item) => sum + expectedMs(item), groupCostMs)]),
    );
    const first = opts.first;
    return batchScenarios([...units.values()], (unit) => work.get(unit) ?? 0, {
      ...ungrouped,
      first: first === undefined ? undefined : (unit) => unit.some(first),
    }).map((batch) => batch.flat());
  }
  const slots = Math.max(1, Math.floor(opts.slots));
  const first = opts.first ?? (() => false);
  const sorted = [...items].sort((a, b) => Number(first(b)) - Number(first(a)) || expectedMs(b) - expectedMs(a));
  // One slot: nothing to balance, so as few batches as the job timeout allows.
  if (slots === 1 && !opts.stopEarly) return chunks(sorted, expectedMs, opts.maxBatchMs ?? Infinity);
  if (opts.singles) return sorted.map((s) => [s]);
  const total = sorted.reduce((sum, s) => sum + expectedMs(s), 0);
  const share =
    opts.packFirst && slots > 1
      ? Math.min(
          packedShare(sorted.map(expectedMs), slots, opts.overheadMs, opts.noise ?? DEFAULT_NOISE),
          slowestShare(opts.slotSpeeds),
        )
      : 0;
  const { packed, rest } =
    share > 0
      ? packOpening(sorted, expectedMs, slots, share >= 1 ? Infinity : (total / slots) * share)
      : { packed: [], rest: sorted };
  return [...packed, ...selfSchedule(rest, expectedMs, slots, opts.overheadMs)];
}

/**
 * The share of each slot's fair work its opening job takes. Packing everything saves every slot a
 * second process start, but the estimates' error then shows in the finish: the slots end apart by
 * about the largest of `slots` bin errors, a bin's error being `noise` × the root of its squared
 * durations. Leaving work to self-scheduled jobs evens that out, at one more process start per slot,
 * and needs about two starts' worth of work per slot (a batch carries at least that). So: everything
 * when the expected spread is below one start, else leave what one balancing job per slot needs.
 */
export function packedShare(expectedMs: readonly number[], slots: number, overheadMs: number, noise: number): number {
  const perSlot = expectedMs.reduce((a, b) => a + b, 0) / slots;
  if (perSlot <= 0) return 1;
  const binError = noise * Math.sqrt(expectedMs.reduce((a, b) => a + b * b, 0) / slots);
  if (binError * expectedMaxOfNormals(slots) <= overheadMs) return 1;
  const left = Math.max(2 * binError, 2 * overheadMs) / perSlot;
  return 1 - Math.min(MAX_LEFT, left);
}

/** The slowest slot's speed over the mean: what share of an equal slot's work it finishes in the same time. */
function slowestShare(speeds: readonly number[] | undefined): number {
  if (speeds === undefined || speeds.length < 2) return 1;
  const mean = speeds.reduce((a, b) => a + b, 0) / speeds.length;
  return mean > 0 ? Math.min(1, Math.max(0, Math.min(...speeds) / mean)) : 1;
}

/** E[max of k standard normal draws] (tabulated; log-interpolated between entries). */
const NORMAL_MAX: readonly [number, number][] = [
  [1, 0],
  [2, 0.564],
  [4, 1.029],
  [8, 1.424],
  [16, 1.766],
  [32, 2.07],
  [64, 2.336],
  [128, 2.576],
  [256, 2.794],
  [1024, 3.178],
];

export function expectedMaxOfNormals(k: number): number {
  if (k <= 1) return 0;
  for (let i = 1; i < NORMAL_MAX.length; i++) {
    const [k1, v1] = NORMAL_MAX[i]!;
    if (k <= k1) {
      const [k0, v0] = NORMAL_MAX[i - 1]!;
      return v0 + ((v1 - v0) * Math.log(k / k0)) / Math.log(k1 / k0);
    }
  }
  return Math.sqrt(2 * Math.log(k));
}

/**
 * One job per slot, filled longest-first into the least loaded job while it stays under `cap`
 * (a scenario longer than the cap gets a job of its own). What does not fit is left for later;
 * with no cap, everything is packed (longest processing time first).
 */
function packOpening<T>(
  sorted: readonly T[],
  expectedMs: (item: T) => number,
  slots: number,
  cap: number,
): { packed: T[][]; rest: T[] } {
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

/** Consecutive batches of at most `maxMs` expected work each (at least one item). */
function chunks<T>(sorted: readonly T[], expectedMs: (item: T) => number, maxMs: number): T[][] {
  const batches: T[][] = [];
  let work = Infinity;
  for (const item of sorted) {
    const ms = expectedMs(item);
    if (work + ms > maxMs || batches.length === 0) {
      batches.push([item]);
      work = ms;
    } else {
      batches[batches.length - 1]!.push(item);
      work += ms;
    }
  }
  return batches;
}

/** Guided self-scheduling: each batch about remaining work / (2 × slots), at least one item. */
function selfSchedule<T>(
  sorted: readonly T[],
  expectedMs: (item: T) => number,
  slots: number,
  overheadMs: number,
): T[][] {
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
