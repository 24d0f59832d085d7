import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameworkWorker } from '../../src/agent/framework-worker.js';
import { WorkerSlot } from '../../src/agent/worker-slot.js';
import { isAlive, survivors } from '../support/pids.js';

const fixture = fileURLToPath(new URL('../fixtures/processes/batch-worker.mjs', import.meta.url));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

let dir: string;
const started: FrameworkWorker[] = [];

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'proctor-worker-')));
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.close()));
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[] = [], graceMs = 300): FrameworkWorker {
  const w = FrameworkWorker.start({ command: process.execPath, args: [fixture, ...args], cwd: dir, env, graceMs });
  if (!(w instanceof FrameworkWorker)) throw new Error(w.spawnError);
  started.push(w);
  return w;
}

let jobs = 0;
/** A batch as the agent sends it, with a fresh report directory. */
function batch(...files: string[]) {
  return {
    job: ++jobs,
    report_dir: mkdtempSync(join(dir, 'report-')),
    files,
    scenarios: files.map((f) => ({ key: f, file: f, path: [] })),
  };
}

/** The worker's pid and its children's, from the line it prints at the end of a batch. */
function pidsOf(stdout: string): { pid: number; children: number[] } {
  const m = /pid (\d+) children ([\d,]*)/.exec(stdout);
  if (!m) throw new Error(`no pid line in ${JSON.stringify(stdout)}`);
  return { pid: Number(m[1]), children: m[2] ? m[2].split(',').map(Number) : [] };
}

describe('FrameworkWorker', () => {
  it('runs batch after batch in one process, each with its own output and report', async () => {
    const w = start();
    const pids = [];
    for (const files of [['ok-1'], ['ok-2', 'fail-1'], ['ok-3']]) {
      const b = batch(...files);
      const r = await w.run(b);
      expect(r).toMatchObject({ exitCode: null, signal: null, timedOut: false, cancelled: false });
      expect(r.stdout).toContain(`start ${b.job}\n`);
      expect(r.stdout).not.toContain(`start ${b.job - 1}\n`);
      expect(readFileSync(join(b.report_dir, 'report.xml'), 'utf8')).toContain(`name="${files.at(-1)}"`);
      pids.push(pidsOf(r.stdout).pid);
      expect(w.usable).toBe(true);
    }
    expect(new Set(pids).size).toBe(1);
    await w.close();
    expect(await survivors(pids)).toEqual([]);
    expect(w.usable).toBe(false);
  });

  it('streams output live to the batch it belongs to', async () => {
    const w = start();
    const seen: string[] = [];
    await w.run(batch('ok'), { onOutput: (stream, chunk) => seen.push(`${stream}:${chunk}`) });
    expect(seen.join('')).toContain('stdout:start');
  });

  it('output written after a batch was reported opens the next batch, marked, instead of being dropped', async () => {
    const w = start();
    const first = await w.run(batch('late-1'));
    expect(first.stdout).not.toContain('late');
    await new Promise((r) => setTimeout(r, 300));
    const b = batch('ok');
    const second = await w.run(b);
    const marker = second.stdout.indexOf('[proctor] written by the worker after its previous batch was reported:\n');
    expect(marker).toBe(0);
    expect(second.stdout).toContain(`late ${b.job - 1} out\n`);
    expect(second.stdout).toContain(`late ${b.job - 1} err\n[proctor] this batch:\nstart ${b.job}\n`);
    const third = await w.run(batch('ok'));
    expect(third.stdout).not.toContain('[proctor]');
  });

  it('keeps at most 64 KiB of such output and says how much more there was', async () => {
    const w = start();
    const first = batch('late-big');
    await w.run(first);
    await new Promise((r) => setTimeout(r, 300));
    const r = await w.run(batch('ok'));
    const written = `late ${first.job} out\nlate ${first.job} err`.length + 100 * 1024;
    expect(r.stdout).toMatch(
      /^\[proctor\] written by the worker after its previous batch was reported \(\d+ more bytes dropped\):\n/,
    );
    expect(Number(/\((\d+) more bytes/.exec(r.stdout)?.[1])).toBe(written - 64 * 1024);
    expect(r.stdout.length).toBeLessThan(70 * 1024);
  });

  it('a batch over its timeout stops the whole process group, and the worker is not used again', async () => {
    const w = start();
    const first = await w.run(batch('fork-1'));
    const { pid, children } = pidsOf(first.stdout);
    expect(children).toHaveLength(1);
    const r = await w.run(batch('hang'), { timeoutMs: 200 });
    expect(r).toMatchObject({ timedOut: true, cancelled: false, exitCode: null });
    expect(await survivors([pid, ...children])).toEqual([]);
    expect(w.usable).toBe(false);
    await expect(w.run(batch('ok'))).rejects.toThrow(/cannot take a batch/);
  });

  it('cancel stops a running batch; a batch cancelled before it was sent leaves the worker as it was', async () => {
    const w = start();
    const early = new AbortController();
    early.abort();
    expect(await w.run(batch('ok'), { signal: early.signal })).toMatchObject({ cancelled: true, stdout: '' });
    expect(w.usable).toBe(true);
    const { pid } = pidsOf((await w.run(batch('ok'))).stdout);
    const cancel = new AbortController();
    const running = w.run(batch('hang'), { signal: cancel.signal });
    setTimeout(() => cancel.abort(), 100);
    expect(await running).toMatchObject({ cancelled: true, timedOut: false });
    expect(isAlive(pid)).toBe(false);
    expect(w.usable).toBe(false);
  });

  it('a worker that exits mid-batch ends the batch with its exit code and output', async () => {
    const w = start();
    const b = batch('ok', 'exit');
    const r = await w.run(b);
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, cancelled: false });
    expect(r.stdout).toContain(`start ${b.job}`);
    expect(w.usable).toBe(false);
  });

  it('close ends stdin and waits; a worker that ignores it and SIGTERM is killed with its children', async () => {
    const w = start(['ignore-eof'], 200);
    const { pid, children } = pidsOf((await w.run(batch('fork-1', 'fork-2'))).stdout);
    expect(children).toHaveLength(2);
    expect([pid, ...children].every(isAlive)).toBe(true);
    await w.close();
    expect(await survivors([pid, ...children])).toEqual([]);
  });

  it('reports a command that cannot start', () => {
    const w = FrameworkWorker.start({ command: join(dir, 'no-such-binary'), args: [], cwd: dir, env });
    expect(w).toEqual({ spawnError: expect.stringContaining('no-such-binary') });
  });
});

describe('WorkerSlot', () => {
  const spec = () => ({ command: process.execPath, args: [fixture], cwd: dir, env, graceMs: 300 });

  it('hands its worker to the next job of the same key, and starts a fresh one after its share of batches', async () => {
    const slot = new WorkerSlot(2);
    const pids: number[] = [];
    for (let i = 0; i < 5; i++) {
      expect(slot.holds('k')).toBe(i % 2 === 1);
      const w = await slot.acquire('k', spec());
      if (!(w instanceof FrameworkWorker)) throw new Error(w.spawnError);
      pids.push(pidsOf((await w.run(batch('ok'))).stdout).pid);
    }
    // Two batches a worker: 1-2, 3-4, 5. The ones replaced are gone.
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(new Set(pids).size).toBe(3);
    expect(await survivors(pids.slice(0, 4))).toEqual([]);
    expect(slot.holds('other')).toBe(false);
    await slot.close();
    expect(await survivors(pids)).toEqual([]);
  });
});
