import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdapterError,
  type AdapterContext,
  type DiscoveredScenario,
  type TestReport,
} from '../../src/adapters/types.js';
import { namePattern, vitestAdapter } from '../../src/adapters/vitest.js';
import { suiteWith } from '../support/adapter-harness.js';
import { runCommand } from '../support/run-command.js';

const suite = fileURLToPath(new URL('../../examples/demo/vitest/', import.meta.url));

async function context(cwd = suite): Promise<AdapterContext> {
  return { cwd, reportDir: await mkdtemp(join(tmpdir(), 'proctor-vitest-')), env: {}, options: {} };
}

async function discover(cwd = suite): Promise<DiscoveredScenario[]> {
  const ctx = await context(cwd);
  const spec = vitestAdapter.discoverCommand(ctx);
  if (spec === null) throw new Error('vitest discovery needs a command');
  return vitestAdapter.parseDiscovery(ctx, await runCommand(spec));
}

async function run(
  scenarios: DiscoveredScenario[],
  cwd = suite,
): Promise<{ reports: TestReport[]; ctx: AdapterContext }> {
  const ctx = await context(cwd);
  const output = await runCommand(vitestAdapter.runCommand(ctx, scenarios));
  return { reports: await vitestAdapter.parseRun(ctx, scenarios, output), ctx };
}

const byKey = (reports: TestReport[]): Record<string, string> =>
  Object.fromEntries(reports.map((r) => [r.key, r.outcome]));

// What the demo suite does, test by test, as `vitest run` itself reports it.
const EXPECTED: Record<string, string> = {
  'cart.test.ts > cart > adding items > starts empty': 'passed',
  'cart.test.ts > cart > adding items > adds an item': 'passed',
  'cart.test.ts > cart > adding items > merges the same item': 'passed',
  'cart.test.ts > cart > totals > sums prices': 'passed',
  'cart.test.ts > cart > totals > applies a 10% discount': 'failed',
  'checkout.test.ts > places an order @smoke': 'passed',
  'checkout.test.ts > rejects an empty cart': 'passed',
  'price.test.ts > price > formats euros': 'passed',
  'price.test.ts > price > parses a decimal comma': 'failed',
  'price.test.ts > price > formats yen': 'skipped',
  'price.test.ts > price > formats with the browser locale': 'skipped',
};

describe('vitest adapter on examples/demo/vitest', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discover();
  });

  it('discovers every test, skipped and todo ones included, keyed file > describe > title', () => {
    expect(scenarios.map((s) => s.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(scenarios.find((s) => s.key.endsWith('applies a 10% discount'))).toEqual({
      key: 'cart.test.ts > cart > totals > applies a 10% discount',
      file: 'cart.test.ts',
      path: ['cart', 'totals', 'applies a 10% discount'],
      tags: [],
    });
  });

  it('runs them all and reports each test as vitest did, under its discovered key', async () => {
    const { reports } = await run(scenarios);
    expect(byKey(reports)).toEqual(EXPECTED);
    const discount = reports.find((r) => r.key.endsWith('applies a 10% discount'));
    expect(discount?.message).toBe('AssertionError: expected 81 to be 90 // Object.is equality');
    expect(discount?.stack).toContain('cart.test.ts:37');
    expect(discount?.stack).not.toContain('\u001b[');
    expect(reports.find((r) => r.key.endsWith('parses a decimal comma'))?.message).toBe(
      'Error: unparseable price: 12,50',
    );
    expect(discount?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('runs the whole suite without a discovery: the scenarios discovery lists, each with vitest’s verdict', async () => {
    const ctx = await context();
    const { scenarios: ran, results } = await suiteWith(vitestAdapter, ctx);
    expect(ran).toEqual(scenarios);
    expect(byKey(results)).toEqual(EXPECTED);
    expect(results.find((r) => r.key.endsWith('applies a 10% discount'))?.stack).toContain('cart.test.ts:37');
  });

  it('runs a single chosen scenario and nothing else', async () => {
    const chosen = scenarios.filter((s) => s.key.endsWith('parses a decimal comma'));
    const { reports, ctx } = await run(chosen);
    expect(byKey(reports)).toEqual({ 'price.test.ts > price > parses a decimal comma': 'failed' });
    // Vitest's own report: every other test of the file was filtered out, none ran.
    const raw = JSON.parse(await readFile(join(ctx.reportDir, 'vitest.json'), 'utf8')) as {
      testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
    };
    const ran = raw.testResults.flatMap((f) =>
      f.assertionResults.filter((a) => a.status === 'passed' || a.status === 'failed'),
    );
    expect(ran.map((a) => a.title)).toEqual(['parses a decimal comma']);
    expect(raw.testResults.map((f) => f.name.split('/').pop())).toEqual(['price.test.ts']);
  });

  it('fails with report_missing when vitest wrote nothing, report_malformed when it wrote garbage', async () => {
    const ctx = await context();
    const output = { exitCode: 1, signal: null, stdout: '', stderr: 'Startup Error\nboom' };
    const missing = await vitestAdapter.parseRun(ctx, scenarios, output).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AdapterError);
    expect(missing).toMatchObject({ reason: 'report_missing' });
    expect((missing as Error).message).toMatch(/exit code 1; stderr ends with: Startup Error\nboom/);
    await writeFile(join(ctx.reportDir, 'vitest.json'), '{"testResults": [');
    await expect(vitestAdapter.parseRun(ctx, scenarios, output)).rejects.toMatchObject({ reason: 'report_malformed' });
    await writeFile(join(ctx.reportDir, 'vitest.json'), '{"numTotalTests": 3}');
    await expect(vitestAdapter.parseRun(ctx, scenarios, output)).rejects.toMatchObject({ reason: 'report_malformed' });
  });
});

describe('vitest adapter on a suite with broken files', () => {
  it('makes a file that does not load a file-level scenario, and reports hook failures as errored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-vitest-broken-'));
    await writeFile(join(dir, 'ok.test.ts'), "import { it } from 'vitest';\nit('works', () => {});\n");
    await writeFile(
      join(dir, 'broken.test.ts'),
      "import { it } from 'vitest';\nimport './missing.js';\nit('never', () => {});\n",
    );
    await writeFile(
      join(dir, 'hook.test.ts'),
      "import { beforeAll, describe, it } from 'vitest';\ndescribe('db', () => {\n  beforeAll(() => { throw new Error('no database'); });\n  it('reads', () => {});\n});\n",
    );
    const scenarios = await discover(dir);
    expect(scenarios.map((s) => s.key).sort()).toEqual([
      'broken.test.ts',
      'hook.test.ts > db > reads',
      'ok.test.ts > works',
    ]);
    const { reports } = await run(scenarios, dir);
    expect(byKey(reports)).toEqual({
      'broken.test.ts': 'errored',
      'hook.test.ts > db > reads': 'errored',
      'ok.test.ts > works': 'passed',
    });
    expect(reports.find((r) => r.key === 'broken.test.ts')?.message).toMatch(/Cannot find module '\.\/missing\.js'/);
    // The whole suite run at once finds the same scenarios and verdicts.
    const suite = await suiteWith(vitestAdapter, await context(dir));
    expect(suite.scenarios).toEqual(scenarios);
    expect(byKey(suite.results)).toEqual(byKey(reports));
  });
});

describe('namePattern', () => {
  it('matches exactly the full names (describe titles and title joined by spaces), metacharacters escaped', () => {
    const pattern = namePattern([
      { key: 'a.ts > x (1) > costs $5.00?', file: 'a.ts', path: ['x (1)', 'costs $5.00?'] },
      { key: 'a.ts > a/b [c]|d', file: 'a.ts', path: ['a/b [c]|d'] },
    ]);
    const re = new RegExp(pattern ?? '');
    expect(re.test('x (1) costs $5.00?')).toBe(true);
    expect(re.test('a/b [c]|d')).toBe(true);
    expect(re.test('x (1) costs $5a00?')).toBe(false);
    expect(re.test('x (1) costs $5.00? more')).toBe(false);
    expect(re.test('d')).toBe(false);
  });

  it('leaves whole files unfiltered', () => {
    expect(namePattern([{ key: 'a.ts', file: 'a.ts', path: [] }])).toBeUndefined();
  });
});
