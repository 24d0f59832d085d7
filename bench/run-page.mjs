#!/usr/bin/env node
// @ts-check
/**
 * How long the dashboard's run page takes to show a 2,000-result run once its data has arrived.
 *
 *   npm run build && node bench/run-page.mjs [--scenarios 1000] [--environments 2] [--loads 7]
 *
 * What it does:
 *   1. starts `node dist/main.js serve --no-local-agent` on a free port with a fresh SQLite data dir;
 *   2. applies a plan of --scenarios scenarios on --environments environments (2,000 results by
 *      default) and plays the agent itself: discovery lists the scenarios, executions report them
 *      (mostly passed, some failed with a message and stack, some skipped);
 *   3. opens the run page in Debian's Chromium (playwright-core, /usr/bin/chromium) --loads times,
 *      signed in through sessionStorage like a user, and reads the page's performance marks:
 *      `proctor:run-data` when the run's event-stream snapshot has arrived (before parsing it),
 *      `proctor:matrix-ready` after React committed the matrix (`data-ready` is set then), and
 *      `proctor:matrix-painted` after the next frame was painted.
 *   4. prints the median and worst data → committed and data → painted times.
 *
 * Target (issue): under 1 s from data arrival to the matrix rendered. Exit code 0 when measured.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MS = 1000;
const { values: flags } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '1000' },
    environments: { type: 'string', default: '2' },
    loads: { type: 'string', default: '7' },
    chromium: { type: 'string', default: process.env.PROCTOR_TEST_CHROMIUM ?? '/usr/bin/chromium' },
    bin: { type: 'string', default: join(REPO, 'dist', 'main.js') },
  },
});
const opts = {
  scenarios: Number(flags.scenarios),
  environments: Number(flags.environments),
  loads: Number(flags.loads),
  chromium: String(flags.chromium),
  bin: resolve(String(flags.bin)),
};
const TOKEN = `pk_${randomBytes(5).toString('hex')}_${randomBytes(24).toString('base64url')}`;
const ENVS = Array.from({ length: opts.environments }, (_, i) => `env-${i + 1}`);
const KEYS = Array.from(
  { length: opts.scenarios },
  (_, i) => `suite-${String(i % 40).padStart(2, '0')}.test.ts > group ${Math.floor(i / 40)} > scenario ${i}`,
);
const cleanups = /** @type {Array<() => unknown>} */ ([]);
let base = '';

const log = (/** @type {string} */ line) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @param {string} method @param {string} path @param {unknown} [body] @param {string} [token] */
async function call(method, path, body, token = TOKEN) {
  const yaml = typeof body === 'string';
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': yaml ? 'application/yaml' : 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: yaml ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer().once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

async function startServer() {
  if (!existsSync(opts.bin) || !existsSync(join(REPO, 'dist', 'web', 'index.html')))
    throw new Error('dist/ or dist/web/ is missing: run `npm run build` first');
  const dataDir = mkdtempSync(join(tmpdir(), 'proctor-bench-web-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PROCTOR_')));
  const args = [
    opts.bin,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--no-local-agent',
    '--log-level',
    'warn',
  ];
  const child = spawn(process.execPath, args, { env: { ...env, PROCTOR_ADMIN_TOKEN: TOKEN }, stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGTERM'));
  base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
    if (
      await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
  }
  throw new Error('the server did not answer /api/health within 60 s');
}

/** Creates the run and plays the agent until it has completed; returns the run id. */
async function seedRun() {
  const envs = ENVS.map((e) => `  ${e}: {}`).join('\n');
  await call(
    'POST',
    '/api/v1/apply',
    `project: bench\nenvironments:\n${envs}\nplans:\n  big:\n    framework: command\n    environments: [${ENVS.join(', ')}]\n`,
  );
  const { token } = await call('POST', '/api/agent/v1/register', { name: 'bench-agent', labels: [], slots: 8 });
  const run = await call('POST', '/api/v1/plans/big/runs', {});
  for (;;) {
    const { jobs } = await call('POST', '/api/agent/v1/claim', { free_slots: 8, wait_ms: 200 }, token);
    await Promise.all(
      jobs.map((/** @type {any} */ job) =>
        call('POST', `/api/agent/v1/jobs/${job.job_id}/complete`, completion(job), token),
      ),
    );
    const now = await call('GET', `/api/v1/runs/${run.id}`);
    if (now.status === 'completed') return { id: run.id, total: now.counts.total };
  }
}

/** @param {any} job */
function completion(job) {
  if (job.kind === 'discover') {
    return {
      lease_token: job.lease_token,
      outcome: 'completed',
      scenarios: KEYS.map((key) => ({ key, file: key.split(' > ')[0], path: key.split(' > ').slice(1), tags: [] })),
    };
  }
  const results = job.scenarios.map((/** @type {any} */ s, /** @type {number} */ i) => {
    const outcome = s.id % 17 === 0 ? 'failed' : s.id % 23 === 0 ? 'skipped' : 'passed';
    const failure =
      outcome === 'failed'
        ? { message: `expected ${i} to be ${i + 1}`, stack: `AssertionError: expected ${i}\n    at ${s.file}:12:7` }
        : {};
    return { key: s.key, file: s.file, path: s.path, outcome, durationMs: 5 + ((s.id * 37) % 900), ...failure };
  });
  return { lease_token: job.lease_token, outcome: 'completed', exit_code: 1, results };
}

/** Opens the run page once; the page's own marks give data → committed and data → painted. */
async function measure(/** @type {import('playwright-core').Browser} */ browser, /** @type {number} */ runId) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript((t) => sessionStorage.setItem('proctor.key', t), TOKEN);
  await page.goto(`${base}/runs/${runId}`);
  await page.waitForSelector('.matrix-wrap[data-ready]', { timeout: 60_000 });
  await page.waitForFunction(() => performance.getEntriesByName('proctor:matrix-painted').length > 0);
  const t = await page.evaluate(() => {
    const at = (/** @type {string} */ n) => performance.getEntriesByName(n).at(-1)?.startTime ?? NaN;
    return {
      data: at('proctor:run-data'),
      ready: at('proctor:matrix-ready'),
      painted: at('proctor:matrix-painted'),
      cells: document.querySelectorAll('button.cell').length,
    };
  });
  await page.close();
  return { committed: t.ready - t.data, painted: t.painted - t.data, cells: t.cells };
}

const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main() {
  await startServer();
  const run = await seedRun();
  log(`run ${run.id} has ${run.total} results; opening its page ${opts.loads} times in ${opts.chromium}`);
  const browser = await chromium.launch({
    executablePath: opts.chromium,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  cleanups.push(() => browser.close());
  const all = [];
  for (let i = 0; i < opts.loads; i++) all.push(await measure(browser, run.id));
  const [first, ...warm] = all;
  if (!first || first.cells !== run.total)
    throw new Error(`the matrix showed ${first?.cells} cells, expected ${run.total}`);
  const committed = warm.map((x) => x.committed);
  const painted = warm.map((x) => x.painted);
  const f = (/** @type {number} */ x) => `${Math.round(x)} ms`;
  process.stdout.write(
    `${[
      `Run page of a ${run.total}-result run (${opts.scenarios} scenarios × ${opts.environments} environments), Chromium headless, 1280 px:`,
      `  first load:  data → matrix committed ${f(first.committed)}, → painted ${f(first.painted)}`,
      `  next ${warm.length} loads: data → matrix committed median ${f(median(committed))} (max ${f(Math.max(...committed))}), → painted median ${f(median(painted))} (max ${f(Math.max(...painted))})`,
      `  target < ${TARGET_MS} ms data → rendered: ${Math.max(first.painted, ...painted) < TARGET_MS ? 'PASS' : 'MISS'}`,
    ].join('\n')}\n`,
  );
}

try {
  await main();
} catch (e) {
  log(`failed: ${/** @type {Error} */ (e).stack ?? e}`);
  process.exitCode = 1;
} finally {
  for (const fn of cleanups.reverse())
    await Promise.resolve()
      .then(fn)
      .catch(() => undefined);
}
