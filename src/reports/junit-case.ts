import type { TestOutcome } from '../protocol/statuses.js';

/** One `<testcase>` of a JUnit XML report, as the reader hands it out. */
export interface JUnitCase {
  /** Names of the enclosing `<testsuite>` elements, outermost first (`<testsuites>` not included). */
  suites: string[];
  classname: string;
  name: string;
  /** The testcase's `file` attribute, else the nearest enclosing testsuite's. */
  file?: string;
  /** Seconds, as the report says; 0 when absent or unreadable. */
  time: number;
  outcome: TestOutcome;
  message?: string;
  stack?: string;
  stdout?: string;
  stderr?: string;
  /** Reruns the framework reported (Surefire's flaky and rerun elements). */
  retries?: number;
}

/** The report is not well-formed XML, is hostile, or is not JUnit. */
export class JUnitFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JUnitFormatError';
  }
}
