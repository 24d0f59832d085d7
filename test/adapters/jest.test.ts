import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jestAdapter } from '../../src/adapters/jest.js';
import { AdapterError, type DiscoveredScenario } from '../../src/adapters/types.js';
import {
  adapterContext,
  discoverWith,
  rejection,
  resultsByKey,
  runWith,
  suiteWith,
} from '../support/adapter-harness.js';
import { EXAMPLES, jestDirect } from '../support/direct-runs.js';

const suite = join(EXAMPLES, 'jest');

// What `jest` itself reports for examples/jest, test by test (checked against a direct run below).
const EXPECTED: Record<string, string> = {
  'cart.test.js > cart > adding items > starts empty': 'passed',
  'cart.test.js > cart > adding items > adds an item': 'passed',
  'cart.test.js > cart > totals > sums prices': 'passed',
  'cart.test.js > cart > totals > applies a 10% discount': 'failed',
  'cart.test.js > cart > totals > applies vouchers': 'skipped',
  'cart.test.js > cart > totals > rounds to cents': 'skipped',
  'checkout.test.js > places an order @smoke': 'passed',
  'checkout.test.js > reaches the payment service on the second try': 'flaky',
};

describe('jest adapter on examples/jest', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(jestAdapter, await adapterContext(suite));
  });

  it('discovers every test, skipped and todo ones included, keyed file > describe > title', () => {
    expect(scenarios.map((s) => s.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(scenarios.find((s) => s.key.endsWith('10% discount'))).toEqual({
      key: 'cart.test.js > cart > totals > applies a 10% discount',
      file: 'cart.test.js',
      path: ['cart', 'totals', 'applies a 10% discount'],
      tags: [],
    });
  });

  it('reports each test as Jest does when run directly, retries included', async () => {
    const ctx = await adapterContext(suite, {}, { CHECKOUT_CURRENCY: 'SEK' });
    expect(jestAdapter.runCommand(ctx, scenarios).env).toMatchObject({ CHECKOUT_CURRENCY: 'SEK' });
    const { reports } = await runWith(jestAdapter, ctx, scenarios);
    expect(resultsByKey(reports)).toEqual(EXPECTED);
    expect(Object.fromEntries(jestDirect())).toEqual(EXPECTED);
    const discount = reports.find((r) => r.key.endsWith('10% discount'));
    expect(discount?.message).toBe('Error: expect(received).toBe(expected) // Object.is equality');
    expect(discount?.stack).toContain('cart.test.js:28');
    expect(reports.find((r) => r.key.endsWith('second try'))?.retries).toBe(1);
  });

  it('runs the whole suite without a discovery: the scenarios discovery lists, each with Jest’s verdict', async () => {
    const { scenarios: ran, results } = await suiteWith(jestAdapter, await adapterContext(suite));
    expect(ran).toEqual(scenarios);
    expect(resultsByKey(results)).toEqual(EXPECTED);
    expect(results.find((r) => r.key.endsWith('second try'))?.retries).toBe(1);
  });

  it('runs a single chosen scenario and nothing else', async () => {
    const ctx = await adapterContext(suite);
    const chosen = scenarios.filter((s) => s.key.endsWith('10% discount'));
    const { reports } = await runWith(jestAdapter, ctx, chosen);
    expect(resultsByKey(reports)).toEqual({ 'cart.test.js > cart > totals > applies a 10% discount': 'failed' });
    const raw = JSON.parse(await readFile(join(ctx.reportDir, 'jest.json'), 'utf8')) as {
      testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
    };
    expect(raw.testResults.map((f) => f.name.split('/').pop())).toEqual(['cart.test.js']);
    const ran = raw.testResults.flatMap((f) =>
      f.assertionResults.filter((a) => a.status === 'passed' || a.status === 'failed'),
    );
    expect(ran.map((a) => a.title)).toEqual(['applies a 10% discount']);
  });

  it('lists the files the plan’s artifact globs match that the run wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-jest-artifacts-'));
    await writeFile(join(dir, 'package.json'), '{ "type": "commonjs" }');
    await writeFile(
      join(dir, 'shot.test.js'),
      "const fs = require('node:fs');\ntest('takes a screenshot', () => { fs.mkdirSync('out', { recursive: true }); fs.writeFileSync('out/takes-a-screenshot.png', 'png'); throw new Error('see the screenshot'); });\ntest('writes nothing', () => {});\n",
    );
    const ctx = await adapterContext(dir, { artifacts: ['out/**'] });
    const found = await discoverWith(jestAdapter, ctx);
    const { reports } = await runWith(jestAdapter, ctx, found);
    const shot = reports.find((r) => r.key === 'shot.test.js > takes a screenshot');
    expect(shot?.artifacts).toEqual([
      { path: join(dir, 'out/takes-a-screenshot.png'), name: 'out/takes-a-screenshot.png', contentType: 'image/png' },
    ]);
    expect(reports.find((r) => r.key === 'shot.test.js > writes nothing')?.artifacts).toBeUndefined();
    const tooSmall = await adapterContext(dir, { artifacts: ['out/**'], artifacts_max_mb: 0.000001 });
    expect((await runWith(jestAdapter, tooSmall, found)).reports.every((r) => r.artifacts === undefined)).toBe(true);
  });

  it('explains a missing or garbled report, a suite without tests, and a file that does not load', async () => {
    const ctx = await adapterContext(suite);
    const output = { exitCode: 1, signal: null, stdout: '', stderr: 'Error: Cannot find module' };
    const missing = await rejection(jestAdapter.parseRun(ctx, scenarios, output));
    expect(missing).toBeInstanceOf(AdapterError);
    expect(missing).toMatchObject({ reason: 'report_missing', message: expect.stringContaining('Cannot find module') });
    await writeFile(join(ctx.reportDir, 'jest.json'), '{"testResults": [');
    expect(await rejection(jestAdapter.parseRun(ctx, scenarios, output))).toMatchObject({ reason: 'report_malformed' });

    const empty = await mkdtemp(join(tmpdir(), 'proctor-jest-empty-'));
    await writeFile(join(empty, 'package.json'), '{}');
    expect(await rejection(discoverWith(jestAdapter, await adapterContext(empty)))).toMatchObject({
      reason: 'no_tests',
    });

    await writeFile(join(empty, 'broken.test.js'), "require('./missing.js');\ntest('never', () => {});\n");
    const broken = await discoverWith(jestAdapter, await adapterContext(empty));
    expect(broken.map((s) => s.key)).toEqual(['broken.test.js']);
    const { reports } = await runWith(jestAdapter, await adapterContext(empty), broken);
    expect(reports).toMatchObject([
      { key: 'broken.test.js', outcome: 'errored', message: expect.stringContaining('Cannot find module') },
    ]);
  });
});
