import type { FastifyInstance } from 'fastify';
import { AppError } from '../protocol/errors.js';
import type { ApiKey } from '../storage/api-keys.js';
import type { ServerConfig } from './config.js';
import type { ServerDeps } from './deps.js';
import { RateLimiter } from './rate-limiter.js';

/** A key's own limit, else the server default; 0 means unlimited. Null: unlimited. */
function effective(own: number | null, fallback: number | null): number | null {
  const v = own ?? fallback;
  return v ? v : null;
}

/**
 * The `RATE_LIMITED` error (429) with `details.retry_after_s`, which the native error handler turns
 * into a `Retry-After` header; compatibility routes map the same code to their vendor's shape.
 */
export function rateLimited(message: string, retryAfterS: number, limit: string): AppError {
  return new AppError('RATE_LIMITED', message, { details: { limit, retry_after_s: retryAfterS } });
}

/**
 * Enforces each API key's requests per minute on every route it calls (after authentication).
 * Agents are not limited: their traffic is the queue's own.
 */
export function registerUsageLimits(app: FastifyInstance, deps: ServerDeps): void {
  const limiter = new RateLimiter(deps.queue.clock);
  app.addHook('onRequest', async (req) => {
    const p = req.principal;
    if (p?.kind !== 'key') return;
    const perMinute = effective(p.key.rateLimitPerMinute, deps.config.keyRateLimitPerMinute);
    if (perMinute === null) return;
    const wait = limiter.take(p.key.id, perMinute);
    if (wait > 0)
      throw rateLimited(
        `this key may send ${perMinute} request(s) per minute: retry in ${wait} s`,
        wait,
        'rate_limit_per_minute',
      );
  });
}

/**
 * What a trigger passes to `triggerRun` so the key's active-run limit is enforced there, inside the
 * transaction that creates the run.
 *
 * @example
 * await triggerRun(deps.queue, { plan, environments, ...triggerLimits(deps.config, key) });
 */
export function triggerLimits(config: ServerConfig, key: ApiKey): { apiKeyId: number; maxActiveRuns: number | null } {
  return { apiKeyId: key.id, maxActiveRuns: effective(key.maxActiveRuns, config.keyMaxActiveRuns) };
}
