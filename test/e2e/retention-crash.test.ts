import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/storage/database.js';
import { describeEachDialect } from '../support/dialects.js';
import { adminApi, freshPostgresDatabase, spawnServer, type SpawnedServer } from '../support/processes.js';
import { makeRun, ProtocolAgent, type MadeRun } from '../support/retention-fixture.js';
import { ADMIN_TOKEN, eventually, requestJson, type TestServer } from '../support/server.js';

const RUNS = 30;
const FILE =
  'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e] }\nretention:\n  runs: { last: 1 }\n';

/**
 * A retention pass killed with SIGKILL in the middle: afterwards nothing kept is lost (kept runs,
 * the runs history reads, with their results, logs and artifacts), and the next pass finishes the
 * half-deleted runs and leaves no orphan: no row without its parent, no blob without a row, no row
 * without its blob.
 */
describeEachDialect('retention killed mid-pass', (dialect) => {
  let server: SpawnedServer;
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'proctor-retention-crash-'));
  const made: MadeRun[] = [];

  beforeAll(async () => {
    const pg = dialect === 'postgres' ? await freshPostgresDatabase() : undefined;
    drop = pg?.drop;
    databaseUrl = pg?.url;
    server = await spawnServer({
      dataDir,
      ...(databaseUrl ? { databaseUrl } : {}),
      // One row per statement and a pause after each: a pass of minutes' work takes seconds, to be killed in.
      env: {
        PROCTOR_RETENTION_HISTORY_RUNS: '5',
        PROCTOR_RETENTION_BATCH: '1',
        PROCTOR_RETENTION_PAUSE_MS: '15',
        PROCTOR_RETENTION_INTERVAL_MS: '0',
        PROCTOR_BLOB_GRACE_MS: '0',
      },
    });
    const s = {
      url: server.url,
      api: (m: string, p: string, b?: unknown, o: { token?: string | null } = {}) =>
        requestJson(server.url, m, p, b, o.token === undefined ? ADMIN_TOKEN : o.token),
    } as unknown as TestServer;
    expect((await adminApi(server.url, 'POST', '/api/v1/apply', FILE)).status).toBe(200);
    const agent = await ProtocolAgent.register(s, [], 4);
    const shared = randomBytes(2000);
    for (let i = 1; i <= RUNS; i++)
      made.push(
        await makeRun(s, agent, 'p', { scenarios: ['a > 1', 'a > 2', 'b > 3'], log: `run ${i} `.repeat(50), shared }),
      );
    for (const i of [2, 4])
      expect((await adminApi(server.url, 'PUT', `/api/v1/runs/${made[i - 1]!.id}/keep`)).status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  const kept = () => [made[1]!, made[3]!, ...made.slice(RUNS - 5)];
  /** What a run shows through the API: results, log, artifacts (downloaded). */
  async function snapshot(r: MadeRun) {
    const results = (await adminApi(server.url, 'GET', `/api/v1/runs/${r.id}/results`)).body.items.map(
      (x: { scenario: { key: string }; status: string }) => `${x.scenario.key}:${x.status}`,
    );
    const logs = await Promise.all(
      r.jobs.map(async (j) => (await adminApi(server.url, 'GET', `/api/v1/runs/${r.id}/jobs/${j}/log`)).body),
    );
    const artifacts = await Promise.all(
      (await adminApi(server.url, 'GET', `/api/v1/runs/${r.id}/artifacts`)).body.items.map(
        async (a: { url: string; sha256: string }) => {
          const res = await fetch(`${server.url}${a.url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
          return `${a.sha256}:${res.status}:${(await res.arrayBuffer()).byteLength}`;
        },
      ),
    );
    return { results, logs, artifacts };
  }
  const runCount = async () =>
    (await adminApi(server.url, 'GET', '/api/v1/runs?plan=p&limit=100')).body.items.length as number;

  it('loses no kept data and leaves no orphan after the next pass', async () => {
    const before = await Promise.all(kept().map(snapshot));
    expect(before.every((b) => b.results.length === 3 && b.artifacts.every((a) => a.includes(':200:')))).toBe(true);
    void fetch(`${server.url}/api/v1/admin/retention`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }).catch(() => undefined);
    // Killed once a few runs are gone, long before the 23 the pass deletes.
    await eventually(async () => ((await runCount()) <= RUNS - 3 ? true : undefined), 60_000, 20);
    await server.crashAndRestart();
    const left = await runCount();
    expect(left).toBeGreaterThan(kept().length);
    expect(left).toBeLessThan(RUNS);

    // Nothing kept was touched, even before the next pass.
    expect(await Promise.all(kept().map(snapshot))).toEqual(before);
    const pass = (await adminApi(server.url, 'POST', '/api/v1/admin/retention')).body;
    expect(pass.runs).toBeGreaterThan(0);
    expect(
      (await adminApi(server.url, 'GET', '/api/v1/runs?plan=p&limit=100')).body.items
        .map((r: { id: number }) => r.id)
        .sort((a: number, b: number) => a - b),
    ).toEqual(kept().map((r) => r.id));
    expect(await Promise.all(kept().map(snapshot))).toEqual(before);
    await server.stop();

    const store: Store = await openStore({ dataDir, databaseUrl });
    try {
      const { db } = store;
      const orphans = {
        jobs: await db
          .selectFrom('jobs')
          .select('id')
          .where((eb) => eb.not(eb.exists(eb.selectFrom('runs').select('id').whereRef('runs.id', '=', 'jobs.run_id'))))
          .execute(),
        results: await db
          .selectFrom('results')
          .select('id')
          .where((eb) =>
            eb.not(eb.exists(eb.selectFrom('runs').select('id').whereRef('runs.id', '=', 'results.run_id'))),
          )
          .execute(),
        attempts: await db
          .selectFrom('attempts')
          .select('id')
          .where((eb) =>
            eb.not(eb.exists(eb.selectFrom('jobs').select('id').whereRef('jobs.id', '=', 'attempts.job_id'))),
          )
          .execute(),
        chunks: await db
          .selectFrom('log_chunks')
          .select('id')
          .where((eb) =>
            eb.not(eb.exists(eb.selectFrom('jobs').select('id').whereRef('jobs.id', '=', 'log_chunks.job_id'))),
          )
          .execute(),
        artifacts: await db
          .selectFrom('artifacts')
          .select('id')
          .where((eb) =>
            eb.not(eb.exists(eb.selectFrom('runs').select('id').whereRef('runs.id', '=', 'artifacts.run_id'))),
          )
          .execute(),
        deleting: await db.selectFrom('runs').select('id').where('deleting_at', 'is not', null).execute(),
      };
      expect(orphans).toEqual({ jobs: [], results: [], attempts: [], chunks: [], artifacts: [], deleting: [] });
      // The blob store holds exactly the blobs rows refer to, and the registry exactly the store.
      const referenced = new Set([
        ...(await db.selectFrom('artifacts').select('sha256').execute()).map((a) => a.sha256),
        ...(await db.selectFrom('attempts').select('log_sha256').where('log_sha256', 'is not', null).execute()).map(
          (a) => a.log_sha256!,
        ),
      ]);
      const registered = new Set((await db.selectFrom('blobs').select('sha256').execute()).map((b) => b.sha256));
      const root = join(dataDir, 'blobs');
      const onDisk = new Set(
        readdirSync(root)
          .filter((d) => d !== 'tmp')
          .flatMap((d) => readdirSync(join(root, d))),
      );
      expect(registered).toEqual(referenced);
      expect(onDisk).toEqual(referenced);
      expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 180_000);
});
