import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeIdOf, parseCollection, scenarioOfNodeId } from '../../src/adapters/pytest-node-id.js';
import { pytestAdapter } from '../../src/adapters/pytest.js';
import { AdapterError, type DiscoveredScenario } from '../../src/adapters/types.js';
import { readJUnitFile } from '../../src/reports/junit-parse.js';
import { adapterContext, discoverWith, rejection, resultsByKey, runWith } from '../support/adapter-harness.js';
import { EXAMPLES, pytestDirect } from '../support/direct-runs.js';

const suite = join(EXAMPLES, 'pytest');

// What pytest itself reports for examples/pytest (checked against `pytest -v` below).
const EXPECTED: Record<string, string> = {
  'tests/test_fixtures.py > test_reads_rows': 'failed',
  'tests/test_fixtures.py > test_known_bug': 'skipped',
  'tests/test_math.py > test_adds': 'passed',
  'tests/test_math.py > test_divides_by_zero': 'failed',
  'tests/test_math.py > test_rounds_half_to_even': 'skipped',
  'tests/test_math.py > test_sums[1-2-3]': 'passed',
  'tests/test_math.py > test_sums[2-2-5]': 'failed',
  'tests/test_math.py > TestGreeting > test_uses_the_environment': 'passed',
  'tests/test_math.py > TestGreeting > test_shouts': 'passed',
};

describe('pytest adapter on examples/pytest', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(pytestAdapter, await adapterContext(suite));
  });

  it('discovers node ids, keyed by their parts', () => {
    expect(scenarios.map((s) => s.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(scenarios.find((s) => s.key.endsWith('test_shouts'))).toEqual({
      key: 'tests/test_math.py > TestGreeting > test_shouts',
      file: 'tests/test_math.py',
      path: ['TestGreeting', 'test_shouts'],
      tags: [],
    });
  });

  it('reports each test as pytest does, fixture errors errored, output per test, environment passed', async () => {
    const ctx = await adapterContext(suite, {}, { GREETING: 'hello from proctor' });
    const { reports } = await runWith(pytestAdapter, ctx, scenarios);
    expect(resultsByKey(reports)).toEqual(EXPECTED);
    expect(Object.fromEntries(pytestDirect())).toEqual(EXPECTED);
    expect(reports.find((r) => r.key.endsWith('test_reads_rows'))).toMatchObject({
      outcome: 'errored',
      message: expect.stringContaining('no database'),
    });
    expect(reports.find((r) => r.key.endsWith('[2-2-5]'))).toMatchObject({
      message: 'assert (2 + 2) == 5',
      stack: expect.stringContaining('test_math.py:22'),
    });
    expect(reports.find((r) => r.key.endsWith('test_uses_the_environment'))?.stdout).toBe(
      'greeting: hello from proctor',
    );
  });

  it('runs a single chosen scenario, a parameterized case, and nothing else', async () => {
    const ctx = await adapterContext(suite);
    const chosen = scenarios.filter((s) => s.key.endsWith('[2-2-5]'));
    const { reports, stdout } = await runWith(pytestAdapter, ctx, chosen);
    expect(resultsByKey(reports)).toEqual({ 'tests/test_math.py > test_sums[2-2-5]': 'failed' });
    // The file is collected whole; Proctor's plugin deselects what was not chosen, as `-k` would.
    expect(stdout).toMatch(/collected \d+ items \/ \d+ deselected \/ 1 selected/);
    const cases = await readJUnitFile(join(ctx.reportDir, 'pytest.xml'));
    expect(cases.map((c) => c.name)).toEqual(['test_sums[2-2-5]']);
  });

  it('makes a file that does not collect a scenario of its own, and runs the others anyway', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-pytest-broken-'));
    await mkdir(join(dir, 'tests'));
    await writeFile(join(dir, 'pytest.ini'), '[pytest]\n');
    await writeFile(join(dir, 'tests', 'test_ok.py'), 'def test_ok():\n    pass\n');
    await writeFile(join(dir, 'tests', 'test_broken.py'), 'import not_a_module\n\ndef test_never():\n    pass\n');
    const found = await discoverWith(pytestAdapter, await adapterContext(dir));
    expect(found.map((s) => s.key).sort()).toEqual(['tests/test_broken.py', 'tests/test_ok.py > test_ok']);
    const { reports } = await runWith(pytestAdapter, await adapterContext(dir), found);
    expect(resultsByKey(reports)).toEqual({ 'tests/test_broken.py': 'failed', 'tests/test_ok.py > test_ok': 'passed' });
    expect(reports.find((r) => r.key === 'tests/test_broken.py')).toMatchObject({
      outcome: 'errored',
      stack: expect.stringContaining("No module named 'not_a_module'"),
    });
  });

  it('explains no tests, a missing pytest, bad arguments and a missing report', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'proctor-pytest-empty-'));
    expect(await rejection(discoverWith(pytestAdapter, await adapterContext(empty)))).toMatchObject({
      reason: 'no_tests',
    });
    const noPytest = { exitCode: 1, signal: null, stdout: '', stderr: '/usr/bin/python3: No module named pytest\n' };
    const missing = await rejection(pytestAdapter.parseDiscovery(await adapterContext(suite), noPytest));
    expect(missing).toBeInstanceOf(AdapterError);
    expect(missing).toMatchObject({ reason: 'framework_missing' });
    const badArgs = await rejection(
      discoverWith(pytestAdapter, await adapterContext(suite, { args: ['--no-such-flag'] })),
    );
    expect(badArgs).toMatchObject({ reason: 'bad_options', message: expect.stringContaining('--no-such-flag') });
    const ctx = await adapterContext(suite);
    expect(
      await rejection(
        pytestAdapter.parseRun(ctx, scenarios, { exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '' }),
      ),
    ).toMatchObject({ reason: 'report_missing' });
    await writeFile(join(ctx.reportDir, 'pytest.xml'), '<testsuites><testcase');
    expect(
      await rejection(pytestAdapter.parseRun(ctx, scenarios, { exitCode: 1, signal: null, stdout: '', stderr: '' })),
    ).toMatchObject({ reason: 'report_malformed' });
    expect(await readFile(join(ctx.reportDir, 'pytest.xml'), 'utf8')).toContain('testcase');
  });
});

describe('pytest node ids', () => {
  it('split into file and path, parameters kept whole', () => {
    expect(scenarioOfNodeId('t/test_a.py::TestX::test_y[a::b-1]')).toEqual({
      key: 't/test_a.py > TestX > test_y[a::b-1]',
      file: 't/test_a.py',
      path: ['TestX', 'test_y[a::b-1]'],
      tags: [],
    });
    expect(nodeIdOf({ key: '', file: 't/test_a.py', path: ['TestX', 'test_y[a::b-1]'] })).toBe(
      't/test_a.py::TestX::test_y[a::b-1]',
    );
  });

  it('are read from the collection output with the files that failed to collect', () => {
    const out =
      'tests/test_a.py::test_one\ntests/test_a.py::TestB::test_two\n\n=== short test summary info ===\nERROR tests/test_c.py - ImportError\n1 error';
    expect(parseCollection(out)).toEqual({
      nodeIds: ['tests/test_a.py::test_one', 'tests/test_a.py::TestB::test_two'],
      brokenFiles: ['tests/test_c.py'],
    });
  });
});
