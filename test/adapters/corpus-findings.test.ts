import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { jestAdapter } from '../../src/adapters/jest.js';
import { mochaAdapter } from '../../src/adapters/mocha.js';
import { batchScenarios } from '../../src/domain/batching.js';
import { adapterContext, discoverWith, resultsByKey, runWith } from '../support/adapter-harness.js';
import { runWorkerBatch, startedWorkers, startWorker } from '../support/worker-harness.js';

// What the corpus bench (bench/corpus.mjs, issue 14) found in real suites, each reproduced by a
// small fixture written here (test/fixtures/…), never the suite's own code.

const fixture = (dir: string): string => fileURLToPath(new URL(`../fixtures/${dir}/`, import.meta.url));

afterEach(async () => {
  await Promise.all(startedWorkers.splice(0).map((w) => w.close()));
});

describe('a Jest suite that reads process.argv (Commander.js parses it when a test passes none)', () => {
  const cwd = fixture('argv/jest');

  it('sees the arguments of a bare jest in a one-shot run, not Proctor’s', async () => {
    const found = await discoverWith(jestAdapter, await adapterContext(cwd));
    const { reports, stderr } = await runWith(jestAdapter, await adapterContext(cwd), found);
    expect(resultsByKey(reports), stderr.slice(-2000)).toEqual({
      'argv.test.js > sees the arguments of a bare jest': 'passed',
    });
  });

  it('and in queue mode', async () => {
    const found = await discoverWith(jestAdapter, await adapterContext(cwd));
    const base = await adapterContext(cwd, { worker: true });
    const { ctx, result } = await runWorkerBatch(startWorker(jestAdapter, base), jestAdapter, base, found);
    expect(resultsByKey(await jestAdapter.parseRun(ctx, found, result)), result.stderr.slice(-2000)).toEqual({
      'argv.test.js > sees the arguments of a bare jest': 'passed',
    });
    await rm(ctx.reportDir, { recursive: true, force: true });
  });
});

describe('a file whose tests rely on the order they share a module in (Express’s resource example)', () => {
  const cwd = fixture('file-order/mocha');
  // As a plan's history would have it: the test that reads the state is the longest.
  const expected = (s: { key: string }): number => (s.key.endsWith('sees the gap') ? 900 : 100);
  const runBatches = async (
    batches: { key: string; file: string; path: string[] }[][],
  ): Promise<Record<string, string>> => {
    const verdicts: Record<string, string> = {};
    // The batches of a run on two slots, run one after the other (a process per batch).
    for (const batch of batches)
      Object.assign(verdicts, resultsByKey((await runWith(mochaAdapter, await adapterContext(cwd), batch)).reports));
    return verdicts;
  };

  it('splits the file when batched test by test, and the reading test then fails (what the corpus saw)', async () => {
    const found = await discoverWith(mochaAdapter, await adapterContext(cwd));
    const split = await runBatches(batchScenarios(found, expected, { slots: 2, overheadMs: 0 }));
    expect(split['state.test.js > users > sees the gap']).toBe('failed');
  });

  it('keeps a file’s tests in one batch, in their order, when batched by file: the verdicts of a direct run', async () => {
    const found = await discoverWith(mochaAdapter, await adapterContext(cwd));
    const batches = batchScenarios(found, expected, { slots: 2, overheadMs: 0, group: (s) => s.file });
    expect(batches.map((b) => b.map((s) => s.key))).toEqual([
      [
        'state.test.js > users > lists them all',
        'state.test.js > users > deletes the first',
        'state.test.js > users > sees the gap',
      ],
      ['other.test.js > other > stands alone', 'other.test.js > other > stands alone too'],
    ]);
    expect(await runBatches(batches)).toEqual({
      'state.test.js > users > lists them all': 'passed',
      'state.test.js > users > deletes the first': 'passed',
      'state.test.js > users > sees the gap': 'passed',
      'other.test.js > other > stands alone': 'passed',
      'other.test.js > other > stands alone too': 'passed',
    });
  });
});
