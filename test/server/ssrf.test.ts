import { EventEmitter } from 'node:events';
import { createServer, type ClientRequest, type RequestOptions } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vettedDownload, type DownloadTransport } from '../../src/agent/vetted-download.js';
import { AddressPolicy } from '../../src/domain/address-policy.js';
import { OutboundRefusedError } from '../../src/domain/outbound-target.js';
import { outboundUrlProblem } from '../../src/domain/outbound-url.js';
import { defaultTransport, postWebhook, type WebhookTransport } from '../../src/queue/webhook-transport.js';
import { countingListener, type CountingListener } from '../support/counting-listener.js';
import { describeEachDialect } from '../support/dialects.js';
import {
  LOOPBACK_HOSTS,
  PRIVATE_HOSTS,
  REFUSED_NAMES,
  UNPARSEABLE_URLS,
  tableLookup,
  urlOf,
} from '../support/refused-addresses.js';
import { eventually, startTestServer, type TestServer } from '../support/server.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const REFUSAL = /^refused: .* (is|resolves to) an? .*\(allow it with PROCTOR_OUTBOUND_ALLOW_PRIVATE\)$/;

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
      const req = Object.assign(new EventEmitter(), {
        end: () => setImmediate(() => req.emit('error', new Error('stub: no network'))),
        destroy: () => undefined,
      });
      return req as unknown as ClientRequest;
    },
    timeoutMs: 1000,
    maxResponseBytes: 64 * 1024,
  };
  return { transport, lookups, connects };
}

const PRIVATE = [
  '169.254.169.254',
  '10.0.0.1',
  '192.168.1.1',
  '172.16.0.1',
  '127.0.0.1',
  '0.0.0.0',
  '100.64.0.1',
  '::1',
  'fd00::1',
  'fe80::1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '::',
];
const literal = (ip: string) => (ip.includes(':') ? `http://[${ip}]:8080/hook` : `http://${ip}:8080/hook`);
const send = (t: WebhookTransport, url: string, policy = new AddressPolicy()) =>
  postWebhook(t, policy, url, { 'webhook-id': 'msg_1' }, '{}', Date.now());

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
    const stub = stubTransport({
      'metadata.example': ['169.254.169.254'],
      'internal.example': ['10.0.0.7'],
      'mixed.example': ['93.184.216.34', '192.168.1.1'],
      'v6.example': ['fd00::1'],
    });
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
    const pinned = await new Promise<unknown[]>((resolve) =>
      (options.lookup as Function)('hooks.example', {}, (...args: unknown[]) => resolve(args)),
    );
    expect(pinned).toEqual([null, '93.184.216.34', 4]);
  });

  it('really connects to the pinned address, with the name in the Host header', async () => {
    const rx = await new WebhookReceiver().start();
    try {
      rx.answer = () => ({ status: 202, headers: { 'x-big': 'y' } });
      const t: WebhookTransport = {
        ...defaultTransport(),
        lookup: async (host) => (host === 'receiver.test' ? [{ address: '127.0.0.1', family: 4 }] : []),
      };
      const r = await postWebhook(
        t,
        new AddressPolicy(['127.0.0.0/8']),
        `http://receiver.test:${rx.port}/in`,
        { 'webhook-id': 'msg_1' },
        '{"a":1}',
        Date.now(),
      );
      expect(r).toEqual({ kind: 'delivered', status: 202 });
      expect(rx.received[0]).toMatchObject({
        path: '/in',
        body: '{"a":1}',
        headers: { host: `receiver.test:${rx.port}`, 'webhook-id': 'msg_1' },
      });
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
      const r = await postWebhook(
        t,
        new AddressPolicy(['127.0.0.0/8']),
        `http://127.0.0.1:${port}/`,
        {},
        '{}',
        Date.now(),
      );
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
    expect(outboundUrlProblem('ftp://example.com/x', policy)).toMatch(/http/);
    expect(outboundUrlProblem('http://user:pw@example.com/', policy)).toMatch(/credentials/);
    expect(outboundUrlProblem('not a url', policy)).toMatch(/URL/);
    // The URL parser turns these spellings of 127.0.0.1 into the address itself.
    for (const u of [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::ffff:7f00:1]/',
      'http://169.254.169.254/latest/meta-data',
    ])
      expect(outboundUrlProblem(u, policy), u).not.toBeNull();
    expect(outboundUrlProblem('https://hooks.example.com/in?x=1', policy)).toBeNull();
    expect(outboundUrlProblem('http://127.0.0.1:9/x', policy)).toMatch(/PROCTOR_OUTBOUND_ALLOW_PRIVATE/);
  });

  it('refuses every spelling of a loopback, private, reserved or IPv4-carrying address, and allows public ones', () => {
    const policy = new AddressPolicy();
    for (const host of [...LOOPBACK_HOSTS, ...PRIVATE_HOSTS])
      expect(outboundUrlProblem(urlOf(host, 8080), policy), host).toMatch(/ is an? .*(address|identifier)/);
    for (const url of UNPARSEABLE_URLS)
      expect(outboundUrlProblem(url, policy), url).toBe('expected an absolute http(s) URL');
    for (const ip of ['93.184.216.34', '2606:2800:220:1::', '::ffff:93.184.216.34', '8.8.8.8', '2001:4860:4860::8888'])
      expect(policy.refusal(ip), ip).toBeNull();
    // An allowed IPv4 range covers that range's mapped spelling, never its IPv4-carrying IPv6 forms.
    const loopback = new AddressPolicy(['127.0.0.0/8']);
    expect(loopback.refusal('::ffff:127.0.0.1')).toBeNull();
    for (const ip of [
      '::ffff:0:127.0.0.1',
      '64:ff9b::7f00:1',
      '64:ff9b:1::7f00:1',
      '2002:7f00:1::1',
      '::127.0.0.1',
      '2001:0:4136:e378:8000:63bf:80ff:fffe',
      '::1',
    ])
      expect(loopback.refusal(ip), ip).not.toBeNull();
    expect(new AddressPolicy(['::ffff:127.0.0.0/104']).refusal('127.0.0.1')).toBeNull();
  });
});

/** The listeners of a describe block: the target on 127.0.0.1, and 127.0.0.2 for where a redirect points. */
function useListeners(): { l: CountingListener; other: CountingListener } {
  const ls = {} as { l: CountingListener; other: CountingListener };
  beforeAll(async () => {
    ls.l = await countingListener();
    ls.other = await countingListener('127.0.0.2');
  });
  afterAll(async () => {
    await ls.l?.close();
    await ls.other?.close();
  });
  return ls;
}

describe('webhooks and callbacks under the policy, against a real listener', () => {
  const ls = useListeners();
  const transport = (): WebhookTransport => ({
    ...defaultTransport(),
    lookup: tableLookup(REFUSED_NAMES),
    timeoutMs: 3000,
  });

  it("refuses every spelling of the listener's address, and every name resolving to a refused address: 0 hits", async () => {
    for (const host of [...LOOPBACK_HOSTS, ...PRIVATE_HOSTS, ...Object.keys(REFUSED_NAMES)]) {
      const r = await postWebhook(
        transport(),
        new AddressPolicy(),
        urlOf(host, ls.l.port, '/hook'),
        {},
        '{}',
        Date.now(),
      );
      expect(r, host).toMatchObject({ kind: 'refused', error: expect.stringMatching(REFUSAL) });
    }
    for (const url of UNPARSEABLE_URLS)
      expect((await postWebhook(transport(), new AddressPolicy(), url, {}, '{}', Date.now())).kind, url).toBe(
        'refused',
      );
    expect(ls.l.hits).toEqual([]);
    // The message names the host and the kind of address, never what a name resolved to.
    const named = await postWebhook(
      transport(),
      new AddressPolicy(),
      urlOf('rebind.test', ls.l.port),
      {},
      '{}',
      Date.now(),
    );
    expect(named).toEqual({
      kind: 'refused',
      error: 'refused: rebind.test resolves to a loopback address (allow it with PROCTOR_OUTBOUND_ALLOW_PRIVATE)',
    });
  });

  it('does not follow a redirect: a 302 is a failed attempt and its target sees nothing', async () => {
    ls.l.answer = (_path, res) => void res.writeHead(302, { location: ls.other.url('/stolen') }).end();
    try {
      const r = await postWebhook(
        transport(),
        new AddressPolicy(['127.0.0.0/8']),
        ls.l.url('/hook'),
        {},
        '{}',
        Date.now(),
      );
      expect(r).toMatchObject({ kind: 'failed', status: 302 });
      expect(ls.l.hits.map((h) => h.path)).toEqual(['/hook']);
      expect(ls.other.hits).toEqual([]);
    } finally {
      ls.l.reset();
    }
  });
});

describe('app build downloads on the agent under the policy', () => {
  const ls = useListeners();
  const t: DownloadTransport = {
    lookup: tableLookup({ ...REFUSED_NAMES, 'builds.test': ['127.0.0.1'], 'mirror.test': ['127.0.0.2'] }),
    maxRedirects: 5,
    idleMs: 5000,
  };
  /** The download's body, or the error it threw and whether it was a refusal. */
  const download = async (url: string, policy: AddressPolicy) => {
    try {
      const res = await vettedDownload(url, policy, AbortSignal.timeout(10_000), t);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return { body: Buffer.concat(chunks).toString() };
    } catch (e) {
      return { error: (e as Error).message, refused: e instanceof OutboundRefusedError };
    }
  };
  const reset = () => {
    ls.l.reset();
    ls.other.reset();
  };

  it("refuses every spelling of the listener's address, and every name resolving to a refused address: 0 hits", async () => {
    for (const host of [...LOOPBACK_HOSTS, ...PRIVATE_HOSTS, ...Object.keys(REFUSED_NAMES)]) {
      const r = await download(urlOf(host, ls.l.port, '/shop.apk'), new AddressPolicy());
      expect(r, host).toEqual({ error: expect.stringMatching(REFUSAL), refused: true });
    }
    for (const url of UNPARSEABLE_URLS) expect((await download(url, new AddressPolicy())).refused, url).toBe(true);
    expect(ls.l.hits).toEqual([]);
  });

  it('downloads from an allowed address, following redirects itself, without credentials', async () => {
    reset();
    ls.l.answer = (path, res) =>
      void (path === '/shop.apk'
        ? res.writeHead(200).end('build bytes')
        : res.writeHead(302, { location: path === '/a' ? '/b' : `http://builds.test:${ls.l.port}/shop.apk` }).end());
    expect(await download(ls.l.url('/a'), new AddressPolicy(['127.0.0.1/32']))).toEqual({ body: 'build bytes' });
    expect(ls.l.hits.map((h) => h.path)).toEqual(['/a', '/b', '/shop.apk']);
    expect(ls.l.hits.every((h) => h.headers.authorization === undefined && h.headers.cookie === undefined)).toBe(true);
    // The name was vetted, then connected to by address; the Host header keeps the name.
    expect(ls.l.hits[2]!.headers.host).toBe(`builds.test:${ls.l.port}`);
  });

  it('refuses a redirect from an allowed host to a refused address at that hop: its target sees nothing', async () => {
    const policy = new AddressPolicy(['127.0.0.1/32']);
    const targets = [
      ls.other.url('/stolen'),
      `http://mirror.test:${ls.other.port}/stolen`,
      `http://[::ffff:0:127.0.0.2]:${ls.other.port}/`,
      `http://[::ffff:127.0.0.2]:${ls.other.port}/`,
      'http://169.254.169.254/latest/meta-data/',
      `http://internal.test:${ls.l.port}/`,
      `http://translated.test:${ls.l.port}/`,
    ];
    for (const target of targets) {
      reset();
      ls.l.answer = (_path, res) => void res.writeHead(302, { location: target }).end('secret body');
      const r = await download(ls.l.url('/start'), policy);
      expect(r, target).toEqual({
        error: expect.stringMatching(/^refused \(redirect 1\): .*\(allow it with PROCTOR_OUTBOUND_ALLOW_PRIVATE\)$/),
        refused: true,
      });
      expect(r.error).not.toContain('secret body');
      expect(ls.l.hits, target).toHaveLength(1);
      expect(ls.other.hits, target).toEqual([]);
    }
    reset();
  });

  it("gives up after 5 redirects, and says an answer's status without its body", async () => {
    reset();
    ls.l.answer = (path, res) => void res.writeHead(302, { location: `/r${Number(path.slice(2) || 0) + 1}` }).end();
    expect(await download(ls.l.url('/r0'), new AddressPolicy(['127.0.0.1/32']))).toEqual({
      error: '127.0.0.1 redirected more than 5 times',
      refused: false,
    });
    expect(ls.l.hits).toHaveLength(6);
    reset();
    ls.l.answer = (_path, res) => void res.writeHead(404).end('internal detail');
    expect(await download(ls.l.url('/gone'), new AddressPolicy(['127.0.0.1/32']))).toEqual({
      error: '127.0.0.1 answered 404',
      refused: false,
    });
    reset();
  });
});

describeEachDialect('callback URLs and the address policy', (dialect) => {
  let s: TestServer;
  const stub = stubTransport({ 'metadata.internal': ['169.254.169.254'], 'intranet.example': ['10.0.0.1'] });
  beforeAll(async () => {
    s = await startTestServer(dialect, {
      start: {
        webhooks: { everyMs: 30, transport: { lookup: stub.transport.lookup, request: stub.transport.request } },
      },
    });
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p:\n    framework: command\n    environments: [e]\n',
    );
  });
  afterAll(() => s?.close());

  it('refuses a trigger whose callback_url is not http(s) or is a literal private address (400 naming callback_url)', async () => {
    for (const url of [
      'ftp://example.com/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://192.168.1.1/',
      'http://172.16.0.1/',
      'http://[::1]:8080/',
      'http://[fd00::1]/',
      'http://[::ffff:10.0.0.1]/',
    ]) {
      const r = await s.api('POST', '/api/v1/plans/p/runs', { callback_url: url });
      expect(r.status, url).toBe(400);
      expect(r.body.error.message, url).toMatch(/^callback_url: /);
    }
    const w = await s.api('POST', '/api/v1/webhooks', { url: 'http://192.168.1.1/hook' });
    expect(w.status).toBe(400);
    expect(w.body.error.message).toMatch(/^url: /);
  });

  it('refuses every spelling of a refused address as a webhook, a callback_url and an app build URL (400 naming the field)', async () => {
    const builds = (await s.api('GET', '/api/v1/app-builds?limit=500')).body.items.length;
    const runs = (await s.api('GET', '/api/v1/runs?limit=500')).body.items.length;
    for (const url of [
      ...[...LOOPBACK_HOSTS, ...PRIVATE_HOSTS].map((h) => urlOf(h, 8080, '/x')),
      ...UNPARSEABLE_URLS,
    ]) {
      const hook = await s.api('POST', '/api/v1/webhooks', { url });
      expect([hook.status, hook.body.error?.message], url).toEqual([400, expect.stringMatching(/^url: /)]);
      const run = await s.api('POST', '/api/v1/plans/p/runs', { callback_url: url });
      // The schema's "uri" format already refuses a few spellings (full-width digits) as body.callback_url.
      expect([run.status, run.body.error?.message], url).toEqual([
        400,
        expect.stringMatching(/^(body\.)?callback_url: /),
      ]);
      const build = await s.api('POST', '/api/v1/app-builds?name=shop&version=1', { url });
      expect([build.status, build.body.error?.message], url).toEqual([400, expect.stringMatching(/^body\.url: /)]);
    }
    const literal = await s.api('POST', '/api/v1/app-builds?name=shop&version=1', {
      url: 'http://[::ffff:0:127.0.0.1]/shop.apk',
    });
    expect(literal.body.error).toMatchObject({
      message:
        'body.url: ::ffff:0:7f00:1 is an IPv4-translated address (it may carry a private IPv4 address); Proctor does not call such addresses unless an administrator allows them (PROCTOR_OUTBOUND_ALLOW_PRIVATE)',
      details: [{ path: 'body.url', message: expect.stringMatching(/^::ffff:0:7f00:1 is an IPv4-translated/) }],
    });
    expect((await s.api('GET', '/api/v1/app-builds?limit=500')).body.items.length).toBe(builds);
    expect((await s.api('GET', '/api/v1/runs?limit=500')).body.items.length).toBe(runs);
  });

  it('refuses, without connecting, callbacks and webhooks whose host resolves to a private address', async () => {
    const hook = await s.api('POST', '/api/v1/webhooks', {
      url: 'https://intranet.example/hook',
      events: ['run.queued'],
    });
    expect(hook.status).toBe(201);
    const run = await s.api('POST', '/api/v1/plans/p/runs', {
      callback_url: 'http://metadata.internal/latest/meta-data',
    });
    expect(run.status).toBe(202);
    const db = s.proctor.server.store.db;
    const rows = await eventually(async () => {
      const r = await db
        .selectFrom('webhook_deliveries')
        .select(['target', 'status', 'last_error'])
        .where('run_id', '=', run.body.id)
        .execute();
      return r.length >= 2 && r.every((d) => d.status === 'failed') ? r : undefined;
    }, 15_000);
    // The host, the kind of address and the setting; not the address a name resolved to.
    expect(rows.find((d) => d.target === 'callback')!.last_error).toBe(
      'refused: metadata.internal resolves to a link-local (cloud metadata) address (allow it with PROCTOR_OUTBOUND_ALLOW_PRIVATE)',
    );
    const deliveries = (await s.api('GET', `/api/v1/webhooks/${hook.body.webhook.id}/deliveries`)).body.items;
    expect(deliveries[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error:
        'refused: intranet.example resolves to a private address (allow it with PROCTOR_OUTBOUND_ALLOW_PRIVATE)',
    });
    expect(stub.lookups).toContain('metadata.internal');
    expect(stub.connects).toEqual([]);
  });
});
