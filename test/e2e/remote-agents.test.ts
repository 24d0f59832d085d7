import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { adminApi, freshPostgresDatabase, spawnAgent, spawnServer, type SpawnedServer } from '../support/processes.js';
import { eventually } from '../support/server.js';
import { vitestDirect } from '../support/vitest-direct.js';

/**
 * A real server and three real `proctor agent` processes with different labels: a plan across two
 * environments fans out to the agents that carry each environment's labels.
 */
describeEachDialect('remote agents', (dialect) => {
  let server: SpawnedServer;
  let drop: (() => Promise<void>) | undefined;
  const agents: ReturnType<typeof spawnAgent>[] = [];

  beforeAll(async () => {
    const pgdb = dialect === 'postgres' ? await freshPostgresDatabase() : undefined;
    drop = pgdb?.drop;
    server = await spawnServer({
      dataDir: mkdtempSync(join(tmpdir(), 'proctor-remote-')),
      ...(pgdb ? { databaseUrl: pgdb.url } : {}),
    });
    const token = (await adminApi(server.url, 'POST', '/api/v1/agents/tokens', { name: 'ci machines' })).body
      .secret as string;
    const workdir = resolve('examples/demo');
    agents.push(
      spawnAgent({ server: server.url, token, labels: ['linux', 'chromium'], slots: 1, workdir, name: 'chrome-box' }),
    );
    agents.push(
      spawnAgent({ server: server.url, token, labels: ['linux', 'firefox'], slots: 1, workdir, name: 'firefox-box' }),
    );
    agents.push(
      spawnAgent({ server: server.url, token, labels: ['linux', 'webkit'], slots: 1, workdir, name: 'webkit-box' }),
    );
    await eventually(
      async () =>
        (await adminApi(server.url, 'GET', '/api/v1/agents')).body.items.filter((a: { live: boolean }) => a.live)
          .length === 3
          ? true
          : undefined,
      30_000,
    );
    const file = `environments:
  chrome: { labels: [chromium] }
  firefox: { labels: [firefox] }
plans:
  cross: { framework: vitest, workdir: vitest, environments: [chrome, firefox], max_parallel: 2 }
`;
    expect((await adminApi(server.url, 'POST', '/api/v1/apply', file)).status).toBe(200);
  });
  afterAll(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await server?.stop();
    await drop?.();
  });

  it('runs a plan across two environments on the agents carrying their labels; results match the suite run directly', async () => {
    const run = (await adminApi(server.url, 'POST', '/api/v1/plans/cross/runs', {})).body;
    expect(run.unavailable_environments).toEqual([]);
    await eventually(
      async () =>
        (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}`)).body.status === 'completed' ? true : undefined,
      120_000,
      250,
    );
    const rows = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/results?limit=1000`)).body.items as {
      scenario: { key: string };
      environment: string;
      status: string;
    }[];
    const direct = vitestDirect();
    for (const env of ['chrome', 'firefox']) {
      expect(new Map(rows.filter((r) => r.environment === env).map((r) => [r.scenario.key, r.status])), env).toEqual(
        direct,
      );
    }
    const jobs = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      environment: string;
      attempts: { agent_id: number }[];
    }[];
    const list = (await adminApi(server.url, 'GET', '/api/v1/agents')).body.items as { id: number; name: string }[];
    const nameOf = (id: number) => list.find((a) => a.id === id)!.name;
    for (const j of jobs) {
      const by = nameOf(j.attempts.at(-1)!.agent_id);
      expect(by, `a ${j.environment} job`).toBe(j.environment === 'chrome' ? 'chrome-box' : 'firefox-box');
    }
    expect(agents.map((a) => a.exitCode)).toEqual([null, null, null]);
  });
});
