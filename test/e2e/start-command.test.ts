import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/server.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The README's start command, as a newcomer runs it: the real `proctor serve --demo` process, its
 * printed admin key and curl line, and the run that curl line triggers.
 */
describe('proctor serve --demo (the start command)', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'proctor-start-'));
    const port = await freePort();
    child = spawn(
      process.execPath,
      ['dist/main.js', 'serve', '--demo', '--port', String(port), '--data-dir', dataDir, '--local-slots', '2'],
      {
        env: { ...process.env, PROCTOR_ADMIN_TOKEN: '', VITEST: '', VITEST_POOL_ID: '', VITEST_WORKER_ID: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await eventually(async () => (output.includes('curl -s -X POST') ? true : undefined), 30_000);
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('prints the URL, the admin key once, and a curl line that triggers a run whose results match the suite', async () => {
    const key = /Admin key\s+(pk_\S+)/.exec(output)?.[1];
    expect(key).toBeDefined();
    const curl = output
      .split('\n')
      .find((l) => l.trim().startsWith('curl -s -X POST'))!
      .trim();
    const run = JSON.parse(execSync(curl, { encoding: 'utf8' })) as { id: number; status: string };
    expect(run.status).toBe('queued');
    const url = /running at (http:\/\/\S+)/.exec(output)![1];
    const get = (path: string) =>
      JSON.parse(execSync(`curl -s -H "Authorization: Bearer ${key}" ${url}${path}`, { encoding: 'utf8' }));
    const done = await eventually(async () => {
      const r = get(`/api/v1/runs/${run.id}`);
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
    expect(done.counts).toMatchObject({ passed: 7, failed: 2, skipped: 2, total: 11 });
    const rows = get(`/api/v1/runs/${run.id}/results`).items as { status: string; scenario: { key: string } }[];
    expect(rows.find((r) => r.scenario.key === 'cart.test.ts > cart > totals > applies a 10% discount')?.status).toBe(
      'failed',
    );

    // The key is shown once, in the banner; it never reaches the logs or the database.
    expect(output.split(key!).length - 1).toBe(3);
    const logLines = output.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(key!);
    for (const f of readdirSync(dataDir)) expect(readFileSync(join(dataDir, f)).includes(key!.slice(-20))).toBe(false);
  });
});
