import { request } from 'node:http';
import { parseCurl, sendCurl } from './curl.js';
import { ProtocolAgent } from './protocol-agent.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './server.js';
import { fill } from './vendor-examples.js';

/**
 * A server for vendor contract tests: plans and environments of two projects, keys of several
 * kinds, and a protocol agent that answers every job (`drain`): discovery lists KEYS, a scenario
 * whose key says "fails" fails, the rest pass.
 */
export const VENDOR_FILE = `
environments:
  chrome: { platform: web }
  pixel: { platform: android, labels: [android] }
  iphone: { platform: ios, labels: [ios] }
  safari: { platform: web, labels: [mac] }
plans:
  checkout:
    description: Checkout flows
    framework: command
    environments: [chrome, pixel, iphone]
    profiles:
      fast: { environments: [chrome, pixel], retries: 0 }
  green: { framework: command, environments: [chrome] }
  mobile: { framework: command, environments: [pixel, iphone] }
  rerunnable: { framework: command, environments: [chrome, pixel] }
  exclusive: { framework: command, environments: [chrome], concurrency: skip }
  mac-only: { framework: command, environments: [chrome, safari] }
  serial: { framework: command, environments: [chrome], concurrency: queue }
  limited: { framework: command, environments: [safari], run_timeout: 1s }
`;
const OTHER = 'project: elsewhere\nenvironments:\n  e: {}\nplans:\n  far: { framework: command, environments: [e] }\n';
export const KEYS = ['a/one.test > works', 'a/one.test > fails', 'b/two.test > works too'];

export interface VendorFixture {
  s: TestServer;
  agent: ProtocolAgent;
  plans: Record<string, { id: number; uuid: string; projectId: number }>;
  envs: Record<string, number>;
  tokens: Record<'reader' | 'runner' | 'writer' | 'outsider', string>;
  /** Answers every claimable job until none is left. `passing` plans' scenarios all pass. */
  drain(passing?: readonly string[]): Promise<void>;
  /** A document's curl line, sent as printed with our base URL, token and values. */
  curl(line: string, values?: Record<string, string | number>, token?: string): ReturnType<typeof sendCurl>;
  send(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: string; type?: string; headers?: Record<string, string> },
  ): ReturnType<typeof sendCurl>;
  /** One request over node:http, which (unlike fetch) sends a body with a GET, as curl -X GET -d does. */
  raw(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startVendorFixture(
  dialect: 'sqlite' | 'postgres',
  opts: { env?: Record<string, string> } = {},
): Promise<VendorFixture> {
  const s = await startTestServer(dialect, {
    start: { settings: { processOverheadMs: 0 } },
    ...(opts.env ? { env: opts.env } : {}),
  });
  for (const file of [VENDOR_FILE, OTHER]) {
    const r = await s.api('POST', '/api/v1/apply', file);
    if (r.status !== 200) throw new Error(`apply failed: ${JSON.stringify(r.body)}`);
  }
  const agent = await ProtocolAgent.register(s, ['android', 'ios'], 8);
  const plans: VendorFixture['plans'] = {};
  for (const p of (await s.api('GET', '/api/v1/plans')).body.items)
    plans[p.name] = { id: p.id, uuid: p.uuid, projectId: p.project_id };
  const envs: Record<string, number> = {};
  for (const e of (await s.api('GET', '/api/v1/environments')).body.items) envs[e.name] = e.id;
  const key = async (name: string, body: object) =>
    (await s.api('POST', '/api/v1/keys', { name, ...body })).body.token as string;
  const tokens = {
    reader: await key('reader', { authorities: ['PLAN_READ'] }),
    runner: await key('runner', { user: 'ci-bot', authorities: ['PLAN_READ', 'PLAN_RUN'] }),
    writer: await key('writer', { authorities: ['PLAN_READ', 'PLAN_WRITE'] }),
    outsider: await key('outsider', { authorities: ['PLAN_READ', 'PLAN_RUN', 'PLAN_WRITE'], projects: ['elsewhere'] }),
  };
  const planOfRun = new Map<number, string>();
  async function drain(passing: readonly string[] = []): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const jobs = await agent.claim(8);
      if (jobs.length === 0) return;
      for (const job of jobs) {
        if (!planOfRun.has(job.run_id))
          planOfRun.set(job.run_id, (await s.api('GET', `/api/v1/runs/${job.run_id}`)).body.plan.name);
        const green = passing.includes(planOfRun.get(job.run_id)!);
        if (job.kind === 'discover') await agent.discover(job, KEYS);
        else await agent.execute(job, (k) => (k.includes('fails') && !green ? 'failed' : 'passed'));
      }
    }
  }
  const send: VendorFixture['send'] = (method, path, o = {}) => {
    const token = o.token === undefined ? ADMIN_TOKEN : o.token;
    return sendCurl({
      method,
      url: `${s.url}${path}`,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(o.type ? { 'content-type': o.type } : {}),
        ...o.headers,
      },
      body: o.body,
    });
  };
  return {
    s,
    agent,
    plans,
    envs,
    tokens,
    drain,
    curl: (line, values = {}, token = ADMIN_TOKEN) => sendCurl(parseCurl(fill(line, s.url, token, values))),
    send,
    raw: (method, path, headers, body) =>
      new Promise((resolve, reject) => {
        const req = request(
          `${s.url}${path}`,
          {
            method,
            headers: {
              authorization: `Bearer ${ADMIN_TOKEN}`,
              'content-length': String(Buffer.byteLength(body)),
              ...headers,
            },
          },
          (res) => {
            let text = '';
            res
              .setEncoding('utf8')
              .on('data', (c: string) => (text += c))
              .on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => s.close(),
  };
}
