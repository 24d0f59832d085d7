import { describe, expect, it } from 'vitest';
import type { ResultRow, Run } from '../../src/protocol/api.js';
import { parsePair } from '../../src/cli/commands/rerun.js';
import { failureLine, firstLine } from '../../src/cli/follow-format.js';
import { plainReporter } from '../../src/cli/follow-plain.js';
import { liveBlock, ttyReporter } from '../../src/cli/follow-tty.js';
import { annotations, stepSummary } from '../../src/cli/github-actions.js';
import { exitCodeOf } from '../../src/cli/run-verdict.js';

const counts = {
  total: 10,
  passed: 5,
  failed: 1,
  flaky: 1,
  skipped: 0,
  aborted: 0,
  stopped: 0,
  not_executed: 0,
  queued: 2,
  running: 1,
};
const run = (over: Partial<Run> = {}): Run =>
  ({
    id: 42,
    plan: { id: 1, name: 'unit' },
    status: 'running',
    result: null,
    counts,
    ended_by: null,
    end_reason: null,
    duration_ms: null,
    unavailable_environments: [],
    ...over,
  }) as Run;
const row = (over: Partial<ResultRow> & { env?: string } = {}): ResultRow =>
  ({
    id: 1,
    scenario: { id: 1, key: 'cart.test.ts > cart > totals', file: 'cart.test.ts', path: ['cart', 'totals'] },
    environment: over.env ?? 'node',
    status: 'failed',
    message: '\x1b[31mexpected 81 to be 90\x1b[39m\n  at x.ts:1',
    ...over,
  }) as ResultRow;

describe('following a run', () => {
  it('maps a run to its exit code; flaky passes unless --fail-on-flaky', () => {
    expect(exitCodeOf(run({ status: 'completed', result: 'passed' }))).toBe(0);
    expect(exitCodeOf(run({ status: 'completed', result: 'passed' }), true)).toBe(1);
    expect(exitCodeOf(run({ status: 'completed', result: 'passed', counts: { ...counts, flaky: 0 } }), true)).toBe(0);
    expect(exitCodeOf(run({ status: 'completed', result: 'failed' }))).toBe(1);
    expect(exitCodeOf(run({ status: 'completed', result: 'aborted', ended_by: 'timeout' }))).toBe(3);
    expect(exitCodeOf(run({ status: 'completed', result: 'aborted', ended_by: 'system' }))).toBe(4);
  });

  it('names a failure on one line without control characters', () => {
    expect(firstLine('\n\x1b[1mboom\x1b[22m\r\nmore')).toBe('boom');
    expect(failureLine(row())).toBe('FAILED cart.test.ts > cart > totals (node): expected 81 to be 90');
  });

  it('prints progress at most every 10 s, and only when it changed', () => {
    const lines: string[] = [];
    let now = 0;
    const emit = plainReporter({ line: (t) => lines.push(t), error: () => {} }, () => now);
    emit({ type: 'triggered', run: run(), url: 'http://127.0.0.1:4400/runs/42' });
    emit({ type: 'progress', run: run({ counts: { ...counts, passed: 6, queued: 1 } }), rows: null });
    now = 10_000;
    emit({ type: 'progress', run: run({ counts: { ...counts, passed: 6, queued: 1 } }), rows: null });
    now = 15_000;
    emit({ type: 'progress', run: run({ counts: { ...counts, passed: 7, queued: 0 } }), rows: null });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^\[\d\d:\d\d:\d\d\] run 42: 8\/10 done: 6 passed, 1 failed, 1 flaky, 0 skipped, 1 running, 1 queued \(10s\)$/,
    );
  });

  it('says what it knows: discovery before a count, the count when known, plurals right, the dashboard page', () => {
    const lines: string[] = [];
    const emit = plainReporter({ line: (t) => lines.push(t), error: () => {} });
    const none = { ...counts, total: 0, passed: 0, failed: 0, flaky: 0, queued: 0, running: 0 };
    emit({ type: 'triggered', run: run({ status: 'queued', counts: none }), url: 'http://127.0.0.1:4400/runs/42' });
    emit({ type: 'started', run: run({ counts: none }) });
    emit({ type: 'planned', run: run({ counts: { ...none, total: 1, queued: 1 } }) });
    emit({ type: 'planned', run: run({ counts: { ...none, total: 3, queued: 3 } }) });
    expect(lines.map((l) => l.replace(/^\[[\d:]+\] /, ''))).toEqual([
      'run 42 of plan unit triggered (queued): http://127.0.0.1:4400/runs/42',
      'run 42 started: discovering its scenarios',
      'run 42: 1 scenario run to do',
      'run 42: 3 scenario runs to do',
    ]);
  });

  it('draws a failure under the header of the poll that saw it, not the poll before', () => {
    let text = '';
    const emit = ttyReporter(
      (t) => (text += t),
      () => 80,
    );
    const none = { ...counts, total: 0, passed: 0, failed: 0, flaky: 0, queued: 0, running: 0 };
    emit({ type: 'triggered', run: run({ status: 'queued', counts: none }), url: 'http://127.0.0.1:4400/runs/42' });
    emit({ type: 'progress', run: run({ status: 'queued', counts: none }), rows: null });
    text = '';
    emit({ type: 'failed', run: run({ counts: { ...none, total: 3, failed: 1, queued: 2 } }), result: row() });
    expect(text).toContain('FAILED cart.test.ts > cart > totals');
    expect(text).toContain(' 1/3 ');
    expect(text).not.toContain('0/0');
  });

  it('keeps the live block within the width, however many and long the environments', () => {
    const rows = Array.from({ length: 12 }, (_, i) =>
      row({ id: i, env: `environment-with-a-very-long-name-${i}`, status: i % 2 ? 'passed' : 'running' }),
    );
    const block = liveBlock(
      run({ plan: { id: 1, name: 'a-plan-with-a-name-longer-than-anyone-would-type-but-someone-did' } }),
      rows,
      125_000,
      61_000,
      80,
    );
    for (const l of block) expect(l.length).toBeLessThanOrEqual(80);
    expect(block[0]).toContain('2m 05s elapsed, ~1m 01s left');
    expect(block[1]).toMatch(/^\[#+-+\] {2}7\/10 {2}70%$/);
    expect(block.at(-1)).toBe('… 4 more environments');
  });

  it('writes GitHub annotations with escaped properties and a Markdown summary', () => {
    const r = row({
      scenario: { id: 1, key: 'a, b.test.ts > x: y', file: 'a, b.test.ts', path: ['x: y'] },
      message: '100% wrong',
    });
    expect(annotations([r])).toEqual(['::error file=a%2C b.test.ts,title=x%3A y (node)::100%25 wrong']);
    const md = stepSummary(run({ status: 'completed', result: 'failed' }), [r], 1);
    expect(md).toContain('| 10 | 5 | 1 | 1 | 0 | 0 | 3 |');
    expect(md).toContain('- `a, b.test.ts > x: y` (node, failed): 100% wrong');
  });

  it('splits --pair at the last @, numeric scenarios as ids', () => {
    expect(parsePair('login.spec.ts > user@example.com signs in@chrome')).toEqual({
      scenario: 'login.spec.ts > user@example.com signs in',
      environment: 'chrome',
    });
    expect(parsePair('17@node')).toEqual({ scenario: 17, environment: 'node' });
    expect(() => parsePair('nope')).toThrow(/SCENARIO@ENVIRONMENT/);
  });
});
