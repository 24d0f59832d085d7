import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { jestAdapter } from '../../src/adapters/jest.js';
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
