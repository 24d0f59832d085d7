import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { junit5Adapter } from '../../src/adapters/junit5.js';
import type { AdapterError, DiscoveredScenario } from '../../src/adapters/types.js';
import { adapterContext, discoverWith, rejection, resultsByKey } from '../support/adapter-harness.js';
import { EXAMPLES, JUNIT5_EXPECTED } from '../support/direct-runs.js';
import { survivors } from '../support/pids.js';
import { runBatches, runWorkerBatch, startWorker, startedWorkers } from '../support/worker-harness.js';

const suite = join(EXAMPLES, 'junit5');
const GREETING = { GREETING: 'hello from proctor' };
const closingLine = /\[proctor\] batch done in the JUnit worker, pid (\d+)/;

afterEach(async () => {
  await Promise.all(startedWorkers.splice(0).map((w) => w.close()));
});

/** The directories (the FIFO) workers' shells made under `tmp`. */
const buildDirs = (tmp: string): string[] => readdirSync(tmp).filter((n) => n.startsWith('proctor-junit5-worker-'));

describe('junit5 queue mode on examples/junit5 (JDK and JUnit from Debian)', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(junit5Adapter, await adapterContext(suite));
  });

  it('compiles once and runs batch after batch in one JVM, each reported as the console launcher reports it', async () => {
    // The worker's shell makes its directory under TMPDIR.
    const tmp = await mkdtemp(join(tmpdir(), 'proctor-junit5-worker-test-'));
    const base = await adapterContext(suite, { worker: true }, { ...GREETING, TMPDIR: tmp });
    expect(junit5Adapter.workerCommand?.(base)).not.toBeNull();
    expect(buildDirs(tmp)).toEqual([]);
    const worker = startWorker(junit5Adapter, base);
    const batches = [
      scenarios.filter((s) => s.key.includes('sums') || s.key.includes('rejectsZero')),
      scenarios.filter((s) => s.file === 'com.example.GreetingTest'),
      scenarios.filter(
        (s) => s.file !== 'com.example.GreetingTest' && !s.key.includes('sums') && !s.key.includes('rejectsZero'),
      ),
    ];
    const { reports, pids } = await runBatches(worker, junit5Adapter, base, batches, closingLine);
    expect(resultsByKey(reports)).toEqual(JUNIT5_EXPECTED);
    expect(reports.find((r) => r.key.includes('sums'))).toMatchObject({
      outcome: 'failed',
      message: 'sums(int, int, int)[2]: expected: <5> but was: <4>',
    });
    expect(reports.find((r) => r.key.includes('usesTheEnvironment'))?.stdout).toBe('greeting: hello from proctor');
    expect(pids.size).toBe(1);
    expect([...pids][0]).toBeGreaterThan(0);
    expect(buildDirs(tmp)).toHaveLength(1);
    // The classes are the agent's build of these sources, which one-shot jobs use too: not compiled again.
    const shared = /proctor-junit5-classes-[0-9a-f]+/.exec(junit5Adapter.workerCommand!(base)!.command)?.[0];
    expect(shared).toBeDefined();
    expect(existsSync(join(tmpdir(), shared!, '.proctor-complete'))).toBe(true);
    expect(junit5Adapter.runCommand(await adapterContext(suite), scenarios).command).toContain(shared);
    await worker.close();
    expect(await survivors([...pids])).toEqual([]);
    // The worker's shell removes its directory when it ends.
    expect(buildDirs(tmp)).toEqual([]);
  });

  it('a class that is gone: its scenario errors saying why, and the worker goes on', async () => {
    const base = await adapterContext(suite, { worker: true }, GREETING);
    const worker = startWorker(junit5Adapter, base);
    const gone = [{ key: 'com.example.GoneTest > x()', file: 'com.example.GoneTest', path: ['x()'] }];
    const { ctx, result } = await runWorkerBatch(worker, junit5Adapter, base, gone);
    expect(result.exitCode).toBeNull();
    expect(result.stdout + result.stderr).toContain('com.example.GoneTest');
    expect(await junit5Adapter.parseRun(ctx, gone, result)).toEqual([
      {
        ...gone[0],
        outcome: 'errored',
        durationMs: 0,
        message: 'not run: JUnit cannot select it: Could not load class with name: com.example.GoneTest',
      },
    ]);
    const greeting = scenarios.filter((s) => s.file === 'com.example.GreetingTest');
    const next = await runWorkerBatch(worker, junit5Adapter, base, greeting);
    expect(resultsByKey(await junit5Adapter.parseRun(next.ctx, greeting, next.result))).toEqual({
      'com.example.GreetingTest > usesTheEnvironment()': 'passed',
    });
  });

  it('takes worker: true and nothing else', async () => {
    expect(junit5Adapter.workerCommand?.(await adapterContext(suite))).toBeNull();
    const bad = await rejection(
      Promise.resolve().then(async () =>
        junit5Adapter.workerCommand?.(await adapterContext(suite, { worker: 'java' })),
      ),
    );
    expect((bad as AdapterError).message).toBe('options.worker: expected true for junit5');
  });
});
