import { pino } from 'pino';
import { loadConfig, type ServerConfig } from '../../src/server/config.js';
import type { StartOptions } from '../../src/server/start.js';
import { serve, type Proctor } from '../../src/serve.js';
import { dropTarget, freshTarget, type DialectTarget } from './dialects.js';

export const ADMIN_TOKEN = 'pk_0123456789_testadmintokentestadmintoken';

export interface TestServer {
  proctor: Proctor;
  url: string;
  target: DialectTarget;
  config: ServerConfig;
  /** fetch against the server with the admin key (or `token`), parsing JSON. */
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

/** Starts a real server (and, unless disabled, its local agent) on a fresh database of the dialect. */
export async function startTestServer(
  dialect: 'sqlite' | 'postgres',
  opts: {
    localAgent?: boolean;
    slots?: number;
    workdir?: string;
    start?: StartOptions;
    env?: Record<string, string>;
    target?: DialectTarget;
  } = {},
): Promise<TestServer> {
  // Several servers on one target are replicas of one deployment; only a fresh target is dropped at close.
  const target = opts.target ?? freshTarget(dialect);
  const owned = opts.target === undefined;
  const config = loadConfig({
    env: { ...opts.env },
    flags: {
      port: 0,
      host: '127.0.0.1',
      dataDir: target.dataDir,
      databaseUrl: target.databaseUrl,
      localAgent: opts.localAgent ?? false,
      localSlots: opts.slots ?? 2,
      workdir: opts.workdir ?? process.cwd(),
      adminToken: ADMIN_TOKEN,
      logLevel: 'silent',
    },
  });
  const logger = pino({ level: process.env.PROCTOR_TEST_LOG ?? 'silent' });
  // Tests never resolve real host names: a callback or webhook URL naming one fails like an unknown host.
  const webhooks = {
    ...opts.start?.webhooks,
    transport: { lookup: offlineLookup, ...opts.start?.webhooks?.transport },
  };
  const proctor = await serve(config, logger, {
    ...opts.start,
    webhooks,
    ...(target.schema ? { schema: target.schema } : {}),
  });
  const url = proctor.server.url;
  return {
    proctor,
    url,
    target,
    config,
    api: (method, path, body, o = {}) =>
      requestJson(url, method, path, body, o.token === undefined ? ADMIN_TOKEN : o.token, o.headers),
    async close() {
      await proctor.close();
      if (owned) await dropTarget(target);
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time is up; for waiting on real work. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until a run has ended (completed or cancelled) and returns it as the API shows it. */
export async function runEnded(s: TestServer, id: number, timeoutMs = 60_000, everyMs = 100): Promise<any> {
  return eventually(
    async () => {
      const r = (await s.api('GET', `/api/v1/runs/${id}`)).body;
      return r.status === 'completed' || r.status === 'cancelled' ? r : undefined;
    },
    timeoutMs,
    everyMs,
  );
}

/** A DNS lookup that knows only `localhost`, so no test sends a query outside the machine. */
export async function offlineLookup(host: string): Promise<{ address: string; family: number }[]> {
  if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (tests resolve no host names)`), { code: 'ENOTFOUND' });
}

/** One API call: a string body goes as YAML, anything else as JSON; a JSON answer is parsed. */
export async function requestJson<T = any>(
  base: string,
  method: string,
  path: string,
  body: unknown,
  token: string | null,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined
        ? { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' }
        : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a text body
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}
