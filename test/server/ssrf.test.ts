import { EventEmitter } from 'node:events';
import { createServer, type ClientRequest, type RequestOptions } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy } from '../../src/domain/address-policy.js';
import { webhookUrlProblem } from '../../src/domain/webhook-url.js';
import { defaultTransport, postWebhook, type WebhookTransport } from '../../src/queue/webhook-transport.js';
import { describeEachDialect } from '../support/dialects.js';
import { eventually, startTestServer, type TestServer } from '../support/server.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/** A transport whose lookup answers from a table and whose connecting function only records calls. */
function stubTransport(dns: Record<string, string[]>) {
  const lookups: string[] = [];
  const connects: { url: URL; options: RequestOptions }[] = [];
  const transport: WebhookTransport = {
    lookup: async (host) => {
      lookups.push(host);
      const addresses = dns[host];
      if (!addresses) throw new Error(`ENOTFOUND ${host}`);
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    request: (url, options) => {
      connects.push({ url, options });
      // Never connects: the request fails as soon as it is sent.
      const req = Object.assign(new EventEmitter(), { end: () => setImmediate(() => req.emit('error', new Error('stub: no network'))), destroy: () => undefined });
      return req as unknown as ClientRequest;
    },
    timeoutMs: 1000,
    maxResponseBytes: 64 * 1024,
  };
  return { transport, lookups, connects };
}

const PRIVATE = ['169.254.169.254', '10.0.0.1', '192.168.1.1', '172.16.0.1', '127.0.0.1', '0.0.0.0', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::'];
const literal = (ip: string) => (ip.includes(':') ? `http://[${ip}]:8080/hook` : `http://${ip}:8080/hook`);
const send = (t: WebhookTransport, url: string, policy = new AddressPolicy()) => postWebhook(t, policy, url, { 'webhook-id': 'msg_1' }, '{}', Date.now());

describe('outbound address policy', () => {
  it('refuses literal private, loopback, link-local, unique-local, metadata and mapped addresses before any connection', async () => {
    for (const ip of PRIVATE) {
      const stub = stubTransport({});
      const r = await send(stub.transport, literal(ip));
      expect(r.kind, ip).toBe('refused');
      expect(stub.connects, ip).toEqual([]);
      expect(stub.lookups, ip).toEqual([]);
    }
  });

  it('refuses a host name that resolves to a private address, or to a public and a private one', async () => {
    const stub = stubTransport({ 'metadata.example': ['169.254.169.254'], 'internal.example': ['10.0.0.7'], 'mixed.example': ['93.184.216.34', '192.168.1.1'], 'v6.example': ['fd00::1'] });
    for (const host of ['metadata.example', 'internal.example', 'mixed.example', 'v6.example']) {
      const r = await send(stub.transport, `https://${host}/hook`);
      expect(r, host).toMatchObject({ kind: 'refused', error: expect.stringContaining(host) });
    }
    expect(stub.lookups).toEqual(['metadata.example', 'internal.example', 'mixed.example', 'v6.example']);
    expect(stub.connects).toEqual([]);
  });

  it('connects to a public address, pinned to the address it vetted, keeping the host name for Host and TLS', async () => {
    const stub = stubTransport({ 'hooks.example': ['93.184.216.34'] });
    const r = await send(stub.transport, 'https://hooks.example/in');
    expect(r.kind).toBe('failed');
    expect(stub.connects).toHaveLength(1);
    const { url, options } = stub.connects[0]!;
    expect(url.hostname).toBe('hooks.example');
    const pinned = await new Promise<unknown[]>((resolve) => (options.lookup as Function)('hooks.example', {}, (...args: unknown[]) => resolve(args)));
    expect(pinned).toEqual([null, '93.184.216.34', 4]);
  });

  it('really connects to the pinned address, with the name in the Host header', async () => {
    const rx = await new WebhookReceiver().start();
    try {
      rx.answer = () => ({ status: 202, headers: { 'x-big': 'y' } });
      const t: WebhookTransport = { ...defaultTransport(), lookup: async (host) => (host === 'receiver.test' ? [{ address: '127.0.0.1', family: 4 }] : []) };
      const r = await postWebhook(t, new AddressPolicy(['127.0.0.0/8']), `http://receiver.test:${rx.port}/in`, { 'webhook-id': 'msg_1' }, '{"a":1}', Date.now());
      expect(r).toEqual({ kind: 'delivered', status: 202 });
      expect(rx.received[0]).toMatchObject({ path: '/in', body: '{"a":1}', headers: { host: `receiver.test:${rx.port}`, 'webhook-id': 'msg_1' } });
    } finally {
      await rx.stop();
    }
  });

  it('reads at most 64 KiB of an answer and does not wait for the rest', async () => {
    // Answers 200 with an endless body: only the cap can end the attempt before its timeout.
    const server = createServer((_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(200 * 1024, 'x'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (server.address() as { port: number }).port;
      const t: WebhookTransport = { ...defaultTransport(), timeoutMs: 20_000 };
      const r = await postWebhook(t, new AddressPolicy(['127.0.0.0/8']), `http://127.0.0.1:${port}/`, {}, '{}', Date.now());
      expect(r).toEqual({ kind: 'delivered', status: 200 });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('lets an administrator allow ranges, and nothing else', async () => {
    const policy = new AddressPolicy(['127.0.0.0/8']);
    for (const ip of ['127.0.0.1', '::ffff:127.0.0.1']) expect(policy.refusal(ip), ip).toBeNull();
    for (const ip of ['10.0.0.1', '::1', '169.254.169.254']) expect(policy.refusal(ip), ip).not.toBeNull();
    const stub = stubTransport({});
    expect((await send(stub.transport, 'http://127.0.0.1:9/x', policy)).kind).toBe('failed');
    expect(stub.connects).toHaveLength(1);
  });

  it('checks URLs before they are stored: scheme, credentials, literal addresses', () => {
    const policy = new AddressPolicy();
    expect(webhookUrlProblem('ftp://example.com/x', policy)).toMatch(/http/);
    expect(webhookUrlProblem('http://user:pw@example.com/', policy)).toMatch(/credentials/);
    expect(webhookUrlProblem('not a url', policy)).toMatch(/URL/);
    // The URL parser turns these spellings of 127.0.0.1 into the address itself.
    for (const u of ['http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:7f00:1]/', 'http://169.254.169.254/latest/meta-data']) expect(webhookUrlProblem(u, policy), u).not.toBeNull();
    expect(webhookUrlProblem('https://hooks.example.com/in?x=1', policy)).toBeNull();
  });
});

describeEachDialect('callback URLs and the address policy', (dialect) => {
  let s: TestServer;
  const stub = stubTransport({ 'metadata.internal': ['169.254.169.254'], 'intranet.example': ['10.0.0.1'] });
  beforeAll(async () => {
    s = await startTestServer(dialect, { start: { webhooks: { everyMs: 30, transport: { lookup: stub.transport.lookup, request: stub.transport.request } } } });
    await s.api('POST', '/api/v1/apply', 'environments:\n  e: {}\nplans:\n  p:\n    framework: command\n    environments: [e]\n');
  });
  afterAll(() => s?.close());

  it('refuses a trigger whose callback_url is not http(s) or is a literal private address (400 naming callback_url)', async () => {
    for (const url of ['ftp://example.com/x', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://192.168.1.1/', 'http://172.16.0.1/', 'http://[::1]:8080/', 'http://[fd00::1]/', 'http://[::ffff:10.0.0.1]/']) {
      const r = await s.api('POST', '/api/v1/plans/p/runs', { callback_url: url });
      expect(r.status, url).toBe(400);
      expect(r.body.error.message, url).toMatch(/^callback_url: /);
    }
    const w = await s.api('POST', '/api/v1/webhooks', { url: 'http://192.168.1.1/hook' });
    expect(w.status).toBe(400);
    expect(w.body.error.message).toMatch(/^url: /);
  });

  it('refuses, without connecting, callbacks and webhooks whose host resolves to a private address', async () => {
    const hook = await s.api('POST', '/api/v1/webhooks', { url: 'https://intranet.example/hook', events: ['run.queued'] });
    expect(hook.status).toBe(201);
    const run = await s.api('POST', '/api/v1/plans/p/runs', { callback_url: 'http://metadata.internal/latest/meta-data' });
    expect(run.status).toBe(202);
    const db = s.proctor.server.store.db;
    const rows = await eventually(async () => {
      const r = await db.selectFrom('webhook_deliveries').select(['target', 'status', 'last_error']).where('run_id', '=', run.body.id).execute();
      return r.length >= 2 && r.every((d) => d.status === 'failed') ? r : undefined;
    }, 15_000);
    expect(rows.find((d) => d.target === 'callback')!.last_error).toMatch(/refused before connecting: metadata\.internal resolves to 169\.254\.169\.254/);
    const deliveries = (await s.api('GET', `/api/v1/webhooks/${hook.body.webhook.id}/deliveries`)).body.items;
    expect(deliveries[0]).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/10\.0\.0\.1 is a private address/) });
    expect(stub.lookups).toContain('metadata.internal');
    expect(stub.connects).toEqual([]);
  });
});
