import { CliError, EXIT, UnexpectedAnswer } from './cli-error.js';

export interface RetryOptions {
  /** Give up once the server has been unreachable this long (default 2 minutes). */
  giveUpAfterMs: number;
  /** Told before each wait; `attempt` counts from 1. */
  onRetry?: (error: CliError, attempt: number, delayMs: number) => void;
  /** Told when a call succeeds after at least one failure. */
  onRecovered?: (downMs: number) => void;
  signal?: AbortSignal;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}

/** Whether an error means "the server could not answer" (down, dropped, 5xx) rather than "it said no" or "it is not Proctor". */
export function isUnreachable(e: unknown): e is CliError {
  return e instanceof CliError && e.exitCode === EXIT.INFRASTRUCTURE && !(e instanceof UnexpectedAnswer);
}

/**
 * Calls `fn` until it succeeds, waiting 0.5 s, 1 s, 2 s … (at most 10 s) after each failure that
 * means the server is unreachable; other errors pass through. After `giveUpAfterMs` of failures the
 * last error is thrown (exit 4).
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  let firstFailure: number | null = null;
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await fn();
      if (firstFailure !== null) opts.onRecovered?.(Date.now() - firstFailure);
      return value;
    } catch (e) {
      if (!isUnreachable(e) || opts.signal?.aborted) throw e;
      firstFailure ??= Date.now();
      const down = Date.now() - firstFailure;
      if (down >= opts.giveUpAfterMs) {
        throw new CliError(`${e.message}; gave up after ${Math.round(down / 1000)} s of retries`, EXIT.INFRASTRUCTURE);
      }
      const delay = Math.min(500 * 2 ** (attempt - 1), 10_000, Math.max(100, opts.giveUpAfterMs - down));
      opts.onRetry?.(e, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
