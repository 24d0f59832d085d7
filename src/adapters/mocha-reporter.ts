import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One line of the reporter's output file: a finished test, or a hook that failed. */
export interface MochaRecord {
  event: 'pass' | 'fail' | 'pending';
  type: 'test' | 'hook';
  /** A test's suite titles and own title; for a hook, its suite's titles. */
  titlePath: string[];
  /** The hook's own title (`"before all" hook for "x"`); the test title for a test. */
  title: string;
  file: string;
  durationMs: number;
  retries: number;
  /**
   * The same for every record of one test of a run: Mocha reports a test that passed and then
   * called `done` again, or threw late, a second time. Missing in parallel mode, whose runnables
   * are copies made per event.
   */
  test?: number;
  message?: string;
  stack?: string;
}

/** The parts of Mocha's runnables the reporter reads (also present on parallel mode's copies). */
interface MochaRunnable {
  type?: string;
  title: string;
  file?: string;
  duration?: number;
  parent?: { titlePath(): string[]; file?: string };
  titlePath(): string[];
  currentRetry?(): number;
}

/** The name of the file, in `reportDir`, that the reporter writes its records to. */
export const MOCHA_RESULTS_FILE = 'mocha-results.jsonl';
const REPORTER_FILE = 'proctor-mocha-reporter.cjs';

/**
 * A Mocha reporter that writes one JSON line per finished test (and per failed hook) with the
 * test's title path and file, which Mocha's own JSON reporter lacks (it joins titles with spaces),
 * and prints a line per test for the job log. Lines are appended as tests finish, so a run that
 * is killed still leaves what it reported.
 *
 * It runs inside Mocha from a generated CommonJS file (see `writeMochaReporter`) made of the source
 * text of this function and `mochaRecord`: they must stay self-contained, never importing.
 */
export function proctorMochaReporter(runner: {
  on(event: string, listener: (r: MochaRunnable, e?: unknown) => void): void;
}): void {
  const fs = require('node:fs') as typeof import('node:fs');
  const out = require('node:path').join(__dirname, 'mocha-results.jsonl') as string;
  // Mocha builds its reporter after loading the files: an empty file means "loaded, no tests".
  fs.writeFileSync(out, '');
  const marks: Record<string, string> = { pass: 'ok     ', fail: 'FAILED ', pending: 'skipped' };
  const ids = new WeakMap<object, number>();
  let tests = 0;
  const write = (event: 'pass' | 'fail' | 'pending', runnable: MochaRunnable, error?: unknown): void => {
    const record = mochaRecord(event, runnable, error);
    if (record.type === 'test') {
      if (!ids.has(runnable)) ids.set(runnable, ++tests);
      record.test = ids.get(runnable);
    }
    fs.appendFileSync(out, `${JSON.stringify(record)}\n`);
    const title = [...record.titlePath, ...(record.type === 'hook' ? [record.title] : [])].join(' > ');
    process.stdout.write(`${marks[event]} ${title}${record.message ? `: ${record.message.split('\n')[0]}` : ''}\n`);
  };
  runner.on('pass', (test) => write('pass', test));
  runner.on('pending', (test) => write('pending', test));
  runner.on('fail', (runnable, error) => write('fail', runnable, error));
}

/** The record of one runnable; a hook is recorded with its suite's title path. */
function mochaRecord(event: 'pass' | 'fail' | 'pending', r: MochaRunnable, error: unknown): MochaRecord {
  const isTest = r.type === 'test';
  const record: MochaRecord = {
    event,
    type: isTest ? 'test' : 'hook',
    titlePath: isTest ? r.titlePath() : (r.parent?.titlePath() ?? []),
    title: r.title,
    file: r.file ?? r.parent?.file ?? '',
    durationMs: typeof r.duration === 'number' ? r.duration : 0,
    retries: typeof r.currentRetry === 'function' ? r.currentRetry() : 0,
  };
  if (error !== undefined && error !== null) {
    const e = error as { message?: unknown; stack?: unknown };
    record.message = typeof e.message === 'string' ? e.message : String(error);
    if (typeof e.stack === 'string') record.stack = e.stack;
  }
  return record;
}

/** Writes the reporter into `reportDir` and returns its path, for Mocha's `--reporter`. */
export function writeMochaReporter(reportDir: string): string {
  const path = join(reportDir, REPORTER_FILE);
  const source = `'use strict';\n${mochaRecord.toString()}\nmodule.exports = ${proctorMochaReporter.toString()};\n`;
  writeFileSync(path, source);
  return path;
}
