import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProcess, type RunProcessOptions } from '../../src/agent/process-runner.js';
import { survivors } from '../support/pids.js';

const fixtures = fileURLToPath(new URL('../fixtures/processes/', import.meta.url));
const node = process.execPath;
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

let workDir: string;
let spawnedPids: number[] = [];

beforeEach(() => {
  workDir = realpathSync(mkdtempSync(join(tmpdir(), 'proctor-process-runner-')));
  spawnedPids = [];
});

afterEach(() => {
  // If an assertion failed, don't let the fixture's processes outlive the test.
  for (const pid of spawnedPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(workDir, { recursive: true, force: true });
});

function runFixture(script: string, args: string[], extra: Partial<RunProcessOptions> = {}) {
  return runProcess({ command: node, args: [join(fixtures, script), ...args], cwd: workDir, env: baseEnv, ...extra });
}

function readPids(file: string): number[] {
  const pids = readFileSync(file, 'utf8').split('\n').map(Number);
  spawnedPids.push(...pids);
  return pids;
}

describe('runProcess', () => {
  it('captures exit code, stdout and stderr', async () => {
    const result = await runFixture('echo-env.mjs', ['0']);
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, cancelled: false });
    expect(result.spawnError).toBeUndefined();
    expect(JSON.parse(result.stdout)).toMatchObject({ argv: ['0'] });
    expect(result.stderr).toBe('this goes to stderr\n');
    expect(result.stdoutTruncated).toBe(false);
  });

  it('reports a non-zero exit code', async () => {
    const result = await runFixture('echo-env.mjs', ['3']);
    expect(result.exitCode).toBe(3);
  });

  it('passes exactly the given environment and runs in the given cwd', async () => {
    const result = await runFixture('echo-env.mjs', [], { env: { ...baseEnv, PROCTOR_TEST_VAR: 'from-test' } });
    const seen = JSON.parse(result.stdout);
    expect(seen.env).toEqual({ PROCTOR_TEST_VAR: 'from-test', HOME: null });
    expect(seen.cwd).toBe(workDir);
  });

  it('decodes a UTF-8 character split across chunks', async () => {
    const chunks: string[] = [];
    const result = await runFixture('split-utf8.mjs', [], { onOutput: (_stream, chunk) => chunks.push(chunk) });
    expect(result.stdout).toBe('é\n');
    expect(chunks.join('')).toBe('é\n');
  });

  it('keeps head and tail of large output within the cap', async () => {
    const cap = 64 * 1024;
    const total = 5 * 1024 * 1024;
    let streamed = 0;
    const result = await runFixture('big-output.mjs', [String(total)], {
      outputCapBytes: cap,
      onOutput: (_stream, chunk) => (streamed += Buffer.byteLength(chunk)),
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdoutTruncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(cap);
    expect(result.stdout.startsWith('line 00000000 äöü €\n')).toBe(true);
    expect(result.stdout.endsWith('€\nEND\n')).toBe(true);
    expect(result.stdout).not.toContain('\uFFFD');
    const marker = /\n…\[(\d+) bytes truncated\]…\n/.exec(result.stdout);
    expect(marker).not.toBeNull();
    // Kept bytes plus the dropped count add up to everything the process wrote.
    const kept = Buffer.byteLength(result.stdout) - Buffer.byteLength(marker![0]);
    expect(kept + Number(marker![1])).toBe(streamed);
    expect(streamed).toBeGreaterThanOrEqual(total);
  });

  it('kills the whole tree on timeout, even processes that ignore SIGTERM', async () => {
    const pidFile = join(workDir, 'pids');
    const result = await runFixture('fork-tree.mjs', [pidFile, '50', 'ignore-term'], { timeoutMs: 2000, graceMs: 200 });
    expect(result).toMatchObject({ timedOut: true, cancelled: false, exitCode: null, signal: 'SIGKILL' });
    expect(result.stdout).toBe('ready\n');
    const pids = readPids(pidFile);
    expect(pids).toHaveLength(51);
    expect(await survivors(pids)).toEqual([]);
  });

  it('cancels mid-run via AbortSignal and the tree is gone', async () => {
    const pidFile = join(workDir, 'pids');
    const controller = new AbortController();
    const result = await runFixture('fork-tree.mjs', [pidFile, '5', 'obey-term'], {
      signal: controller.signal,
      onOutput: (_stream, chunk) => chunk.includes('ready') && controller.abort(),
    });
    expect(result).toMatchObject({ cancelled: true, timedOut: false, exitCode: null, signal: 'SIGTERM' });
    const pids = readPids(pidFile);
    expect(pids).toHaveLength(6);
    expect(await survivors(pids)).toEqual([]);
  });

  it('does not spawn when the signal is already aborted', async () => {
    const marker = join(workDir, 'spawned');
    const controller = new AbortController();
    controller.abort();
    const result = await runProcess({
      command: `touch '${marker}'`,
      args: [],
      shell: true,
      cwd: workDir,
      env: baseEnv,
      signal: controller.signal,
    });
    expect(result).toMatchObject({ cancelled: true, exitCode: null, stdout: '', stderr: '' });
    expect(existsSync(marker)).toBe(false);
  });

  it('kills a grandchild leaked by a process that exited normally', async () => {
    const pidFile = join(workDir, 'leaked');
    const result = await runFixture('leak-grandchild.mjs', [pidFile], { graceMs: 200 });
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, cancelled: false });
    expect(result.stdout).toBe('leaving\n');
    const [leaked] = readPids(pidFile);
    expect(await survivors([leaked!])).toEqual([]);
  });

  it('reports a missing command as spawnError without throwing', async () => {
    const result = await runProcess({ command: 'proctor-no-such-command', args: [], cwd: workDir, env: baseEnv });
    expect(result.spawnError).toMatch(/^ENOENT/);
    expect(result).toMatchObject({ exitCode: null, signal: null, cancelled: false, timedOut: false });
  });

  it('reports a missing cwd and a non-executable file as spawnError', async () => {
    const badCwd = await runProcess({ command: node, args: ['-e', ''], cwd: join(workDir, 'missing'), env: baseEnv });
    expect(badCwd.spawnError).toMatch(/^ENOENT/);
    const script = join(workDir, 'not-executable.sh');
    writeFileSync(script, 'echo hi\n', { mode: 0o644 });
    const notExecutable = await runProcess({ command: script, args: [], cwd: workDir, env: baseEnv });
    expect(notExecutable.spawnError).toMatch(/^EACCES/);
    expect(notExecutable.exitCode).toBeNull();
  });

  it('runs a command line through /bin/sh in shell mode', async () => {
    const result = await runProcess({
      command: 'echo "$PROCTOR_TEST_VAR" | tr a-z A-Z; exit 4',
      args: ['ignored'],
      shell: true,
      cwd: workDir,
      env: { ...baseEnv, PROCTOR_TEST_VAR: 'shell' },
    });
    expect(result).toMatchObject({ exitCode: 4, stdout: 'SHELL\n' });
  });
});
