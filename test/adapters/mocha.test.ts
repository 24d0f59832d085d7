import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mochaAdapter } from '../../src/adapters/mocha.js';
import { AdapterError, type DiscoveredScenario } from '../../src/adapters/types.js';
import { adapterContext, discoverWith, rejection, resultsByKey, runWith } from '../support/adapter-harness.js';
import { EXAMPLES, mochaComparisonKey, mochaDirect } from '../support/direct-runs.js';

const suite = join(EXAMPLES, 'mocha');

// What Mocha itself reports for examples/mocha, test by test (checked against a direct run below).
const EXPECTED: Record<string, string> = {
  'test/math.spec.js > math > add > adds two numbers': 'passed',
  'test/math.spec.js > math > add > adds negative numbers': 'passed',
  'test/math.spec.js > math > divides by zero': 'failed',
  'test/math.spec.js > math > rounds half to even': 'skipped',
  'test/math.spec.js > math > is pending without a body': 'skipped',
  'test/strings.spec.js > strings > upper-cases': 'passed',
  'test/strings.spec.js > strings > trims on the second try': 'flaky',
};

describe('mocha adapter on examples/mocha', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(mochaAdapter, await adapterContext(suite));
  });

  it('discovers every test with a dry run, keyed file > describe > title', () => {
    expect(scenarios.map((s) => s.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(scenarios.find((s) => s.key.endsWith('adds two numbers'))).toEqual({
      key: 'test/math.spec.js > math > add > adds two numbers',
      file: 'test/math.spec.js',
      path: ['math', 'add', 'adds two numbers'],
      tags: [],
    });
  });

  it('reports each test as Mocha does when run directly, retries included', async () => {
    const { reports } = await runWith(mochaAdapter, await adapterContext(suite), scenarios);
    expect(resultsByKey(reports)).toEqual(EXPECTED);
    const direct = mochaDirect();
    expect(Object.fromEntries(direct)).toEqual(
      Object.fromEntries(Object.entries(EXPECTED).map(([k, v]) => [mochaComparisonKey(k), v])),
    );
    const division = reports.find((r) => r.key.endsWith('divides by zero'));
    expect(division?.message).toBe('division by zero should give 0');
    expect(division?.stack).toContain('math.spec.js:16');
  });

  it('runs a single chosen scenario and loads no other file', async () => {
    const ctx = await adapterContext(suite);
    const chosen = scenarios.filter((s) => s.key.endsWith('upper-cases'));
    const { reports, stdout } = await runWith(mochaAdapter, ctx, chosen);
    expect(resultsByKey(reports)).toEqual({ 'test/strings.spec.js > strings > upper-cases': 'passed' });
    const records = (await readFile(join(ctx.reportDir, 'mocha-results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { titlePath: string[] });
    expect(records.map((r) => r.titlePath)).toEqual([['strings', 'upper-cases']]);
    expect(stdout).not.toContain('math');
  });

  it('errors the tests a failed hook kept from running, and explains a file that does not load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-mocha-hooks-'));
    await writeFile(join(dir, '.mocharc.json'), '{ "spec": ["*.spec.cjs"] }');
    await writeFile(
      join(dir, 'db.spec.cjs'),
      "describe('db', () => {\n  before(() => { throw new Error('no database'); });\n  it('reads', () => {});\n  it('writes', () => {});\n});\nit('stands alone', () => {});\n",
    );
    const found = await discoverWith(mochaAdapter, await adapterContext(dir));
    expect(found.map((s) => s.key).sort()).toEqual([
      'db.spec.cjs > db > reads',
      'db.spec.cjs > db > writes',
      'db.spec.cjs > stands alone',
    ]);
    const { reports } = await runWith(mochaAdapter, await adapterContext(dir), found);
    expect(resultsByKey(reports)).toEqual({
      'db.spec.cjs > db > reads': 'failed',
      'db.spec.cjs > db > writes': 'failed',
      'db.spec.cjs > stands alone': 'passed',
    });
    expect(reports.find((r) => r.key.endsWith('reads'))).toMatchObject({
      outcome: 'errored',
      message: '"before all" hook for "reads" failed: no database',
    });

    await writeFile(join(dir, 'broken.spec.cjs'), "require('./missing.cjs');\n");
    const error = await rejection(discoverWith(mochaAdapter, await adapterContext(dir)));
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({
      reason: 'report_missing',
      message: expect.stringContaining("Cannot find module './missing.cjs'"),
    });
  });

  it('says so when there are no tests or the records are garbled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-mocha-empty-'));
    await writeFile(join(dir, '.mocharc.json'), '{ "spec": ["*.spec.cjs"] }');
    await writeFile(join(dir, 'none.spec.cjs'), "describe('nothing', () => {});\n");
    expect(await rejection(discoverWith(mochaAdapter, await adapterContext(dir)))).toMatchObject({
      reason: 'no_tests',
    });
    const ctx = await adapterContext(suite);
    await writeFile(join(ctx.reportDir, 'mocha-results.jsonl'), '{"event":"pass"\n');
    expect(
      await rejection(mochaAdapter.parseRun(ctx, scenarios, { exitCode: 1, signal: null, stdout: '', stderr: '' })),
    ).toMatchObject({ reason: 'report_malformed' });
  });
});
