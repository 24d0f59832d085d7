import { randomBytes } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/storage/blobs.js';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN, makeRun, ProtocolAgent, sha, type MadeRun } from '../support/retention-fixture.js';
import { startTestS3, type TestS3 } from '../support/s3-server.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DAY = 86_400_000;
const FILE = `
project: web
environments:
  e: {}
plans:
  p: { framework: command, environments: [e] }
retention:
  runs: { days: 30 }
  logs: { days: 7 }
  artifacts: { days: 14 }
  app_builds: { last: 2 }
`;
const HISTORY_FILE = `
project: hist
environments:
  h: { labels: [hist] }
plans:
  h: { framework: command, environments: [h] }
retention:
  runs: { last: 2 }
`;

for (const storeKind of ['local', 's3'] as const) {
  describeEachDialect(`retention, blobs in ${storeKind === 'local' ? 'the data directory' : 'S3'}`, (dialect) => {
    let s: TestServer;
    let s3: TestS3 | undefined;
    let now = Date.now();
    const t0 = now;
    const runs: MadeRun[] = [];
    const shared = randomBytes(3000);
    const builds: { id: number; sha256: string }[] = [];

    beforeAll(async () => {
      if (storeKind === 's3') s3 = await startTestS3();
      s = await startTestServer(dialect, {
        env: {
          PROCTOR_RETENTION_HISTORY_RUNS: '5',
          PROCTOR_RETENTION_BATCH: '2',
          PROCTOR_RETENTION_PAUSE_MS: '0',
          ...(s3 ? { PROCTOR_BLOB_URL: s3.blobUrl(`r${randomBytes(3).toString('hex')}`) } : {}),
        },
        start: { clock: () => now, retention: { everyMs: 0, archiveEveryMs: 0, leftoverMs: 0 } },
      });
      expect((await s.api('POST', '/api/v1/apply', FILE)).status).toBe(200);
      for (const v of [1, 2, 3, 4]) {
        const r = await fetch(`${s.url}/api/v1/app-builds?project=web&name=shop&version=${v}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
          body: Buffer.from(`apk ${v} ${randomBytes(8).toString('hex')}`),
        });
        builds.push((await r.json()) as { id: number; sha256: string });
      }
      let agent = await ProtocolAgent.register(s, [], 4);
      for (let i = 1; i <= 16; i++) {
        if (i === 11) {
          now = t0 + 10 * DAY;
          agent = await ProtocolAgent.register(s, [], 4);
        }
        // Run 3 is kept, and uses app build 1: neither may go.
        runs.push(
          await makeRun(s, agent, 'p', {
            scenarios: ['a.test > one', 'a.test > two', 'b.test > three'],
            log: `log of run ${i} ✓ é 😀\n`.repeat(20),
            shared,
            ...(i === 3 ? { body: { app_builds: { e: builds[0]!.id } } } : {}),
          }),
        );
      }
      expect((await s.api('PUT', `/api/v1/runs/${runs[2]!.id}/keep`)).body.keep).toBe(true);
    }, 120_000);
    afterAll(async () => {
      await s?.close();
      await s3?.close();
    });

    const db = () => s.proctor.server.store.db;
    const store = () => s.proctor.server.blobs.store;
    const pass = async () => {
      const r = await s.api('POST', '/api/v1/admin/retention');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    const runIds = async (plan = 'p') =>
      (await s.api('GET', `/api/v1/runs?plan=${plan}&limit=100`)).body.items
        .map((r: { id: number }) => r.id)
        .sort((a: number, b: number) => a - b);
    const log = async (r: MadeRun) => (await s.api('GET', `/api/v1/runs/${r.id}/jobs/${r.jobs[0]}/log`)).body as string;
    const logOffset = async (r: MadeRun, offset: number) =>
      (await s.api('GET', `/api/v1/runs/${r.id}/jobs/${r.jobs[0]}/log?offset=${offset}`)).body as string;
    const inStore = async (sha256: string) => (await store().stat(sha256)) !== null;
    const logBlobs = async (r: MadeRun) =>
      (await db().selectFrom('attempts').select('log_sha256').where('job_id', 'in', r.jobs).execute()).map(
        (a) => a.log_sha256,
      );
    const text = (i: number) => `log of run ${i} ✓ é 😀\n`.repeat(20);

    it('moves ended logs to the blob store and serves them as before, from any offset', async () => {
      const recent = runs[12]!;
      const before = await log(recent);
      expect(before).toBe(text(13));
      await s.proctor.server.retention.archiveNow();
      expect(await db().selectFrom('log_chunks').select('id').where('job_id', 'in', recent.jobs).execute()).toEqual([]);
      const [blob] = await logBlobs(recent);
      expect(blob).toMatch(/^[0-9a-f]{64}$/);
      expect(await inStore(blob!)).toBe(true);
      expect(await log(recent)).toBe(before);
      // Offsets count UTF-16 units, as while the log streamed: past the emoji's two, mid-text.
      for (const offset of [0, 13, 15, 16, 100, before.length, before.length + 5])
        expect(await logOffset(recent, offset)).toBe(before.slice(offset));
      // Logs whose week is over are not moved: retention deletes them where they are.
      expect((await logBlobs(runs[0]!)).every((b) => b === null)).toBe(true);
    });

    it('deletes the logs of runs ended a week ago, with their blobs, and nothing else', async () => {
      const r = await pass();
      expect(r.logs).toBeGreaterThan(0);
      for (const [i, run] of runs.slice(0, 10).entries()) {
        expect(await log(run), `run ${i + 1}`).toBe(i === 2 ? text(3) : '');
      }
      expect(
        await db()
          .selectFrom('log_chunks')
          .select('id')
          .where(
            'job_id',
            'in',
            runs
              .slice(0, 10)
              .filter((_, i) => i !== 2)
              .flatMap((x) => x.jobs),
          )
          .execute(),
      ).toEqual([]);
      // Ended 0 days ago by this clock: kept.
      expect(await log(runs[12]!)).toBe(text(13));
      expect(await runIds()).toEqual(runs.map((x) => x.id));
      const artifacts = (await s.api('GET', `/api/v1/runs/${runs[0]!.id}/artifacts`)).body.items;
      expect(artifacts.length).toBeGreaterThan(0);
      // App builds: the newest two and the one the kept run uses stay; build 2 and its blob go.
      const left = (await s.api('GET', '/api/v1/app-builds?project=web&name=shop')).body.items
        .map((b: { id: number }) => b.id)
        .sort();
      expect(left).toEqual([builds[0]!.id, builds[2]!.id, builds[3]!.id]);
      expect(await inStore(builds[1]!.sha256)).toBe(false);
      expect(await inStore(builds[0]!.sha256)).toBe(true);
    });

    it('deletes artifacts after two weeks: blobs only one run used go, a blob a kept run shares stays', async () => {
      now = t0 + 20 * DAY;
      const movedLogs = (await logBlobs(runs[12]!)).filter((b): b is string => b !== null);
      const usage = (await s.api('GET', '/api/v1/admin/usage?project=web')).body;
      const preview = usage.items.find(
        (x: { kind: string; plan: { name: string } | null }) => x.kind === 'artifacts' && x.plan?.name === 'p',
      );
      expect(preview.next_pass.rows).toBe(
        runs
          .slice(0, 10)
          .filter((_, i) => i !== 2)
          .reduce((n, r) => n + r.artifacts.length, 0),
      );
      const r = await pass();
      expect(r.artifacts).toBe(preview.next_pass.rows);
      for (const [i, run] of runs.slice(0, 10).entries()) {
        const items = (await s.api('GET', `/api/v1/runs/${run.id}/artifacts`)).body.items;
        expect(items.length, `run ${i + 1}`).toBe(i === 2 ? run.artifacts.length : 0);
        if (i !== 2)
          for (const own of run.artifacts.filter((a) => a !== sha(shared))) expect(await inStore(own)).toBe(false);
      }
      expect(await inStore(sha(shared))).toBe(true);
      // The logs of runs 11 to 16 ended ten days ago: moved to the blob store, now deleted from it.
      expect(await log(runs[12]!)).toBe('');
      for (const b of movedLogs) expect(await inStore(b)).toBe(false);
      const kept = (await s.api('GET', `/api/v1/runs/${runs[2]!.id}/artifacts`)).body.items[0];
      expect((await fetch(`${s.url}${kept.url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(
        200,
      );
    });

    it('deletes runs ended a month ago in batches, keeping the kept run and the runs history reads', async () => {
      now = t0 + 35 * DAY;
      const gone = runs.slice(0, 10).filter((_, i) => i !== 2);
      const goneJobs = gone.flatMap((r) => r.jobs);
      const preview = (await s.api('GET', '/api/v1/admin/usage?project=web')).body.items.find(
        (x: { kind: string }) => x.kind === 'runs',
      );
      expect(preview.next_pass.rows).toBe(gone.length);
      const r = await pass();
      expect(r.runs).toBe(gone.length);
      expect(r.results).toBe(gone.length * 3);
      // Batches of two rows: more statements than rows deleted halved.
      expect(r.statements).toBeGreaterThan(r.results / 2 + r.runs);
      expect(await runIds()).toEqual([runs[2]!.id, ...runs.slice(10).map((x) => x.id)]);
      const ids = gone.map((x) => x.id);
      expect(await db().selectFrom('results').select('id').where('run_id', 'in', ids).execute()).toEqual([]);
      expect(await db().selectFrom('jobs').select('id').where('run_id', 'in', ids).execute()).toEqual([]);
      expect(await db().selectFrom('attempts').select('id').where('job_id', 'in', goneJobs).execute()).toEqual([]);
      expect(await db().selectFrom('log_chunks').select('id').where('job_id', 'in', goneJobs).execute()).toEqual([]);
      expect(await db().selectFrom('webhook_events').select('id').where('run_id', 'in', ids).execute()).toEqual([]);
      // The kept run is whole: results, log, artifacts.
      const kept = (await s.api('GET', `/api/v1/runs/${runs[2]!.id}`)).body;
      expect(kept).toMatchObject({ keep: true, counts: { passed: 3 } });
      expect(await log(runs[2]!)).toBe(text(3));
      // Ended 25 days ago: within the 30.
      expect((await s.api('GET', `/api/v1/runs/${runs[10]!.id}`)).body.counts.passed).toBe(3);
      // Idempotent: the next pass finds nothing to do.
      expect(await pass()).toMatchObject({ runs: 0, results: 0, logs: 0, artifacts: 0, app_builds: 0, blobs: 0 });
    });

    it('keeps the newest finished runs history reads even past the last N, and a kept run', async () => {
      expect((await s.api('POST', '/api/v1/apply', HISTORY_FILE)).status).toBe(200);
      const agent = await ProtocolAgent.register(s, ['hist'], 4);
      const made: MadeRun[] = [];
      for (let i = 1; i <= 8; i++)
        made.push(await makeRun(s, agent, 'h', { scenarios: ['h.test > one'], log: `h${i}`, shared }));
      expect((await s.api('PUT', `/api/v1/runs/${made[1]!.id}/keep`)).status).toBe(200);
      expect((await s.api('PUT', `/api/v1/runs/${made[0]!.id}/keep`)).status).toBe(200);
      expect((await s.api('DELETE', `/api/v1/runs/${made[0]!.id}/keep`)).body.keep).toBe(false);
      const durationsBefore = (await s.api('GET', '/api/v1/plans/h/history?project=hist&runs=5')).body;
      const r = await pass();
      // last: 2, but the newest 5 finished runs (PROCTOR_RETENTION_HISTORY_RUNS) stay, and the kept one.
      expect(r.runs).toBe(2);
      expect(await runIds('h')).toEqual([made[1]!.id, ...made.slice(3).map((x) => x.id)]);
      expect((await s.api('GET', '/api/v1/plans/h/history?project=hist&runs=5')).body).toEqual(durationsBefore);
    });

    it('removes orphans: a blob without a row after its grace period, an object without a registry row, a staging leftover', async () => {
      const blobs = s.proctor.server.blobs;
      const orphan = randomBytes(500);
      await blobs.put((await import('node:stream')).Readable.from([orphan]), { maxBytes: 10_000 });
      const unregistered = await store().stage((await import('node:stream')).Readable.from([randomBytes(700)]), {
        maxBytes: 10_000,
      });
      await unregistered.commit();
      // A file's time has a fraction of a millisecond (an older server's write, or a commit's
      // `….999`); adopting the object must not depend on it.
      const local = store();
      if (local instanceof LocalBlobStore) await utimes(local.pathOf(unregistered.sha256), 1e9 + 0.1234, 1e9 + 0.1234);
      const leftover = await store().stage((await import('node:stream')).Readable.from([randomBytes(10)]), {
        maxBytes: 10_000,
      });
      void leftover;
      // Just stored (by the server's clock): left alone, referenced or not. The object without a row
      // was written earlier by that clock, so it goes at once, like the staging leftover.
      await pass();
      expect(await inStore(sha(orphan))).toBe(true);
      expect(await inStore(unregistered.sha256)).toBe(false);
      expect((await store().list(null, 1000)).items.filter((o) => o.sha256 === null)).toEqual([]);
      now += 2 * 60 * 60_000;
      // The orphan, and the own artifacts of the history runs just deleted (stored within the hour, so left then).
      const usage = (await s.api('GET', '/api/v1/admin/usage')).body;
      expect(usage.blobs.unreferenced.rows).toBe(3);
      const r = await pass();
      expect(r.blobs).toBe(3);
      expect((await s.api('GET', '/api/v1/admin/usage')).body.blobs.unreferenced.rows).toBe(0);
      expect(await inStore(sha(orphan))).toBe(false);
      const listed = await store().list(null, 1000);
      expect(listed.items.filter((o) => o.sha256 === null)).toEqual([]);
      // Every blob left has a row, and every registry row a blob.
      const rows = new Set((await db().selectFrom('blobs').select('sha256').execute()).map((b) => b.sha256));
      expect(new Set(listed.items.map((o) => o.sha256))).toEqual(rows);
    });
  });
}
