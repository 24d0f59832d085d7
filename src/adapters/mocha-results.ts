import { readFile, stat } from 'node:fs/promises';
import type { TestOutcome } from '../protocol/statuses.js';
import { capText } from '../reports/capped-text.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { stripAnsi } from './ansi.js';
import { fileReport } from './file-report.js';
import { relativeFile } from './find-files.js';
import type { MochaRecord } from './mocha-reporter.js';
import { requireReport } from './report-errors.js';
import { AdapterError, scenarioKey, type ProcessOutput, type ScenarioRef, type TestReport } from './types.js';

const OUTCOMES: Record<MochaRecord['event'], TestOutcome> = { pass: 'passed', fail: 'failed', pending: 'skipped' };

/** Reads the records Proctor's Mocha reporter wrote; AdapterError when the file is missing or garbled. */
export async function readMochaRecords(path: string, output: ProcessOutput | null): Promise<MochaRecord[]> {
  // A file that does not load stops Mocha before its reporter exists; its stderr names the cause
  // first and then a long stack, which the tail requireReport quotes would cut off.
  const stopped = /Exception during run: (.*)/.exec(output?.stderr ?? '')?.[1];
  if (stopped !== undefined && !(await stat(path).then(() => true, () => false))) {
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
export function mochaReports(cwd: string, scenarios: readonly ScenarioRef[], records: readonly MochaRecord[]): TestReport[] {
  const byKey = new Map<string, JUnitCase[]>();
  const hooks = records.filter((r) => r.type === 'hook' && r.event === 'fail');
  for (const r of records) {
    if (r.type !== 'test') continue;
    const file = relativeFile(cwd, r.file);
    const key = scenarioKey(file, r.titlePath);
    byKey.set(key, [...(byKey.get(key) ?? []), mochaCase(file, r)]);
  }
  return scenarios.flatMap((s): TestReport[] => {
    const cases = byKey.get(s.key);
    if (cases !== undefined) return [{ ...fileReport(s.file, cases), key: s.key, path: s.path }];
    const hook = hooks.find((h) => covers(h, cwd, s));
    if (hook === undefined) return [];
    const message = `${hook.title} failed: ${firstLine(hook.message)}`;
    return [{ key: s.key, file: s.file, path: s.path, outcome: 'errored', durationMs: 0, message, ...(hook.stack ? { stack: capText(stripAnsi(hook.stack)) } : {}) }];
  });
}

function covers(hook: MochaRecord, cwd: string, s: ScenarioRef): boolean {
  if (hook.titlePath.length === 0) return true;
  if (relativeFile(cwd, hook.file) !== s.file || hook.titlePath.length >= s.path.length) return false;
  return hook.titlePath.every((title, i) => s.path[i] === title);
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
