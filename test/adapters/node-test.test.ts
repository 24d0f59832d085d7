import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeTestAdapter } from '../../src/adapters/node-test.js';
import {
  AdapterError,
  type AdapterContext,
  type DiscoveredScenario,
  type TestReport,
} from '../../src/adapters/types.js';
import { readJUnitFile } from '../../src/reports/junit-parse.js';
import { runCommand } from '../support/run-command.js';

const suite = fileURLToPath(new URL('../../examples/demo/node-test/', import.meta.url));

async function context(cwd = suite, options: Record<string, unknown> = {}): Promise<AdapterContext> {
  return { cwd, reportDir: await mkdtemp(join(tmpdir(), 'proctor-node-test-')), env: {}, options };
}

async function run(ctx: AdapterContext, scenarios: DiscoveredScenario[]): Promise<TestReport[]> {
  const output = await runCommand(nodeTestAdapter.runCommand(ctx, scenarios));
  return nodeTestAdapter.parseRun(ctx, scenarios, output);
}

const byKey = (reports: TestReport[]): Record<string, string> =>
  Object.fromEntries(reports.map((r) => [r.key, r.outcome]));

describe('node-test adapter on examples/demo/node-test', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    const ctx = await context();
    expect(nodeTestAdapter.discoverCommand(ctx)).toBeNull();
    scenarios = await nodeTestAdapter.parseDiscovery(ctx, null);
  });

  it('discovers the test files as file-level scenarios', () => {
    expect(scenarios).toEqual([
      { key: 'later.test.mjs', file: 'later.test.mjs', path: [], tags: [] },
      { key: 'math.test.mjs', file: 'math.test.mjs', path: [], tags: [] },
      { key: 'strings.test.mjs', file: 'strings.test.mjs', path: [], tags: [] },
    ]);
  });

  it('runs them and folds each file’s tests into its outcome', async () => {
    const ctx = await context();
    const reports = await run(ctx, scenarios);
    expect(byKey(reports)).toEqual({
      'later.test.mjs': 'skipped',
      'math.test.mjs': 'failed',
      'strings.test.mjs': 'passed',
    });
    const math = reports.find((r) => r.key === 'math.test.mjs');
    expect(math?.message).toMatch(/^math > divides by zero: division by zero should give 0/);
    expect(math?.stack).toContain('math.test.mjs:17');
    // The report itself has every test, subtests included, each with its file.
    const cases = await readJUnitFile(join(ctx.reportDir, 'node-test.xml'));
    expect(
      cases.map((c) => `${c.file?.split('/').pop()}: ${[...c.suites, c.name].join(' > ')} = ${c.outcome}`),
    ).toEqual([
      'later.test.mjs: payments > refunds a card payment = skipped',
      'later.test.mjs: payments > splits a payment = skipped',
      'math.test.mjs: math > add > adds two numbers = passed',
      'math.test.mjs: math > add > adds negative numbers = passed',
      'math.test.mjs: math > divides by zero = failed',
      'math.test.mjs: math > rounds half to even = skipped',
      'strings.test.mjs: upper-cases = passed',
      'strings.test.mjs: slugifies > spaces = passed',
      'strings.test.mjs: slugifies > punctuation = passed',
    ]);
  });

  it('runs a single chosen file and nothing else', async () => {
    const ctx = await context();
    const reports = await run(
      ctx,
      scenarios.filter((s) => s.key === 'math.test.mjs'),
    );
    expect(byKey(reports)).toEqual({ 'math.test.mjs': 'failed' });
    const cases = await readJUnitFile(join(ctx.reportDir, 'node-test.xml'));
    expect(new Set(cases.map((c) => c.file?.split('/').pop()))).toEqual(new Set(['math.test.mjs']));
  });

  it('honours options.include and exclude', async () => {
    const only = await nodeTestAdapter.parseDiscovery(await context(suite, { include: 'str*.test.mjs' }), null);
    expect(only.map((s) => s.key)).toEqual(['strings.test.mjs']);
    const rest = await nodeTestAdapter.parseDiscovery(await context(suite, { exclude: ['later.*', 'math.*'] }), null);
    expect(rest.map((s) => s.key)).toEqual(['strings.test.mjs']);
    await expect(nodeTestAdapter.parseDiscovery(await context(suite, { include: 42 }), null)).rejects.toMatchObject({
      reason: 'bad_options',
    });
    await expect(
      nodeTestAdapter.parseDiscovery(await context(suite, { include: '*.spec.js' }), null),
    ).rejects.toMatchObject({
      reason: 'no_tests',
    });
  });

  it('fails with report_missing and report_malformed', async () => {
    const ctx = await context();
    const output = { exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '' };
    const missing = await nodeTestAdapter.parseRun(ctx, scenarios, output).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AdapterError);
    expect(missing).toMatchObject({ reason: 'report_missing', message: expect.stringContaining('killed by SIGKILL') });
    await writeFile(
      join(ctx.reportDir, 'node-test.xml'),
      '<?xml version="1.0"?>\n<testsuites>\n<testcase name="a" file="x"',
    );
    await expect(nodeTestAdapter.parseRun(ctx, scenarios, output)).rejects.toMatchObject({
      reason: 'report_malformed',
    });
  });
});

describe('node-test adapter on a file that does not load', () => {
  it('reports the file as errored, with the syntax error from its stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-node-broken-'));
    await writeFile(join(dir, 'broken.test.mjs'), "import { test } from 'node:test';\ntest('x', () => {\n");
    await writeFile(join(dir, 'fine.test.mjs'), "import { test } from 'node:test';\ntest('x', () => {});\n");
    const ctx = await context(dir);
    const scenarios = await nodeTestAdapter.parseDiscovery(ctx, null);
    const reports = await run(ctx, scenarios);
    expect(byKey(reports)).toEqual({ 'broken.test.mjs': 'errored', 'fine.test.mjs': 'passed' });
    expect(reports[0]?.stderr).toContain('SyntaxError');
  });
});
