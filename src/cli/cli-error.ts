/** Exit codes of the CLI; `proctor --help` documents them. */
export const EXIT = {
  PASSED: 0,
  FAILED: 1,
  USAGE: 2,
  TIMED_OUT: 3,
  INFRASTRUCTURE: 4,
  INTERRUPTED: 130,
} as const;

/** An error the CLI reports in one line (no stack) with the exit code it implies. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
    /** The server's `error.details`, when the error is its answer. */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * An answer that is not Proctor's (a web page, JSON of another shape): PROCTOR_URL names something
 * else. Exit 4 like an unreachable server, but not retried: asking again gets the same answer.
 */
export class UnexpectedAnswer extends CliError {
  constructor(message: string) {
    super(message, EXIT.INFRASTRUCTURE);
    this.name = 'UnexpectedAnswer';
  }
}
