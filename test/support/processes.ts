import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import pg from 'pg';
import { ADMIN_TOKEN, eventually, requestJson } from './server.js';
import { TEST_DATABASE_URL } from './dialects.js';

const MAIN = resolve('dist/main.js');
/** Our own variables and a parent test runner's never leak into the processes under test. */
const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('PROCTOR_') && !k.startsWith('VITEST')),
);

export async function freePort(): Promise<number> {
  return new Promise((done) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => done(port));
    });
  });
}

/** A fresh PostgreSQL database for a spawned server (which takes a URL, not a schema). */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `proctor_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface SpawnedServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Kills the server at once (SIGKILL) and starts it again on the same port and database. */
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

/** A real `proctor serve` process; without an embedded agent unless `args` say otherwise (they replace `--no-local-agent`). */
export async function spawnServer(opts: {
  dataDir: string;
  databaseUrl?: string;
  env?: Record<string, string>;
  args?: string[];
}): Promise<SpawnedServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  let child: ChildProcess;
  const start = async () => {
    const args = opts.args ?? ['--no-local-agent'];
    child = spawn(
      process.execPath,
      [
        MAIN,
        'serve',
        ...args,
        '--port',
        String(port),
        '--data-dir',
        opts.dataDir,
        '--log-level',
        'warn',
        ...(opts.databaseUrl ? ['--database-url', opts.databaseUrl] : []),
      ],
      {
        env: { ...CLEAN_ENV, PROCTOR_ADMIN_TOKEN: ADMIN_TOKEN, ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await eventually(
      async () => ((await fetch(`${url}/api/health`).catch(() => null))?.ok ? true : undefined),
      30_000,
      100,
    );
  };
  await start();
  const exited = () =>
    new Promise<void>((r) =>
      child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
    );
  return {
    url,
    get child() {
      return child;
    },
    output: () => out,
    async crashAndRestart() {
      child.kill('SIGKILL');
      await exited();
      await start();
    },
    async stop() {
      child.kill('SIGTERM');
      await exited();
    },
  };
}

/** A real `proctor agent` process. */
export function spawnAgent(opts: {
  server: string;
  token: string;
  labels?: string[];
  slots?: number;
  workdir: string;
  name?: string;
  drainS?: number;
}): ChildProcess & { output: () => string } {
  let out = '';
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'agent',
      '--server',
      opts.server,
      '--token',
      opts.token,
      '--labels',
      (opts.labels ?? []).join(','),
      '--slots',
      String(opts.slots ?? 1),
      '--workdir',
      opts.workdir,
      '--name',
      opts.name ?? 'test-agent',
      ...(opts.drainS !== undefined ? ['--drain', String(opts.drainS)] : []),
    ],
    { env: { ...CLEAN_ENV, PROCTOR_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

/** Calls the API of a spawned server as the admin. */
export function adminApi<T = any>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return requestJson<T>(url, method, path, body, ADMIN_TOKEN);
}

/**
 * Runs the real `proctor` binary against `server` with `token` and no saved profile (`home` is an
 * empty config directory), resolving with its exit code and output. Asynchronous on purpose: a
 * server started in the test's own process must keep answering.
 */
export function proctorCli(
  args: string[],
  conn: { server: string; token: string; home: string },
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: {
      ...process.env,
      PROCTOR_URL: conn.server,
      PROCTOR_TOKEN: conn.token,
      XDG_CONFIG_HOME: conn.home,
      VITEST: undefined,
      VITEST_POOL_ID: undefined,
      VITEST_WORKER_ID: undefined,
      ...env,
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((done) => child.on('close', (code) => done({ code, out, err })));
}
