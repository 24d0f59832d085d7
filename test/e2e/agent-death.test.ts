import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../support/pids.js';
import { adminApi, spawnAgent, spawnServer, type SpawnedServer } from '../support/processes.js';
import { eventually } from '../support/server.js';

const WORKER = resolve('test/fixtures/processes/batch-worker.mjs');

/**
 * An agent killed with SIGKILL takes its jobs' processes with it: the framework process, what it
 * started in the background, and one that ignores SIGTERM, as a process per job and as a
 * queue-mode worker that does not even exit when its stdin closes.
 */
describe('an agent that dies', () => {
  let server: SpawnedServer;
  let work: string;
  let token: string;
  const agents: ReturnType<typeof spawnAgent>[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proctor-death-'));
    mkdirSync(join(work, 'checks'));
    // The check starts a child that ignores SIGTERM, records every pid, and never ends by itself.
    writeFileSync(
      join(work, 'checks', 'hang.sh'),
      `#!/bin/sh\n(trap '' TERM; exec sleep 1000) &\necho $! >> "$PIDS"\necho $$ >> "$PIDS"\nexec sleep 1000\n`,
    );
    writeFileSync(join(work, 'checks', 'fork-hang.sh'), '');
    server = await spawnServer({
      dataDir: mkdtempSync(join(tmpdir(), 'proctor-death-data-')),
      env: { PROCTOR_LEASE_MS: '2000' },
    });
    token = (await adminApi(server.url, 'POST', '/api/v1/agents/tokens', { name: 'mortal machines' })).body.secret;
    const plans = [
      'plans:',
      `  one-shot: { framework: command, workdir: ., environments: [shot], options: { command: "sh {files}", discover: "checks/hang.sh" } }`,
      `  queued: { framework: command, workdir: ., environments: [queue], options: { command: "true", discover: "checks/fork-hang.sh", worker: "node '${WORKER}' ignore-eof" } }`,
    ];
    const envs = `environments:\n  shot: { labels: [shot], variables: { PIDS: ${join(work, 'shot-pids')} } }\n  queue: { labels: [queue], variables: { WORKER_PIDS: ${join(work, 'queue-pids')} } }\n`;
    expect((await adminApi(server.url, 'POST', '/api/v1/apply', `${envs + plans.join('\n')}\n`)).status).toBe(200);
  });
  afterAll(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await server?.stop();
  });

  const pidsIn = (file: string) => {
    try {
      return readFileSync(join(work, file), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };

  /** Live processes whose process group is `pgid`. */
  const groupOf = (pgid: number) =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid && isAlive(pid);
        } catch {
          return false;
        }
      });

  /**
   * Kills the agent once the job's process group (led by the first pid the job wrote) has `members`
   * live processes, then expects all of them gone within the keeper's grace.
   */
  async function killAndCheck(label: string, plan: string, pidFile: string, members: number) {
    const agent = spawnAgent({
      server: server.url,
      token,
      labels: [label],
      slots: 1,
      workdir: work,
      name: `mortal-${label}`,
    });
    agents.push(agent);
    await adminApi(server.url, 'POST', `/api/v1/plans/${plan}/runs`, {});
    const pids = await eventually(
      async () => {
        const [first] = pidsIn(pidFile);
        if (first === undefined) return undefined;
        const pgid = Number(readFileSync(`/proc/${first}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
        const group = groupOf(pgid);
        return group.length >= members ? group : undefined;
      },
      60_000,
      50,
    );
    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    const left = await eventually(async () => (pids.some(isAlive) ? undefined : []), 10_000, 100).catch(() =>
      pids.filter(isAlive),
    );
    expect(left, `processes of ${plan} alive after their agent was killed: ${agent.output()}`).toEqual([]);
  }

  it('ends a one-shot job and the child it left that ignores SIGTERM', async () => {
    // sh → sleep (exec'd), and the background sleep: the job's group.
    await killAndCheck('shot', 'one-shot', 'shot-pids', 2);
  });

  it('shows an agent that stopped cleanly as offline, not online and then lost', async () => {
    const agent = spawnAgent({ server: server.url, token, labels: ['idle'], slots: 1, workdir: work, name: 'tidy' });
    agents.push(agent);
    const status = async () =>
      (
        (await adminApi(server.url, 'GET', '/api/v1/agents')).body.items as {
          name: string;
          status: string;
          live: boolean;
        }[]
      ).find((a) => a.name === 'tidy');
    expect(await eventually(async () => ((await status())?.live ? true : undefined), 30_000, 50)).toBe(true);
    agent.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
      agent.once('exit', (c, s) => r([c, s])),
    );
    expect({ code, signal }, agent.output()).toEqual({ code: 0, signal: null });
    expect(await status()).toMatchObject({ status: 'offline', live: false });
  });

  it('ends a queue-mode worker that outlives its stdin, and the child it forked', async () => {
    // The worker writes its pid at start; a `fork` file makes it start a `sleep` that ignores SIGTERM.
    await killAndCheck('queue', 'queued', 'queue-pids', 2);
  });
});
