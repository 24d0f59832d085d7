import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PYTEST_WORKER_PLUGIN_MODULE, PYTEST_WORKER_PLUGIN_SOURCE } from '../../src/adapters/pytest-worker-plugin.js';
import { pytestAdapter } from '../../src/adapters/pytest.js';
import {
  AdapterError,
  type AdapterContext,
  type DiscoveredScenario,
  type ScenarioRef,
} from '../../src/adapters/types.js';
import type { FrameworkWorker } from '../../src/agent/framework-worker.js';
import { adapterContext, discoverWith, rejection, resultsByKey } from '../support/adapter-harness.js';
import { EXAMPLES, pytestDirect } from '../support/direct-runs.js';
import { survivors } from '../support/pids.js';
import { runCommand } from '../support/run-command.js';
import { startWorker as startHarnessWorker, startedWorkers, runWorkerBatch } from '../support/worker-harness.js';

const suite = join(EXAMPLES, 'pytest');
const GREETING = { GREETING: 'hello from proctor' };

// Debian bookworm's python3-pytest (7.2) where it is installed, besides the python3 on PATH.
const PYTHONS = ['python3', ...(hasPytest('/usr/bin/python3') ? ['/usr/bin/python3'] : [])];

function hasPytest(python: string): boolean {
  return spawnSync(python, ['-m', 'pytest', '--version'], { stdio: 'ignore' }).status === 0;
}

afterEach(async () => {
  await Promise.all(startedWorkers.splice(0).map((w) => w.close()));
});

const startWorker = (ctx: AdapterContext): FrameworkWorker => startHarnessWorker(pytestAdapter, ctx);
const runBatch = (worker: FrameworkWorker, base: AdapterContext, refs: ScenarioRef[]) =>
  runWorkerBatch(worker, pytestAdapter, base, refs);

/** The pid the plugin prints in each batch's closing line. */
function workerPid(stdout: string): number {
  const m = /\(proctor worker, pid (\d+)\)/.exec(stdout);
  if (!m) throw new Error(`no closing line in ${JSON.stringify(stdout)}`);
  return Number(m[1]);
}

/** A report without what differs from run to run: durations and timestamps. */
async function stableXml(reportDir: string): Promise<string> {
  const xml = await readFile(join(reportDir, 'pytest.xml'), 'utf8');
  return xml.replace(/ (time|timestamp)="[^"]*"/g, ' $1="…"');
}

describe('pytest queue mode on examples/pytest', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(pytestAdapter, await adapterContext(suite));
  });

  it('runs batch after batch in one process, each reported as pytest does', async () => {
    const base = await adapterContext(suite, { worker: true }, GREETING);
    const worker = startWorker(base);
    const first = ['test_divides_by_zero', 'test_reads_rows', 'test_adds'];
    const batches = [
      scenarios.filter((s) => first.includes(s.path.at(-1) ?? '')),
      scenarios.filter((s) => !first.includes(s.path.at(-1) ?? '') && s.path[0] !== 'TestGreeting'),
      scenarios.filter((s) => s.path[0] === 'TestGreeting'),
    ];
    expect(
      batches
        .flat()
        .map((s) => s.key)
        .sort(),
    ).toEqual(scenarios.map((s) => s.key).sort());
    const results: Record<string, string> = {};
    const pids = new Set<number>();
    for (const batch of batches) {
      const { ctx, result } = await runBatch(worker, base, batch);
      expect(result).toMatchObject({ exitCode: null, signal: null, timedOut: false, cancelled: false });
      const reports = await pytestAdapter.parseRun(ctx, batch, result);
      expect(reports.map((r) => r.key).sort()).toEqual(batch.map((s) => s.key).sort());
      Object.assign(results, resultsByKey(reports));
      pids.add(workerPid(result.stdout));
      expect(worker.usable).toBe(true);
      if (batch === batches[0]) {
        expect(reports.find((r) => r.key.endsWith('test_reads_rows'))).toMatchObject({
          outcome: 'errored',
          message: expect.stringContaining('no database'),
        });
        expect(result.stdout).toContain('1 failed, 1 passed, 1 error in');
      }
      if (batch === batches[2])
        expect(reports.find((r) => r.key.endsWith('test_uses_the_environment'))?.stdout).toBe(
          'greeting: hello from proctor',
        );
    }
    // What pytest itself reports in one run of the whole suite (checked against a table in pytest.test.ts).
    expect(results).toEqual(Object.fromEntries(pytestDirect()));
    expect(pids.size).toBe(1);
    await worker.close();
    expect(await survivors([...pids])).toEqual([]);
    expect(worker.usable).toBe(false);
  });

  it('runs a test again in a later batch as a fresh run would: its own output only, fixtures set up anew', async () => {
    const base = await adapterContext(suite, { worker: true }, GREETING);
    const worker = startWorker(base);
    const chosen = scenarios.filter(
      (s) => s.key.endsWith('test_uses_the_environment') || s.key.endsWith('test_reads_rows'),
    );
    for (let i = 0; i < 2; i++) {
      const { ctx, result } = await runBatch(worker, base, chosen);
      const reports = await pytestAdapter.parseRun(ctx, chosen, result);
      expect(resultsByKey(reports)).toEqual({
        'tests/test_fixtures.py > test_reads_rows': 'failed',
        'tests/test_math.py > TestGreeting > test_uses_the_environment': 'passed',
      });
      expect(reports.find((r) => r.key.endsWith('test_uses_the_environment'))?.stdout).toBe(
        'greeting: hello from proctor',
      );
      expect(reports.find((r) => r.key.endsWith('test_reads_rows'))).toMatchObject({
        outcome: 'errored',
        message: expect.stringContaining('no database'),
      });
    }
  });

  it('says which node ids it has not collected, and goes on', async () => {
    const base = await adapterContext(suite, { worker: true });
    const worker = startWorker(base);
    const ghost = { key: 'tests/test_math.py > test_gone', file: 'tests/test_math.py', path: ['test_gone'] };
    const adds = scenarios.filter((s) => s.key.endsWith('test_adds'));
    const { ctx, result } = await runBatch(worker, base, [ghost, ...adds]);
    expect(result.stderr).toContain('ERROR: not found: tests/test_math.py::test_gone');
    expect(resultsByKey(await pytestAdapter.parseRun(ctx, [ghost, ...adds], result))).toEqual({
      'tests/test_math.py > test_adds': 'passed',
    });
    expect(worker.usable).toBe(true);
  });

  it.each(PYTHONS)('writes the very report a one-shot run writes (%s)', async (python) => {
    const oneShot = await adapterContext(suite, { python }, GREETING);
    await runCommand(pytestAdapter.runCommand(oneShot, scenarios), 120_000);
    const base = await adapterContext(suite, { python, worker: true }, GREETING);
    const { ctx } = await runBatch(startWorker(base), base, scenarios);
    expect(await stableXml(ctx.reportDir)).toEqual(await stableXml(oneShot.reportDir));
  });
});

describe('pytest queue mode on a file that does not collect', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proctor-pytest-worker-broken-'));
    await mkdir(join(dir, 'tests'));
    await writeFile(join(dir, 'pytest.ini'), '[pytest]\n');
    await writeFile(join(dir, 'tests', 'test_ok.py'), 'def test_ok():\n    print("ok")\n');
    await writeFile(join(dir, 'tests', 'test_broken.py'), 'import not_a_module\n\ndef test_never():\n    pass\n');
  });

  it.each(PYTHONS)(
    'reports it errored in every batch that asks for it, as a one-shot run does (%s)',
    async (python) => {
      const found = await discoverWith(pytestAdapter, await adapterContext(dir, { python }));
      expect(found.map((s) => s.key).sort()).toEqual(['tests/test_broken.py', 'tests/test_ok.py > test_ok']);
      const oneShot = await adapterContext(dir, { python });
      await runCommand(pytestAdapter.runCommand(oneShot, found), 120_000);
      const base = await adapterContext(dir, { python, worker: true });
      const worker = startWorker(base);
      const broken = found.filter((s) => s.path.length === 0);
      for (const batch of [found, broken]) {
        const { ctx, result } = await runBatch(worker, base, batch);
        const reports = await pytestAdapter.parseRun(ctx, batch, result);
        expect(reports.find((r) => r.key === 'tests/test_broken.py')).toMatchObject({
          outcome: 'errored',
          stack: expect.stringContaining("No module named 'not_a_module'"),
        });
        expect(resultsByKey(reports)).toEqual(
          batch === found
            ? { 'tests/test_broken.py': 'failed', 'tests/test_ok.py > test_ok': 'passed' }
            : { 'tests/test_broken.py': 'failed' },
        );
        if (batch === found) expect(await stableXml(ctx.reportDir)).toEqual(await stableXml(oneShot.reportDir));
      }
    },
  );
});

describe('pytest queue mode when a test ends the interpreter', () => {
  it('ends the batch as an exited process, and the worker is not used again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-pytest-worker-exit-'));
    await writeFile(join(dir, 'pytest.ini'), '[pytest]\n');
    await writeFile(join(dir, 'test_exit.py'), 'import os\n\ndef test_exits():\n    os._exit(7)\n');
    const base = await adapterContext(dir, { worker: true });
    const worker = startWorker(base);
    const { result } = await runBatch(worker, base, [
      { key: 'test_exit.py > test_exits', file: 'test_exit.py', path: ['test_exits'] },
    ]);
    expect(result).toMatchObject({ exitCode: 7, timedOut: false, cancelled: false });
    expect(worker.usable).toBe(false);
  });
});

describe('pytest workerCommand', () => {
  it('is null without options.worker and refuses anything but true', async () => {
    expect(pytestAdapter.workerCommand?.(await adapterContext(suite))).toBeNull();
    expect(pytestAdapter.workerCommand?.(await adapterContext(suite, { worker: false }))).toBeNull();
    const ctx = await adapterContext(suite, { worker: 'yes' });
    const refused = await rejection(Promise.resolve().then(() => pytestAdapter.workerCommand?.(ctx)));
    expect(refused).toBeInstanceOf(AdapterError);
    expect(refused).toMatchObject({ reason: 'bad_options', message: 'options.worker: expected true for pytest' });
  });

  it('starts pytest with the plugin on PYTHONPATH, before the PYTHONPATH it was given', async () => {
    const ctx = await adapterContext(
      suite,
      { worker: true, python: 'python3.11', args: ['-W', 'error'] },
      { PYTHONPATH: '/opt/lib', GREETING: 'hi' },
    );
    const spec = pytestAdapter.workerCommand?.(ctx);
    expect(spec).toMatchObject({ command: 'python3.11', cwd: suite, env: { GREETING: 'hi' } });
    expect(spec?.args.slice(0, 6)).toEqual(['-m', 'pytest', '-p', 'no:cacheprovider', '-W', 'error']);
    expect(spec?.args).toEqual(
      expect.arrayContaining(['-p', PYTEST_WORKER_PLUGIN_MODULE, '--continue-on-collection-errors']),
    );
    const [pluginDir, rest] = (spec?.env.PYTHONPATH ?? '').split(':');
    expect(rest).toBe('/opt/lib');
    expect(await readFile(join(pluginDir ?? '', `${PYTEST_WORKER_PLUGIN_MODULE}.py`), 'utf8')).toBe(
      PYTEST_WORKER_PLUGIN_SOURCE,
    );
    expect(pytestAdapter.workerCommand?.(ctx)?.env.PYTHONPATH).toBe(spec?.env.PYTHONPATH);
  });
});
