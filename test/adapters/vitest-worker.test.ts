import { readFile, writeFile, mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError, type DiscoveredScenario } from '../../src/adapters/types.js';
import { vitestAdapter } from '../../src/adapters/vitest.js';
import { adapterContext, discoverWith, rejection, resultsByKey } from '../support/adapter-harness.js';
import { survivors } from '../support/pids.js';
import { vitestDirect } from '../support/vitest-direct.js';
import { runBatches, runWorkerBatch, startWorker, startedWorkers } from '../support/worker-harness.js';

const suite = fileURLToPath(new URL('../../examples/demo/vitest/', import.meta.url));

afterEach(async () => {
  await Promise.all(startedWorkers.splice(0).map((w) => w.close()));
});

type RawReport = { testResults: { name: string; assertionResults: { title: string; status: string }[] }[] };
const rawReport = async (reportDir: string): Promise<RawReport> =>
  JSON.parse(await readFile(join(reportDir, 'vitest.json'), 'utf8')) as RawReport;

describe('vitest queue mode on examples/demo/vitest', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(vitestAdapter, await adapterContext(suite));
  });

  it('runs batch after batch in one Vitest, each reported as vitest run reports it', async () => {
    const base = await adapterContext(suite, { worker: true });
    const worker = startWorker(vitestAdapter, base);
    const batches = [
      scenarios.filter((s) => s.key.endsWith('applies a 10% discount')),
      scenarios.filter((s) => s.file === 'price.test.ts'),
      scenarios.filter((s) => s.file !== 'price.test.ts' && !s.key.endsWith('applies a 10% discount')),
    ];
    const { reports, pids } = await runBatches(
      worker,
      vitestAdapter,
      base,
      batches,
      /\[proctor\] batch done in the Vitest worker, pid (\d+)/,
    );
    expect(pids.size).toBe(1);
    expect([...pids][0]).toBeGreaterThan(0);
    expect(resultsByKey(reports)).toEqual(Object.fromEntries(vitestDirect()));
    const discount = reports.find((r) => r.key.endsWith('applies a 10% discount'));
    expect(discount?.message).toBe('AssertionError: expected 81 to be 90 // Object.is equality');
    expect(discount?.stack).toContain('cart.test.ts:37');
    await worker.close();
    expect(worker.usable).toBe(false);
    expect(await survivors([...pids])).toEqual([]);
  });

  it('runs only the batch: the file’s other tests are filtered out, and a test runs again in a later batch', async () => {
    const base = await adapterContext(suite, { worker: true });
    const worker = startWorker(vitestAdapter, base);
    const chosen = scenarios.filter((s) => s.key.endsWith('parses a decimal comma'));
    for (let i = 0; i < 2; i++) {
      const { ctx, result } = await runWorkerBatch(worker, vitestAdapter, base, chosen);
      expect(resultsByKey(await vitestAdapter.parseRun(ctx, chosen, result))).toEqual({
        'price.test.ts > price > parses a decimal comma': 'failed',
      });
      const raw = await rawReport(ctx.reportDir);
      expect(raw.testResults.map((f) => f.name.slice(suite.length))).toEqual(['price.test.ts']);
      const statuses = Object.fromEntries(raw.testResults[0]!.assertionResults.map((a) => [a.title, a.status]));
      expect(statuses['parses a decimal comma']).toBe('failed');
      expect(
        Object.entries(statuses)
          .filter(([title]) => title !== 'parses a decimal comma')
          .every(([, s]) => s !== 'passed' && s !== 'failed'),
      ).toBe(true);
    }
    // A whole file after a filtered batch: the pattern of the batch before does not stick.
    const cart = scenarios.filter((s) => s.file === 'cart.test.ts');
    const { ctx, result } = await runWorkerBatch(worker, vitestAdapter, base, cart);
    expect(Object.values(resultsByKey(await vitestAdapter.parseRun(ctx, cart, result))).sort()).toEqual([
      'failed',
      'passed',
      'passed',
      'passed',
      'passed',
    ]);
  });

  it('a batch naming a file that is gone errors it, saying why, and the worker goes on', async () => {
    const base = await adapterContext(suite, { worker: true });
    const worker = startWorker(vitestAdapter, base);
    const gone = [{ key: 'gone.test.ts > x', file: 'gone.test.ts', path: ['x'], tags: [] }];
    const { ctx, result } = await runWorkerBatch(worker, vitestAdapter, base, gone);
    expect(result.exitCode).toBeNull();
    expect(await vitestAdapter.parseRun(ctx, gone, result)).toEqual([
      {
        key: 'gone.test.ts > x',
        file: 'gone.test.ts',
        path: ['x'],
        outcome: 'errored',
        durationMs: 0,
        message: `not run: gone.test.ts is not in ${suite} on this agent (renamed or deleted since discovery?)`,
      },
    ]);
    const checkout = scenarios.filter((s) => s.file === 'checkout.test.ts');
    const next = await runWorkerBatch(worker, vitestAdapter, base, checkout);
    expect(Object.values(resultsByKey(await vitestAdapter.parseRun(next.ctx, checkout, next.result)))).toEqual([
      'passed',
      'passed',
    ]);
  });

  it('a config that cannot load ends the first batch with the worker’s exit and Vitest’s own error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-vitest-broken-config-'));
    await mkdir(join(dir, 'node_modules'));
    await writeFile(join(dir, 'vitest.config.mjs'), 'throw new Error("config exploded on purpose");\n');
    await writeFile(join(dir, 'a.test.mjs'), 'import { test } from "vitest";\ntest("a", () => {});\n');
    const base = await adapterContext(dir, { worker: true, config: 'vitest.config.mjs' });
    const worker = startWorker(vitestAdapter, base);
    const { result } = await runWorkerBatch(worker, vitestAdapter, base, [
      { key: 'a.test.mjs > a', file: 'a.test.mjs', path: ['a'] },
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.exitCode).not.toBeNull();
    expect(result.stdout + result.stderr).toContain('config exploded on purpose');
    expect(worker.usable).toBe(false);
  });

  it('takes worker: true and nothing else', async () => {
    expect(vitestAdapter.workerCommand?.(await adapterContext(suite))).toBeNull();
    expect(vitestAdapter.workerCommand?.(await adapterContext(suite, { worker: false }))).toBeNull();
    const bad = await rejection(
      Promise.resolve().then(async () =>
        vitestAdapter.workerCommand?.(await adapterContext(suite, { worker: 'vitest' })),
      ),
    );
    expect(bad).toBeInstanceOf(AdapterError);
    expect((bad as AdapterError).message).toBe('options.worker: expected true for vitest');
  });
});
