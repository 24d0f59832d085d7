import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, spawnAgent, spawnServer, type SpawnedServer } from '../support/processes.js';
import { ADMIN_TOKEN, eventually } from '../support/server.js';

/** `proctor run --wait` keeps following a run while its server is killed and started again. */
describe('proctor run --wait across a server restart', () => {
  let server: SpawnedServer;
  let agent: ReturnType<typeof spawnAgent>;

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'proctor-restart-'));
    mkdirSync(join(work, 'checks'));
    cpSync(resolve('examples/demo/command/run-checks.mjs'), join(work, 'run-checks.mjs'));
    for (let i = 0; i < 4; i++) writeFileSync(join(work, 'checks', `slow${i}.sh`), '#!/bin/sh\nsleep 1.5\n');
    writeFileSync(join(work, 'checks', 'broken.sh'), '#!/bin/sh\necho "expected 2, got 3"\nexit 1\n');
    server = await spawnServer({ dataDir: mkdtempSync(join(tmpdir(), 'proctor-restart-data-')) });
    const token = (await adminApi(server.url, 'POST', '/api/v1/agents/tokens', { name: 'restart' })).body.secret;
    agent = spawnAgent({ server: server.url, token, slots: 1, workdir: work });
    await adminApi(
      server.url,
      'POST',
      '/api/v1/apply',
      `environments:\n  e: {}\nplans:\n  slow: { framework: command, workdir: ., environments: [e], max_parallel: 1, options: { command: "node run-checks.mjs --report-dir {report_dir} {files}", discover: "checks/*.sh" } }\n`,
    );
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    await server?.stop();
  });

  it('resumes where it was and exits with the verdict, missing no failure', async () => {
    const cli = spawn(process.execPath, [resolve('dist/main.js'), 'run', 'slow', '--wait'], {
      env: {
        ...process.env,
        PROCTOR_URL: server.url,
        PROCTOR_TOKEN: ADMIN_TOKEN,
        CI: 'true',
        VITEST: undefined,
        VITEST_POOL_ID: undefined,
        VITEST_WORKER_ID: undefined,
        XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'xdg-')),
      } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout.on('data', (d) => (out += d));
    cli.stderr.on('data', (d) => (out += d));
    const exit = new Promise<number | null>((r) => cli.on('close', (code) => r(code)));
    await eventually(async () => (/started/i.test(out) ? true : undefined), 60_000);
    await server.crashAndRestart();
    const code = await exit;
    expect(code, out).toBe(1);
    expect(out).toMatch(/broken\.sh/);
    expect(out.match(/FAILED[^\n]*broken\.sh/g)?.length ?? 0, out).toBe(1);
    expect(out).not.toContain('\x1b');
    const runs = (await adminApi(server.url, 'GET', '/api/v1/runs?plan=slow')).body.items;
    expect(runs[0]).toMatchObject({
      status: 'completed',
      result: 'failed',
      counts: { total: 5, passed: 4, failed: 1 },
    });
  }, 180_000);
});
