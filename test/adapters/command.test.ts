import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandAdapter } from '../../src/adapters/command.js';
import { fillTemplate } from '../../src/adapters/command-template.js';
import {
  AdapterError,
  type AdapterContext,
  type DiscoveredScenario,
  type TestReport,
} from '../../src/adapters/types.js';
import { FrameworkWorker } from '../../src/agent/framework-worker.js';
import { runCommand } from '../support/run-command.js';

const suite = fileURLToPath(new URL('../../examples/demo/command/', import.meta.url));
const OPTIONS = { command: 'node run-checks.mjs --report-dir {report_dir} {files}', discover: 'checks/*.sh' };

async function context(
  options: Record<string, unknown> = OPTIONS,
  env: Record<string, string> = {},
  cwd = suite,
): Promise<AdapterContext> {
  return { cwd, reportDir: await mkdtemp(join(tmpdir(), 'proctor-command-')), env, options };
}

async function run(ctx: AdapterContext, scenarios: DiscoveredScenario[]): Promise<TestReport[]> {
  const output = await runCommand(commandAdapter.runCommand(ctx, scenarios));
  return commandAdapter.parseRun(ctx, scenarios, output);
}

/** Starts the worker the plan's options name, as the agent would. */
function startWorker(ctx: AdapterContext): FrameworkWorker {
  const spec = commandAdapter.workerCommand!(ctx)!;
  const worker = FrameworkWorker.start({ ...spec, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env } });
  if (!(worker instanceof FrameworkWorker)) throw new Error(worker.spawnError);
  return worker;
}

const byKey = (reports: TestReport[]): Record<string, string> =>
  Object.fromEntries(reports.map((r) => [r.key, r.outcome]));

describe('command adapter on examples/demo/command', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await commandAdapter.parseDiscovery(await context(), null);
  });

  it('discovers the files the glob names', () => {
    expect(scenarios.map((s) => s.key)).toEqual([
      'checks/arithmetic.sh',
      'checks/config-present.sh',
      'checks/disk-quota.sh',
      'checks/optional-feature.sh',
    ]);
    expect(scenarios[0]).toEqual({ key: 'checks/arithmetic.sh', file: 'checks/arithmetic.sh', path: [], tags: [] });
  });

  it('runs the command and maps its JUnit cases back to files by classname', async () => {
    const reports = await run(await context(), scenarios);
    expect(byKey(reports)).toEqual({
      'checks/arithmetic.sh': 'passed',
      'checks/config-present.sh': 'passed',
      'checks/disk-quota.sh': 'failed',
      'checks/optional-feature.sh': 'skipped',
    });
    expect(reports.find((r) => r.key === 'checks/disk-quota.sh')?.message).toBe('quota exceeded: 120% used');
  });

  it('hands the environment to the command', async () => {
    const reports = await run(await context(OPTIONS, { FEATURE_X: '1' }), scenarios);
    expect(byKey(reports)['checks/optional-feature.sh']).toBe('passed');
  });

  it('runs a single chosen file and nothing else', async () => {
    const ctx = await context();
    const chosen = scenarios.filter((s) => s.key === 'checks/disk-quota.sh');
    const output = await runCommand(commandAdapter.runCommand(ctx, chosen));
    expect(output.stdout.trim()).toBe('failed  checks/disk-quota.sh: quota exceeded: 120% used');
    expect(byKey(await commandAdapter.parseRun(ctx, chosen, output))).toEqual({ 'checks/disk-quota.sh': 'failed' });
  });

  it('in queue mode, one worker runs batch after batch and reports each as the one-shot command does', async () => {
    const ctx = await context({ ...OPTIONS, worker: 'node run-checks.mjs --worker' });
    const worker = startWorker(ctx);
    try {
      const all: TestReport[] = [];
      for (const batch of [scenarios.slice(0, 1), scenarios.slice(1, 3), scenarios.slice(3)]) {
        const batchCtx = { ...ctx, reportDir: await mkdtemp(join(tmpdir(), 'proctor-command-')) };
        const output = await worker.run({
          job: 1,
          report_dir: batchCtx.reportDir,
          files: batch.map((s) => s.file),
          scenarios: batch,
        });
        expect(output).toMatchObject({ exitCode: null, timedOut: false, cancelled: false });
        all.push(...(await commandAdapter.parseRun(batchCtx, batch, output)));
        expect(worker.usable).toBe(true);
      }
      expect(byKey(all)).toEqual(byKey(await run(await context(), scenarios)));
    } finally {
      await worker.close();
    }
    expect(commandAdapter.workerCommand!(await context())).toBeNull();
    await expect(
      Promise.resolve().then(async () => commandAdapter.workerCommand!(await context({ ...OPTIONS, worker: 7 }))),
    ).rejects.toMatchObject({ reason: 'bad_options' });
  });

  it('in queue mode, a batch the worker calls done without a report is report_missing, saying so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-command-'));
    await writeFile(
      join(dir, 'lazy.mjs'),
      "import { writeSync } from 'node:fs';\nprocess.stdin.on('data', () => writeSync(3, '\\n'));\n",
    );
    const ctx = await context({ ...OPTIONS, worker: 'node lazy.mjs' }, {}, dir);
    const lazy = startWorker(ctx);
    try {
      const output = await lazy.run({ job: 1, report_dir: ctx.reportDir, files: ['x'], scenarios: [] });
      await expect(commandAdapter.parseRun(ctx, [{ key: 'x', file: 'x', path: [] }], output)).rejects.toMatchObject({
        reason: 'report_missing',
        message: expect.stringContaining('the worker reported the batch done'),
      });
    } finally {
      await lazy.close();
    }
  });

  it('fails with report_missing when nothing matches the report glob', async () => {
    const ctx = await context({ ...OPTIONS, command: 'echo did nothing' });
    const error = await run(ctx, scenarios).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ reason: 'report_missing', message: expect.stringContaining('{report_dir}/*.xml') });
  });

  it('fails with report_malformed when a report is not XML', async () => {
    const ctx = await context({ ...OPTIONS, command: "printf '<testsuites><testcase' > {report_dir}/r.xml" });
    await expect(run(ctx, scenarios)).rejects.toMatchObject({ reason: 'report_malformed' });
  });

  it('requires a command', () => {
    const ctx = { cwd: suite, reportDir: tmpdir(), env: {}, options: { discover: '*.sh' } };
    expect(() => commandAdapter.runCommand(ctx, scenarios)).toThrow(/options\.command: required/);
  });
});

describe('command adapter options', () => {
  it('discovers from a list file and reads reports from a glob relative to cwd', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'proctor-command-list-'));
    await writeFile(join(cwd, 'suite.txt'), '# smoke checks\n./a.check\n\nb.check  # flaky\n');
    const ctx = await context(
      {
        discover: { list: 'suite.txt' },
        command:
          `mkdir -p out && printf '%s' '<testsuite name="x"><testcase classname="a" name="t"/>` +
          `<testcase classname="b" name="u"><failure message="no"/></testcase></testsuite>' > out/r.xml`,
        report: 'out/*.xml',
      },
      {},
      cwd,
    );
    const scenarios = await commandAdapter.parseDiscovery(ctx, null);
    expect(scenarios.map((s) => s.key)).toEqual(['a.check', 'b.check']);
    expect(byKey(await run(ctx, scenarios))).toEqual({ 'a.check': 'passed', 'b.check': 'failed' });
    expect(await readdir(join(cwd, 'out'))).toEqual(['r.xml']);
  });

  it('fills {files}, {filter} and {report_dir} as shell-quoted words nothing can escape', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor quoted '));
    await mkdir(join(dir, 'r d'));
    const files = ["it's a file.sh", '$(touch pwned).sh', 'a;b|c&d.sh', '-rf.sh'];
    const command = fillTemplate('printf "%s\\n" {files} {filter} {report_dir}', {
      files,
      filter: '^(?:a|b)$',
      reportDir: join(dir, 'r d'),
    });
    const output = await runCommand({ command, args: [], cwd: dir, env: {}, shell: true });
    expect(output.stdout.split('\n').slice(0, -1)).toEqual([...files, '^(?:a|b)$', join(dir, 'r d')]);
    expect(await readdir(dir)).toEqual(['r d']);
  });

  it('rejects a discover option of the wrong shape', async () => {
    await expect(
      commandAdapter.parseDiscovery(await context({ ...OPTIONS, discover: { glob: 1 } }), null),
    ).rejects.toMatchObject({
      reason: 'bad_options',
    });
    await expect(commandAdapter.parseDiscovery(await context({ command: 'x' }), null)).rejects.toMatchObject({
      reason: 'bad_options',
    });
  });
});
