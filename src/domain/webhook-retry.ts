/**
 * When a failed webhook delivery is tried again: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h,
 * then every 8 h, each ±20 % so receivers coming back up are not hit by every sender at once. A
 * delivery is given up once a failure comes 24 h or more after its first attempt.
 */
const DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000];

export const GIVE_UP_AFTER_MS = 24 * 3_600_000;

/** Delay before attempt `attempts + 1`, after `attempts` failed ones. `random` is in [0, 1). */
export function retryDelayMs(attempts: number, random: number = Math.random()): number {
  const base = DELAYS_MS[Math.min(Math.max(attempts, 1), DELAYS_MS.length) - 1]!;
  return Math.round(base * (0.8 + 0.4 * random));
}

/**
 * A `Retry-After` header (seconds or an HTTP date) as milliseconds from `now`, clamped to
 * [1 s, 24 h]; null when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined || value.trim() === '') return null;
  const v = value.trim();
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 1000), GIVE_UP_AFTER_MS);
}
