import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jestAdapter } from '../../src/adapters/jest.js';
import { AdapterError, type DiscoveredScenario } from '../../src/adapters/types.js';
import { adapterContext, discoverWith, rejection, resultsByKey } from '../support/adapter-harness.js';
import { EXAMPLES, jestDirect } from '../support/direct-runs.js';
import { survivors } from '../support/pids.js';
import { runBatches, runWorkerBatch, startWorker, startedWorkers } from '../support/worker-harness.js';

const suite = join(EXAMPLES, 'jest');
const closingLine = /\[proctor\] batch done in the Jest worker, pid (\d+)/;

afterEach(async () => {
  await Promise.all(startedWorkers.splice(0).map((w) => w.close()));
});

describe('jest queue mode on examples/jest', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(jestAdapter, await adapterContext(suite));
  });

  it('runs batch after batch in one Jest, each reported as jest reports it, retries included', async () => {
    const base = await adapterContext(suite, { worker: true });
    const worker = startWorker(jestAdapter, base);
    const batches = [
      scenarios.filter((s) => s.key.endsWith('applies a 10% discount')),
      scenarios.filter((s) => s.file === 'checkout.test.js'),
      scenarios.filter((s) => s.file !== 'checkout.test.js' && !s.key.endsWith('applies a 10% discount')),
    ];
    const { reports, pids } = await runBatches(worker, jestAdapter, base, batches, closingLine);
    expect(resultsByKey(reports)).toEqual(Object.fromEntries(jestDirect()));
    expect(pids.size).toBe(1);
    expect([...pids][0]).toBeGreaterThan(0);
    await worker.close();
    expect(await survivors([...pids])).toEqual([]);
  });

  it('runs only the batch, and a test again in a later batch with its module state fresh', async () => {
    const base = await adapterContext(suite, { worker: true });
    const worker = startWorker(jestAdapter, base);
    // Passes on its retry, counting attempts in module state: a second batch starts from zero again.
    const retried = scenarios.filter((s) => s.key.endsWith('on the second try'));
    for (let i = 0; i < 2; i++) {
      const { ctx, result } = await runWorkerBatch(worker, jestAdapter, base, retried);
      expect(resultsByKey(await jestAdapter.parseRun(ctx, retried, result))).toEqual({
        'checkout.test.js > reaches the payment service on the second try': 'flaky',
      });
      const raw = JSON.parse(await readFile(join(ctx.reportDir, 'jest.json'), 'utf8')) as {
        testResults: { assertionResults: { title: string; status: string }[] }[];
      };
      const statuses = Object.fromEntries(raw.testResults[0]!.assertionResults.map((a) => [a.title, a.status]));
      expect(statuses).toEqual({
        'places an order @smoke': 'pending',
        'reaches the payment service on the second try': 'passed',
      });
    }
  });

  it('a config that does not load: the batch has no report and says why, and the worker goes on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-jest-broken-config-'));
    await writeFile(join(dir, 'jest.config.js'), 'throw new Error("config exploded on purpose");\n');
    await writeFile(join(dir, 'a.test.js'), 'test("a", () => {});\n');
    const base = await adapterContext(dir, { worker: true, config: 'jest.config.js' });
    const worker = startWorker(jestAdapter, base);
    const refs = [{ key: 'a.test.js > a', file: 'a.test.js', path: ['a'] }];
    const { ctx, result } = await runWorkerBatch(worker, jestAdapter, base, refs);
    expect(result.exitCode).toBeNull();
    expect(result.stderr).toContain('config exploded on purpose');
    const error = await rejection(jestAdapter.parseRun(ctx, refs, result));
    expect(error).toBeInstanceOf(AdapterError);
    expect(worker.usable).toBe(true);
  });

  it('takes worker: true and nothing else', async () => {
    expect(jestAdapter.workerCommand?.(await adapterContext(suite))).toBeNull();
    const bad = await rejection(
      Promise.resolve().then(async () => jestAdapter.workerCommand?.(await adapterContext(suite, { worker: 'jest' }))),
    );
    expect((bad as AdapterError).message).toBe('options.worker: expected true for jest');
  });
});
