#!/usr/bin/env node
// @ts-check
/**
 * Blob throughput and the server's memory while it streams.
 *
 *   npm run build && node bench/blob-throughput.mjs
 *
 * For each store, the data directory and an S3 bucket (s3rver, the S3-compatible server the tests
 * use, started in this process), a fresh `proctor serve` on SQLite:
 *   1. --artifacts (8) artifacts of --artifact-mb (32) MiB uploaded by a fake agent
 *      (`PUT /api/agent/v1/jobs/{job}/artifacts`) and downloaded (`GET /api/v1/runs/{run}/artifacts/{id}`): MB/s;
 *   2. a --build-mb (1024) MiB app build uploaded (`POST /api/v1/app-builds`, streamed from memory
 *      that repeats one random MiB) and downloaded by the agent (`GET /api/agent/v1/app-builds/{id}/content`):
 *      MB/s, and the server's resident memory (VmRSS, sampled every 20 ms) at its peak above idle.
 *
 * Target (issue 20): memory flat while streaming 1 GiB, ≤ 64 MiB above idle.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  adminToken,
  client,
  fx,
  int,
  log,
  machineLoad,
  onCleanup,
  runBench,
  sleep,
  startServer,
  tempDir,
  verdict,
} from './harness.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    artifacts: { type: 'string', default: '8' },
    'artifact-mb': { type: 'string', default: '32' },
    'build-mb': { type: 'string', default: '1024' },
    stores: { type: 'string', default: 'local,s3' },
    bin: { type: 'string', default: join(REPO, 'dist', 'main.js') },
    'time-limit': { type: 'string', default: '900' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]}*/\n`);
  process.exit(0);
}
const MiB = 1024 * 1024;
const opts = {
  artifacts: int(flags.artifacts, 'artifacts'),
  artifactMb: int(flags['artifact-mb'], 'artifact-mb'),
  buildMb: int(flags['build-mb'], 'build-mb'),
  bin: resolve(String(flags.bin)),
  timeLimitS: int(flags['time-limit'], 'time-limit'),
};
const TOKEN = adminToken();
const PIECE = randomBytes(MiB);

/** `mb` MiB as a web stream: the same random MiB again and again (nothing the size of the file in memory here either). */
function body(/** @type {number} */ mb) {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent++ >= mb) c.close();
      else c.enqueue(new Uint8Array(PIECE));
    },
  });
}
function sha256Of(/** @type {number} */ mb) {
  const h = createHash('sha256');
  for (let i = 0; i < mb; i++) h.update(PIECE);
  return h.digest('hex');
}
const rss = (/** @type {number} */ pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

/** Samples the server's memory while `fn` runs; the peak. */
async function peakDuring(/** @type {number} */ pid, /** @type {() => Promise<void>} */ fn) {
  let peak = rss(pid);
  const t = setInterval(() => (peak = Math.max(peak, rss(pid))), 20);
  try {
    await fn();
  } finally {
    clearInterval(t);
  }
  return Math.max(peak, rss(pid));
}
async function drain(/** @type {Response} */ res) {
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let n = 0;
  for await (const c of /** @type {any} */ (res.body)) n += c.length;
  return n;
}

async function startS3() {
  const require = createRequire(import.meta.url);
  const S3rver = require('@20minutes/s3rver');
  const dir = tempDir('proctor-bench-s3-');
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    allowMismatchedSignatures: true,
    directory: dir,
    configureBuckets: [{ name: 'bench' }],
  });
  const { port } = await server.run();
  onCleanup(() => server.close());
  return `s3://bench/blobs?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&region=us-east-1`;
}

async function measure(/** @type {string} */ store) {
  const blobUrl = store === 's3' ? await startS3() : undefined;
  // The fake agent never heartbeats: a lease long enough for every upload on a slow store.
  const s = await startServer({
    bin: opts.bin,
    token: TOKEN,
    env: {
      PROCTOR_LEASE_MS: '600000',
      ...(blobUrl ? { PROCTOR_BLOB_URL: blobUrl, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } : {}),
    },
  });
  const base = s.base;
  const call = client(base, TOKEN);
  await call(
    'POST',
    '/api/v1/apply',
    'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e] }\n',
    200,
    { yaml: true },
  );
  const agent = (await call('POST', '/api/agent/v1/register', { name: 'bench', labels: [], slots: 4 }, 201)).token;
  const auth = { authorization: `Bearer ${TOKEN}` };

  // Artifacts, on the discovery job of a run (a job the agent holds).
  const runA = await call('POST', '/api/v1/plans/p/runs', {}, 202);
  const [job] = (await call('POST', '/api/agent/v1/claim', { free_slots: 1 }, 200, { token: agent })).jobs;
  const sum = sha256Of(opts.artifactMb);
  let t0 = performance.now();
  for (let i = 0; i < opts.artifacts; i++) {
    const res = await fetch(`${base}/api/agent/v1/jobs/${job.job_id}/artifacts?name=a${i}.bin&sha256=${sum}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${agent}`,
        'x-lease-token': job.lease_token,
        'content-type': 'application/octet-stream',
      },
      body: body(opts.artifactMb),
      duplex: 'half',
    });
    if (res.status !== 201) throw new Error(`artifact upload: ${res.status} ${await res.text()}`);
  }
  const artUp = (opts.artifacts * opts.artifactMb) / ((performance.now() - t0) / 1000);
  const arts = (await call('GET', `/api/v1/runs/${runA.id}/artifacts`)).items;
  t0 = performance.now();
  for (const a of arts) await drain(await fetch(`${base}${a.url}`, { headers: auth }));
  const artDown = (opts.artifacts * opts.artifactMb) / ((performance.now() - t0) / 1000);

  // A large app build, with the server's memory watched.
  await sleep(1000);
  const idle = rss(s.pid);
  /** @type {any} */
  let build;
  t0 = performance.now();
  const upPeak = await peakDuring(s.pid, async () => {
    const res = await fetch(`${base}/api/v1/app-builds?name=big&version=1&file_name=big.apk`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: body(opts.buildMb),
      duplex: 'half',
    });
    build = await res.json();
    if (res.status !== 201) throw new Error(`app build upload: ${res.status} ${JSON.stringify(build)}`);
  });
  const buildUp = opts.buildMb / ((performance.now() - t0) / 1000);
  await call('POST', '/api/v1/plans/p/runs', { app_builds: { e: build.id } }, 202);
  await call('POST', '/api/agent/v1/claim', { free_slots: 1 }, 200, { token: agent });
  let got = 0;
  t0 = performance.now();
  const downPeak = await peakDuring(s.pid, async () => {
    got = await drain(
      await fetch(`${base}/api/agent/v1/app-builds/${build.id}/content`, {
        headers: { authorization: `Bearer ${agent}` },
      }),
    );
  });
  const buildDown = opts.buildMb / ((performance.now() - t0) / 1000);
  if (got !== opts.buildMb * MiB) throw new Error(`downloaded ${got} bytes of ${opts.buildMb * MiB}`);
  await s.stop();
  return { store, artUp, artDown, buildUp, buildDown, idle, upPeak, downPeak };
}

async function main() {
  const loadBefore = machineLoad();
  const rows = [];
  for (const store of String(flags.stores).split(',')) {
    log(`measuring ${store}`);
    rows.push(await measure(store));
  }
  const out = [
    '',
    `Proctor blob throughput: SQLite server; ${opts.artifacts} artifacts × ${opts.artifactMb} MiB, one ${opts.buildMb} MiB app build; node ${process.version}, ${loadBefore} before, ${machineLoad()} after`,
  ];
  for (const r of rows) {
    const above = Math.max(r.upPeak, r.downPeak) - r.idle;
    out.push(
      `${r.store === 's3' ? 'S3 (s3rver)' : 'local directory'}: artifacts up ${fx(r.artUp)} MiB/s, down ${fx(r.artDown)} MiB/s; app build up ${fx(r.buildUp)} MiB/s, down ${fx(r.buildDown)} MiB/s`,
      `    server memory: idle ${fx(r.idle / MiB)} MiB, peak uploading ${fx(r.upPeak / MiB)} MiB, downloading ${fx(r.downPeak / MiB)} MiB: ${fx(above / MiB)} MiB above idle   target ≤ 64 MiB: ${verdict(above <= 64 * MiB)}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await runBench(opts.timeLimitS, main);
