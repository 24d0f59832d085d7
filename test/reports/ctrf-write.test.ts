import { describe, expect, it } from 'vitest';
import { formatCtrf, type CtrfResultInput } from '../../src/reports/ctrf-write.js';
import { SCENARIO_RESULTS } from '../../src/protocol/statuses.js';
import { ctrfErrors } from '../support/ctrf-schema.js';

const base = { file: 'cart.test.ts', environment: 'chrome', attempts: 1, durationMs: 12.6 };
const result = (status: CtrfResultInput['status'], extra: Partial<CtrfResultInput> = {}): CtrfResultInput => ({
  key: `cart.test.ts > cart > ${status}`,
  path: ['cart', status],
  status,
  ...base,
  ...extra,
});

describe('formatCtrf', () => {
  it('writes a valid CTRF document, one test per scenario result, with Proctor’s status in rawStatus', () => {
    const report = formatCtrf({
      name: 'web/unit run 7',
      start: 1_700_000_000_000,
      stop: 1_700_000_004_321,
      build: '42',
      branch: 'main',
      ref: 'abc123',
      results: SCENARIO_RESULTS.map((s) => result(s)),
    });
    expect(ctrfErrors(report)).toEqual([]);
    expect(report.reportFormat).toBe('CTRF');
    expect(Object.fromEntries(report.results.tests.map((t) => [t.rawStatus, t.status]))).toEqual({
      queued: 'pending',
      running: 'pending',
      passed: 'passed',
      failed: 'failed',
      flaky: 'passed',
      skipped: 'skipped',
      aborted: 'other',
      stopped: 'other',
      not_executed: 'other',
    });
    expect(report.results.summary).toEqual({
      tests: 9,
      passed: 2,
      failed: 1,
      skipped: 1,
      pending: 2,
      other: 3,
      flaky: 1,
      start: 1_700_000_000_000,
      stop: 1_700_000_004_321,
      duration: 4321,
    });
    expect(report.results.environment).toEqual({
      reportName: 'web/unit run 7',
      buildName: '42',
      buildNumber: 42,
      branchName: 'main',
      commit: 'abc123',
    });
    expect(report.results.tests[0]).toMatchObject({
      name: 'queued',
      suite: ['chrome', 'cart.test.ts', 'cart'],
      filePath: 'cart.test.ts',
      duration: 13,
      extra: { key: 'cart.test.ts > cart > queued' },
    });
  });

  it('marks flaky tests with their retries, keeps failures’ message, trace and output', () => {
    const report = formatCtrf({
      name: 'run',
      start: 1000,
      stop: 2000,
      results: [
        result('flaky', { attempts: 3 }),
        result('flaky', { key: 'b', path: ['b'] }),
        result('failed', {
          attempts: 2,
          message: 'expected 1 to be 2',
          stack: 'Error: expected\n    at x.ts:1',
          stdout: 'a\nb',
          stderr: 'warn',
        }),
        result('passed', {
          key: 'whole-file.sh',
          path: [],
          file: 'whole-file.sh',
          durationMs: null,
          startedAt: 1100,
          finishedAt: 1900,
        }),
      ],
    });
    expect(ctrfErrors(report)).toEqual([]);
    const [flaky, frameworkFlaky, failed, file] = report.results.tests;
    expect(flaky).toMatchObject({ status: 'passed', flaky: true, retries: 2 });
    expect(frameworkFlaky).toMatchObject({ status: 'passed', flaky: true, retries: 1 });
    expect(failed).toMatchObject({
      status: 'failed',
      retries: 1,
      message: 'expected 1 to be 2',
      trace: 'Error: expected\n    at x.ts:1',
      stdout: ['a', 'b'],
      stderr: ['warn'],
    });
    expect(file).toMatchObject({ name: 'whole-file.sh', suite: ['chrome'], duration: 0, start: 1100, stop: 1900 });
    expect(report.results.environment).toEqual({ reportName: 'run' });
  });

  it('stays valid for an empty run and a build that is not a number', () => {
    const report = formatCtrf({ name: 'empty', start: 5, stop: 1, build: '1.4-rc2', results: [] });
    expect(ctrfErrors(report)).toEqual([]);
    expect(report.results.summary).toMatchObject({ tests: 0, start: 5, stop: 5, duration: 0 });
    expect(report.results.environment).toEqual({ reportName: 'empty', buildName: '1.4-rc2' });
  });

  it('is checked by a schema that can fail', () => {
    expect(
      ctrfErrors({
        reportFormat: 'CTRF',
        specVersion: '1.0.0',
        results: { tool: { name: 'x' }, summary: {}, tests: [{ name: 'a', status: 'aborted', duration: 1.5 }] },
      }),
    ).not.toEqual([]);
  });
});
