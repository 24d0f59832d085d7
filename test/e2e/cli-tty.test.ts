import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';

const exec = promisify(execFile);

/**
 * The live view of `proctor run --wait` in a real terminal: tmux at 80 × 30, the screen read back
 * with capture-pane. Asynchronous throughout, since the server runs in this process.
 */
describe('proctor run --wait in a terminal', () => {
  let s: TestServer;
  let dir: string;
  const socket = `proctor-tty-${process.pid}`;
  const tmux = (...args: string[]) => exec('tmux', ['-L', socket, '-f', '/dev/null', ...args]);

  beforeAll(async () => {
    s = await startTestServer('sqlite', { localAgent: true, slots: 2 });
    dir = mkdtempSync(join(tmpdir(), 'proctor-tty-'));
    const yaml = `environments:\n  node: {}\n  nowhere: { labels: [no-agent-has-this] }\nplans:\n  demo:\n    framework: vitest\n    workdir: ${resolve('examples/demo/vitest')}\n    environments: [node]\n  stuck:\n    framework: vitest\n    workdir: ${dir}\n    environments: [nowhere]\n`;
    expect((await s.api('POST', '/api/v1/apply', yaml)).status).toBe(200);
  });
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined);
    await s?.close();
  });

  /** Starts `proctor ARGS` in a new 80-column tmux session; the shell prints EXIT=<code> after it. */
  async function inTerminal(name: string, args: string[]): Promise<void> {
    const script = join(dir, `${name}.sh`);
    writeFileSync(
      script,
      [
        'unset CI GITHUB_ACTIONS VITEST VITEST_POOL_ID VITEST_WORKER_ID',
        `export PROCTOR_URL='${s.url}' PROCTOR_TOKEN='${ADMIN_TOKEN}' TERM=xterm-256color LANG=C.UTF-8`,
        // The shell survives Ctrl-C (a trap, unlike an ignored signal, is not inherited by the CLI).
        "trap 'true' INT",
        `'${process.execPath}' '${resolve('dist/main.js')}' ${args.map((a) => `'${a}'`).join(' ')}`,
        'echo "EXIT=$?"',
        'sleep 600',
      ].join('\n'),
    );
    await tmux('new-session', '-d', '-x', '80', '-y', '30', '-s', name, `sh ${script}`);
  }

  /** The pane with its scrollback, wrapped lines joined (so a line wider than the pane shows as one). */
  const screen = async (name: string) => (await tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', name)).stdout;
  const waitFor = (name: string, pattern: RegExp) =>
    eventually(async () => ((await screen(name)).match(pattern) ? screen(name) : undefined), 60_000, 200);

  it('draws progress, counts, the environment matrix and failures within 80 columns, then the summary', async () => {
    await inTerminal('demo', ['run', 'demo', '--wait']);
    const live = await waitFor('demo', /elapsed|EXIT=/);
    expect(live).toMatch(/run \d+ demo {2}(queued|running|completed)/);
    const done = await waitFor('demo', /EXIT=\d+/);
    expect(done).toContain('EXIT=1');
    expect(done).toMatch(/\[#+\] {2}11\/11 {2}100%/);
    expect(done).toMatch(/7 passed, 2 failed, 0 flaky, 2 skipped, 0 running, 0 queued/);
    expect(done).toMatch(/environment +passed +failed +flaky +skipped +running +queued/);
    expect(done).toMatch(/node +7 +2 +0 +2 +0 +0/);
    expect(done.match(/^FAILED \w+\.test\.ts > .+ \(node\)/gm)).toHaveLength(2);
    expect(done).toMatch(/run \d+ demo: failed\n7 passed, 2 failed/);
    expect(done).toContain('exit 1: tests failed');
    // Redrawn in place: one live block on the screen, not one per poll.
    expect(done.match(/^environment /gm)).toHaveLength(1);
    for (const line of done.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('asks on Ctrl-C whether to cancel the remote run, and exits 130', async () => {
    await inTerminal('stuck', ['run', 'stuck', '--wait']);
    await waitFor('stuck', /Triggered run \d+/);
    const id = /Triggered run (\d+)/.exec(await screen('stuck'))![1];
    await tmux('send-keys', '-t', 'stuck', 'C-c');
    await waitFor('stuck', /Cancel the remote run too\? \[y\/N\]/);
    await tmux('send-keys', '-t', 'stuck', 'y', 'Enter');
    const done = await waitFor('stuck', /EXIT=\d+/);
    expect(done).toContain('EXIT=130');
    expect(done).toContain(`interrupted; run ${id} cancelled on the server`);
    expect((await s.api('GET', `/api/v1/runs/${id}`)).body.status).toBe('cancelled');
  });
});
