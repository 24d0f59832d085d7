import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { adminApi, proctorCli, spawnServer, type SpawnedServer } from '../support/processes.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';

const FILE = 'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e] }\n';

/** `proctor admin backup` of a running SQLite server, and `proctor admin restore` of a stopped one. */
// SQLite: PostgreSQL is backed up with pg_dump (the route says so, below).
describeEachDialect('backups', () => {
  let server: SpawnedServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'proctor-backup-'));
  const home = mkdtempSync(join(tmpdir(), 'proctor-backup-home-'));
  const cli = (args: string[]) => proctorCli(args, { server: server.url, token: ADMIN_TOKEN, home });
  beforeAll(async () => {
    server = await spawnServer({ dataDir });
    expect((await adminApi(server.url, 'POST', '/api/v1/apply', FILE)).status).toBe(200);
  });
  afterAll(() => server?.stop());

  it('backs up while runs are triggered, keeps a run, and restores the backup into the stopped server', async () => {
    const before: number[] = [];
    for (let i = 0; i < 20; i++) before.push((await adminApi(server.url, 'POST', '/api/v1/plans/p/runs', {})).body.id);
    const kept = await cli(['keep', String(before[0])]);
    expect(kept.out).toContain(`Run ${before[0]} of plan p is kept`);
    const file = join(mkdtempSync(join(tmpdir(), 'proctor-backup-out-')), 'proctor.db');
    // Writes go on during the backup: it is a consistent copy all the same.
    let writing = true;
    const writer = (async () => {
      while (writing) await adminApi(server.url, 'POST', '/api/v1/plans/p/runs', {});
    })();
    const backup = await cli(['admin', 'backup', file]);
    writing = false;
    await writer;
    expect(backup.code, backup.err).toBe(0);
    expect(backup.out).toMatch(/Backed up the database to .* SHA-256 [0-9a-f]{64}/);
    const atBackup = (await adminApi(server.url, 'GET', '/api/v1/runs?limit=500')).body.items.length;
    const usage = await cli(['admin', 'usage']);
    expect(usage.out).toMatch(/default\s+p\s+runs\s+\d+/);

    // A run after the backup, then a restore: the run is gone, the backup's runs are back.
    const after = (await adminApi(server.url, 'POST', '/api/v1/plans/p/runs', {})).body.id;
    const refused = await cli(['admin', 'restore', file, '--data-dir', dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('stop the server first');
    await server.stop();
    const notDb = join(home, 'not-a-db');
    writeFileSync(notDb, 'hello');
    expect((await cli(['admin', 'restore', notDb, '--data-dir', dataDir])).err).toContain('is not a SQLite database');
    const restored = await cli(['admin', 'restore', file, '--data-dir', dataDir]);
    expect(restored.code, restored.err).toBe(0);
    expect(restored.out).toContain('the database it replaced is');
    server = await spawnServer({ dataDir });
    const runs = (await adminApi(server.url, 'GET', '/api/v1/runs?limit=500')).body.items as {
      id: number;
      keep: boolean;
    }[];
    expect(runs.map((r) => r.id)).not.toContain(after);
    for (const id of before) expect(runs.map((r) => r.id)).toContain(id);
    expect(runs.length).toBeLessThanOrEqual(atBackup);
    expect(runs.find((r) => r.id === before[0])!.keep).toBe(true);
    const unkept = await cli(['keep', String(before[0]), '--unkeep']);
    expect(unkept.out).toContain('is no longer kept');
  }, 120_000);
}, ['sqlite']);

describeEachDialect('backups on PostgreSQL', () => {
  it('refuses an online backup, pointing at pg_dump', async () => {
    const s = await startTestServer('postgres');
    try {
      const r = await s.api('GET', '/api/v1/admin/backup');
      expect(r.status).toBe(409);
      expect(r.body.error.message).toContain('pg_dump');
    } finally {
      await s.close();
    }
  });
}, ['postgres']);
