import { readFile, stat } from 'node:fs/promises';
import type { TestOutcome } from '../protocol/statuses.js';
import { capText } from '../reports/capped-text.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { stripAnsi } from './ansi.js';
import { fileReport } from './file-report.js';
import { relativeFile } from './find-files.js';
import type { MochaRecord } from './mocha-reporter.js';
import { requireReport } from './report-errors.js';
import { occurrenceKeys, samePathPart } from '../domain/scenario-key.js';
import { RequestedScenarios } from './requested-scenarios.js';
import { AdapterError, type ProcessOutput, type ScenarioRef, type TestReport } from './types.js';

const OUTCOMES: Record<MochaRecord['event'], TestOutcome> = { pass: 'passed', fail: 'failed', pending: 'skipped' };

/** Reads the records Proctor's Mocha reporter wrote; AdapterError when the file is missing or garbled. */
export async function readMochaRecords(path: string, output: ProcessOutput | null): Promise<MochaRecord[]> {
  // A file that does not load stops Mocha before its reporter exists; its stderr names the cause
  // first and then a long stack, which the tail requireReport quotes would cut off.
  const stopped = /Exception during run: (.*)/.exec(output?.stderr ?? '')?.[1];
  if (
    stopped !== undefined &&
    !(await stat(path).then(
      () => true,
      () => false,
    ))
  ) {
    throw new AdapterError('report_missing', `mocha stopped before running any test: ${stripAnsi(stopped)}`);
  }
  await requireReport(path, 'mocha', output);
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new AdapterError('report_malformed', `${path}:${i + 1} is not JSON`, { cause: error });
    }
    const r = record as MochaRecord | null;
    if (!Array.isArray(r?.titlePath) || typeof r.file !== 'string' || !(r.event in OUTCOMES)) {
      throw new AdapterError('report_malformed', `${path}:${i + 1} is not a Proctor Mocha record`);
    }
    return r;
  });
}

/**
 * The reports of the requested scenarios from the reporter's records. A requested test with no
 * record of its own but under a suite whose hook failed (in its file, or a root hook of any file)
 * is errored with the hook's message: Mocha skips such tests without a word.
 */
export function mochaReports(
  cwd: string,
  scenarios: readonly ScenarioRef[],
  records: readonly MochaRecord[],
): TestReport[] {
  const requested = new RequestedScenarios(scenarios);
  const found = new Map<string, { key: string; path: string[]; cases: JUnitCase[] }>();
  const hooks = records.filter((r) => r.type === 'hook' && r.event === 'fail');
  for (const { key, file, record } of keyedTestRecords(cwd, records)) {
    const s = requested.find(key);
    if (s === undefined) continue;
    const same = found.get(s.key);
    if (same === undefined) found.set(s.key, { key, path: record.titlePath, cases: [mochaCase(file, record)] });
    else same.cases.push(mochaCase(file, record));
  }
  return scenarios.flatMap((s): TestReport[] => {
    const own = found.get(s.key);
    if (own !== undefined) return [{ ...fileReport(s.file, own.cases), key: own.key, path: own.path }];
    const hook = hooks.find((h) => covers(h, cwd, s));
    if (hook === undefined) return [];
    const message = `${hook.title} failed: ${firstLine(hook.message)}`;
    return [
      {
        key: s.key,
        file: s.file,
        path: s.path,
        outcome: 'errored',
        durationMs: 0,
        message,
        ...(hook.stack ? { stack: capText(stripAnsi(hook.stack)) } : {}),
      },
    ];
  });
}

/**
 * The test records with their files (relative to cwd) and keys, in the order Mocha reported them:
 * a test sharing its file and title path with an earlier one gets its occurrence (`… #2`); a
 * test's later records (a failure after its pass) come last, under its key.
 */
export function keyedTestRecords(
  cwd: string,
  records: readonly MochaRecord[],
): { key: string; file: string; record: MochaRecord }[] {
  const tests: { file: string; path: string[]; record: MochaRecord }[] = [];
  const keyOfTest = new Map<number, number>();
  const again: { index: number; record: MochaRecord }[] = [];
  for (const record of records) {
    if (record.type !== 'test') continue;
    // A second record of the same test (a late failure) is that test, not a test sharing its title.
    const first = record.test === undefined ? undefined : keyOfTest.get(record.test);
    if (first !== undefined) {
      again.push({ index: first, record });
      continue;
    }
    if (record.test !== undefined) keyOfTest.set(record.test, tests.length);
    tests.push({ file: relativeFile(cwd, record.file), path: record.titlePath, record });
  }
  const keys = occurrenceKeys(tests);
  const keyed = tests.map((t, i) => ({ key: keys[i] ?? '', file: t.file, record: t.record }));
  return [...keyed, ...again.map(({ index, record }) => ({ ...keyed[index]!, record }))];
}

function covers(hook: MochaRecord, cwd: string, s: ScenarioRef): boolean {
  if (hook.titlePath.length === 0) return true;
  if (relativeFile(cwd, hook.file) !== s.file || hook.titlePath.length >= s.path.length) return false;
  return hook.titlePath.every((title, i) => samePathPart(s.path[i] ?? '', title));
}

function mochaCase(file: string, r: MochaRecord): JUnitCase {
  const c: JUnitCase = {
    suites: r.titlePath.slice(0, -1),
    classname: file,
    name: r.titlePath.at(-1) ?? r.title,
    file,
    time: r.durationMs / 1000,
    outcome: OUTCOMES[r.event],
  };
  if (r.message !== undefined) c.message = capText(firstLine(r.message));
  if (r.stack !== undefined) c.stack = capText(stripAnsi(r.stack));
  if (r.retries > 0) c.retries = r.retries;
  return c;
}

function firstLine(text: string | undefined): string {
  return stripAnsi(text ?? '').split('\n', 1)[0] ?? '';
}
