// @ts-check
/**
 * What the benchmarks in bench/ share: a `proctor serve` child on a free port with a fresh SQLite
 * data dir or a fresh PostgreSQL database, a JSON client, a cleanup list run once on exit, error,
 * SIGINT or the time limit, and small statistics helpers. Only node built-ins and fetch; `pg` is
 * imported from node_modules only when a database URL is given.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @param {string} line */
export function log(line) {
  process.stderr.write(`[bench] ${line}\n`);
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An admin key of our choosing, handed to the server as PROCTOR_ADMIN_TOKEN. */
export function adminToken() {
  return `pk_${randomBytes(5).toString('hex')}_${randomBytes(24).toString('base64url')}`;
}

// ---------------------------------------------------------------- cleanup and time limit

/** Everything to undo at the end, last registered first; run once, every caller awaits the same run. */
const cleanups = /** @type {Array<() => Promise<void> | void>} */ ([]);
let cleaning = /** @type {Promise<void> | undefined} */ (undefined);
export const state = { cleanedUp: false };

/** Registers an undo step (a child to stop, a directory to remove, a database to drop). @param {() => Promise<void> | void} fn */
export function onCleanup(fn) {
  cleanups.push(fn);
}

export function cleanup() {
  state.cleanedUp = true;
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse())
      await Promise.resolve()
        .then(fn)
        .catch((e) => log(`cleanup: ${e.message}`));
  })();
  return cleaning;
}

/**
 * Runs `main` under a time limit; cleans up on success, error, SIGINT, SIGTERM and the limit.
 * Exit code 0 when `main` returned, 1 on an error or the time limit, 130/143 on a signal.
 * @param {number} limitS @param {() => Promise<void>} main
 */
export async function runBench(limitS, main) {
  const limit = setTimeout(() => {
    log(`time limit of ${limitS} s reached: stopping (raise it with --time-limit)`);
    void cleanup().finally(() => process.exit(1));
  }, limitS * 1000);
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
  try {
    await main();
    clearTimeout(limit);
    await cleanup();
  } catch (e) {
    clearTimeout(limit);
    // After the time limit or a signal the server is gone and every request fails: nothing to add.
    if (!state.cleanedUp) log(`failed: ${/** @type {Error} */ (e).stack ?? e}`);
    await cleanup();
    process.exit(1);
  }
}

/** A temporary directory removed at cleanup. @param {string} prefix */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------- HTTP

/**
 * A JSON client of one server: `call(method, path, body?, want?, { token?, yaml? })` throws unless
 * the status is `want` and returns the parsed body.
 * @param {string} base @param {string} defaultToken
 */
export function client(base, defaultToken) {
  /**
   * @param {string} method @param {string} path @param {unknown} [body] @param {number} [want]
   * @param {{ token?: string, yaml?: boolean, signal?: AbortSignal }} [o]
   * @returns {Promise<any>}
   */
  return async function call(method, path, body, want = 200, o = {}) {
    const headers = /** @type {Record<string, string>} */ ({ authorization: `Bearer ${o.token ?? defaultToken}` });
    if (body !== undefined) headers['content-type'] = o.yaml ? 'application/yaml' : 'application/json';
    const res = await fetch(base + path, {
      method,
      headers,
      ...(body !== undefined ? { body: o.yaml ? String(body) : JSON.stringify(body) } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const text = await res.text();
    if (res.status !== want)
      throw new Error(`${method} ${path}: HTTP ${res.status} (expected ${want}): ${text.slice(0, 400)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

// ---------------------------------------------------------------- processes

/** A free TCP port on loopback (asked of the kernel, then released). @returns {Promise<number>} */
export async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

/** A fresh database on the server of `url`, dropped at cleanup; its URL. @param {string} url */
export async function freshPostgresDatabase(url) {
  const { default: pg } = await import('pg');
  const name = `proctor_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  onCleanup(async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  });
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The environment of a child: the caller's, without any PROCTOR_* setting, plus `extra`.
 * @param {Record<string, string>} extra @returns {NodeJS.ProcessEnv}
 */
export function childEnv(extra) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PROCTOR_')));
  return { ...env, ...extra };
}

/**
 * Spawns a long-lived child stopped at cleanup (SIGTERM, SIGKILL after 5 s); keeps its last 50
 * lines of output for error messages.
 * @param {string} name @param {string[]} args @param {NodeJS.ProcessEnv} env
 */
export function spawnChild(name, args, env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = /** @type {string[]} */ ([]);
  const keep = (/** @type {Buffer} */ b) => {
    output.push(...b.toString().split('\n').filter(Boolean));
    if (output.length > 50) output.splice(0, output.length - 50);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const status = { exited: false };
  child.once('exit', (code, signal) => {
    status.exited = true;
    if (!state.cleanedUp) log(`${name} exited (code ${code}, signal ${signal}):\n${output.join('\n')}`);
  });
  onCleanup(() => stopChild(child, () => status.exited));
  return { child, output, status, pid: /** @type {number} */ (child.pid) };
}

/** SIGTERM, then SIGKILL after 5 s. @param {import('node:child_process').ChildProcess} child @param {() => boolean} exited */
export async function stopChild(child, exited) {
  if (exited()) return;
  child.kill('SIGTERM');
  const deadline = Date.now() + 5_000;
  while (!exited() && Date.now() < deadline) await sleep(50);
  if (!exited()) child.kill('SIGKILL');
}

/**
 * Starts `proctor serve --no-local-agent` in a child process and waits for /api/health: on a fresh
 * data directory and (with `databaseUrl`) a fresh PostgreSQL database, or on `dataDir` and the
 * database `databaseUrl` names as they are with `reuse` (a restart); `env` adds settings.
 * @param {{ bin: string, token: string, databaseUrl?: string, nodeArgs?: string[], env?: Record<string, string>, dataDir?: string, reuse?: boolean }} o
 */
export async function startServer(o) {
  if (!existsSync(o.bin)) throw new Error(`${o.bin} does not exist: run \`npm run build\` first (or pass --bin)`);
  const dataDir = o.dataDir ?? tempDir('proctor-bench-');
  const databaseUrl = o.databaseUrl && !o.reuse ? await freshPostgresDatabase(o.databaseUrl) : o.databaseUrl;
  const port = await freePort();
  const args = [
    ...(o.nodeArgs ?? []),
    o.bin,
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
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const server = spawnChild('the server', args, childEnv({ PROCTOR_ADMIN_TOKEN: o.token, ...o.env }));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.status.exited) throw new Error(`the server exited during start-up:\n${server.output.join('\n')}`);
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(`the server did not answer /api/health within 60 s:\n${server.output.join('\n')}`);
    await sleep(100);
  }
  return {
    base,
    pid: server.pid,
    where: databaseUrl ? 'PostgreSQL' : 'SQLite',
    dataDir,
    databaseUrl,
    stop: () => stopChild(server.child, () => server.status.exited),
  };
}

/** CPU time (user + system) a process has used, in ms; null off Linux. @param {number} pid */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks; USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** The 1-minute load average, for the summary (other work on the machine skews every figure). */
export function machineLoad() {
  try {
    return `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`;
  } catch {
    return 'load average unknown';
  }
}

// ---------------------------------------------------------------- figures

/** Nearest-rank percentile of sorted values. @param {number[]} sorted @param {number} p */
export const pct = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
/** @param {number} x @param {number} [d] */
export const fx = (x, d = 1) => x.toFixed(d);
/** @param {boolean} ok */
export const verdict = (ok) => (ok ? 'PASS' : 'MISS');

/**
 * Parses a whole number ≥ `min` given as a flag.
 * @param {unknown} raw @param {string} name @param {number} [min]
 */
export function int(raw, name, min = 1) {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} "${raw}": expected a whole number ≥ ${min}`);
  return n;
}
