/**
 * A token bucket per caller: `perMinute` requests at once, refilled evenly over the minute. Kept in
 * memory, so with several replicas each enforces the limit on the share of traffic it receives.
 */
export class RateLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number; perMinute: number }>();

  constructor(private readonly clock: () => number) {}

  /**
   * Takes one request from `id`'s bucket. Returns 0 when it may go ahead, else the seconds until
   * it may (the Retry-After).
   */
  take(id: number, perMinute: number): number {
    const now = this.clock();
    const rate = perMinute / 60_000;
    let b = this.buckets.get(id);
    if (!b || b.perMinute !== perMinute) b = { tokens: perMinute, at: now, perMinute };
    b.tokens = Math.min(perMinute, b.tokens + Math.max(0, now - b.at) * rate);
    b.at = now;
    this.buckets.set(id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }
}
