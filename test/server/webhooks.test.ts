import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/domain/webhook-signature.js';
import { messageId } from '../../src/storage/webhook-deliveries.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { eventually, startTestServer, type TestServer } from '../support/server.js';
import { WebhookReceiver, type ReceivedRequest } from '../support/webhook-receiver.js';

const KEYS = ['a.test > one', 'a.test > two', 'b.test > three'];
const HOUR = 3_600_000;

describeEachDialect('callbacks and webhooks', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  let now = Date.now();
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    s = await startTestServer(dialect, {
      env: { PROCTOR_WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8' },
      start: { clock: () => now, webhooks: { everyMs: 30 }, settings: { processOverheadMs: 0 } },
    });
    agent = await ProtocolAgent.register(s, []);
  });
  afterAll(async () => {
    await s?.close();
    for (const r of receivers) await r.stop();
  });

  const receiver = async () => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  };
  /** A project of its own per test, so endpoints of one test never hear another's runs. */
  const project = async (name: string) => {
    const file = `project: ${name}\nenvironments:\n  e: {}\nplans:\n  ${name}-plan:\n    framework: command\n    environments: [e]\n`;
    expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
  };
  const webhook = async (name: string, body: object) => {
    const r = await s.api('POST', `/api/v1/webhooks?project=${name}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { webhook: { id: number }; secret: string };
  };
  const trigger = async (name: string, body: object = {}) => {
    const r = await s.api('POST', `/api/v1/plans/${name}-plan/runs`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.id as number;
  };
  async function drain() {
    for (let i = 0; i < 50; i++) {
      const jobs = await agent.claim(4);
      if (jobs.length === 0) return;
      for (const j of jobs)
        expect(
          (j.kind === 'discover' ? await agent.discover(j, KEYS) : await agent.execute(j, () => 'passed')).status,
        ).toBe(200);
    }
  }
  /** The webhook ids of a run's events, in the order they happened. */
  const eventIds = async (runId: number) =>
    (
      await s.proctor.server.store.db
        .selectFrom('webhook_events')
        .select('uuid')
        .where('run_id', '=', runId)
        .orderBy('id')
        .execute()
    ).map((e) => messageId(e.uuid));
  const typeOf = (r: ReceivedRequest) => (JSON.parse(r.body) as { type: string }).type;
  const verify = (secret: string, r: ReceivedRequest, body = r.body) =>
    verifyWebhook(secret, r.headers as never, body, { nowS: now / 1000 });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('signs every event of a run to its callback URL and to the project webhooks; a tampered body fails verification', async () => {
    await project('signed');
    const rx = await receiver();
    const { secret } = await webhook('signed', { url: `${rx.url}/hooks` });
    const runId = await trigger('signed', { callback_url: `${rx.url}/callback?run=x` });
    await drain();
    const ids = await eventIds(runId);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    await eventually(
      async () =>
        rx.at('/hooks').length === ids.length && rx.at('/callback?run=x').length === ids.length ? true : undefined,
      15_000,
    );
    const hooks = rx.at('/hooks');
    expect(hooks.map((r) => r.headers['webhook-id'])).toEqual(ids);
    expect(hooks.map(typeOf)[0]).toBe('run.queued');
    expect(hooks.map(typeOf)[1]).toBe('run.started');
    expect(hooks.map(typeOf).at(-1)).toBe('run.finished');
    expect(
      hooks
        .map(typeOf)
        .slice(2, -1)
        .every((t) => t === 'job.finished'),
    ).toBe(true);
    expect(JSON.parse(hooks.at(-1)!.body).data.run).toMatchObject({
      id: runId,
      status: 'completed',
      result: 'passed',
      counts: { passed: 3 },
    });
    for (const r of hooks) {
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(verify(secret, r)).toBe(true);
      expect(verify(secret, r, r.body.replace('"passed"', '"failed"').replace('run.', 'run_'))).toBe(false);
      expect(verify(secret, r, `${r.body} `)).toBe(false);
    }
    const callbackSecret = (await s.api('GET', '/api/v1/projects/signed/callback-secret')).body.secret as string;
    expect(callbackSecret).toMatch(/^whsec_/);
    const callbacks = rx.at('/callback?run=x');
    expect(callbacks.map((r) => r.headers['webhook-id'])).toEqual(ids);
    for (const r of callbacks) {
      expect(verify(callbackSecret, r)).toBe(true);
      expect(verify(secret, r)).toBe(false);
    }
  });

  it('records events only for runs someone receives: a callback URL, or an enabled endpoint of the project', async () => {
    await project('quiet');
    const silent = await trigger('quiet');
    await drain();
    expect(await eventIds(silent)).toEqual([]);
    const rx = await receiver();
    const withCallback = await trigger('quiet', { callback_url: `${rx.url}/cb` });
    await drain();
    expect((await eventIds(withCallback)).length).toBeGreaterThanOrEqual(4);
    const { webhook: hook } = await webhook('quiet', { url: `${rx.url}/hooks` });
    const withEndpoint = await trigger('quiet');
    await drain();
    expect((await eventIds(withEndpoint)).length).toBeGreaterThanOrEqual(4);
    const forRun = () => rx.at('/hooks').filter((r) => JSON.parse(r.body).data.run.id === withEndpoint).length;
    await eventually(async () => (forRun() === (await eventIds(withEndpoint)).length ? true : undefined), 15_000);
    expect(hook.id).toBeGreaterThan(0);
  });

  it('keeps every event while a callback receiver is down and delivers each once, in order per run, when it is back', async () => {
    await project('down');
    const rx = await receiver();
    await rx.stop();
    const runs = [
      await trigger('down', { callback_url: `${rx.url}/cb` }),
      await trigger('down', { callback_url: `${rx.url}/cb` }),
    ];
    await drain();
    const db = s.proctor.server.store.db;
    for (let i = 0; i < 3; i++) {
      await eventually(async () => {
        const open = await db
          .selectFrom('webhook_deliveries')
          .select(['attempts'])
          .where('run_id', 'in', runs)
          .where('status', '=', 'pending')
          .where('attempts', '>', i)
          .execute();
        return open.length === 2 ? true : undefined;
      }, 15_000);
      now += 10 * 60_000;
    }
    expect(rx.received).toEqual([]);
    await rx.start();
    now += HOUR;
    const expected = await Promise.all(runs.map(eventIds));
    await eventually(async () => (rx.received.length >= expected.flat().length ? true : undefined), 15_000);
    await pause(300);
    for (const [i, runId] of runs.entries()) {
      const got = rx.received
        .filter((r) => JSON.parse(r.body).data.run.id === runId)
        .map((r) => r.headers['webhook-id']);
      expect(got, `run ${runId}`).toEqual(expected[i]);
    }
    expect(rx.received.length).toBe(expected.flat().length);
  });

  it('disables an endpoint that answers 410 Gone and cancels what it had pending', async () => {
    await project('gone');
    const rx = await receiver();
    rx.answer = () => ({ status: 500 });
    const { webhook: w } = await webhook('gone', { url: `${rx.url}/gone` });
    const runId = await trigger('gone');
    await drain();
    const deliveries = async () =>
      (await s.api('GET', `/api/v1/webhooks/${w.id}/deliveries`)).body.items as { status: string; attempts: number }[];
    const count = (await eventIds(runId)).length;
    // The first event failed once; the others wait behind it.
    await eventually(
      async () => ((await deliveries()).length === count && rx.received.length === 1 ? true : undefined),
      15_000,
    );
    rx.answer = () => ({ status: 410 });
    now += 10 * 60_000;
    await eventually(
      async () => ((await s.api('GET', '/api/v1/webhooks?project=gone')).body.items[0].disabled_at ? true : undefined),
      15_000,
    );
    expect((await s.api('GET', '/api/v1/webhooks?project=gone')).body.items[0].disabled_reason).toMatch(/410/);
    const after = await deliveries();
    expect(after.filter((d) => d.status === 'failed')).toHaveLength(1);
    expect(after.filter((d) => d.status === 'cancelled')).toHaveLength(count - 1);
    await trigger('gone');
    await pause(300);
    expect(rx.received).toHaveLength(2);
    expect(await deliveries()).toHaveLength(count);
  });

  it("honours the receiver's Retry-After, and gives up on a delivery failing 24 h after its first attempt", async () => {
    await project('later');
    const rx = await receiver();
    rx.answer = (r) =>
      r.path === '/slow' && rx.at('/slow').length === 1
        ? { status: 429, headers: { 'retry-after': '120' } }
        : r.path === '/down'
          ? { status: 503 }
          : { status: 200 };
    const slow = await webhook('later', { url: `${rx.url}/slow`, events: ['run.queued'] });
    const down = await webhook('later', { url: `${rx.url}/down`, events: ['run.queued'] });
    await trigger('later');
    const delivery = async (id: number) => (await s.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body.items[0];
    await eventually(
      async () => ((await delivery(slow.webhook.id))?.response_status === 429 ? true : undefined),
      15_000,
    );
    const first = await delivery(slow.webhook.id);
    expect(Date.parse(first.next_attempt_at) - Date.parse(first.last_attempt_at)).toBe(120_000);
    now += 119_000;
    await pause(300);
    expect(rx.at('/slow')).toHaveLength(1);
    now += 2_000;
    await eventually(async () => ((await delivery(slow.webhook.id)).status === 'delivered' ? true : undefined), 15_000);
    expect(rx.at('/slow')).toHaveLength(2);
    expect(rx.at('/slow')[0]!.headers['webhook-id']).toBe(rx.at('/slow')[1]!.headers['webhook-id']);

    expect((await delivery(down.webhook.id)).status).toBe('pending');
    now += 25 * HOUR;
    await eventually(async () => ((await delivery(down.webhook.id)).status === 'failed' ? true : undefined), 15_000);
    expect((await delivery(down.webhook.id)).last_error).toMatch(
      /^gave up after \d+ attempts over 24 h: the receiver answered 503$/,
    );
  });

  it('ends a last error it cuts at 1,000 characters with …', async () => {
    await project('cut');
    // A host name this long makes an error of about 1,300 characters: it names the host twice.
    const host = Array.from({ length: 10 }, (_, i) => String.fromCharCode(97 + i).repeat(60)).join('.');
    const w = await webhook('cut', { url: `http://${host}.example/hook`, events: ['run.queued'] });
    await trigger('cut');
    const last = await eventually(async () => {
      const d = (await s.api('GET', `/api/v1/webhooks/${w.webhook.id}/deliveries`)).body.items[0];
      return d?.last_error ?? undefined;
    }, 15_000);
    expect(last.startsWith(`could not resolve ${host}.example: `)).toBe(true);
    expect(last).toHaveLength(1000);
    expect(last.endsWith('…')).toBe(true);
  });

  it('signs with both secrets while a rotated-out secret is still live, then with the new one only', async () => {
    await project('rotate');
    const rx = await receiver();
    const created = await webhook('rotate', { url: `${rx.url}/r`, events: ['run.queued'] });
    const rotated = await s.api('POST', `/api/v1/webhooks/${created.webhook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(created.secret);
    expect(rotated.body.webhook.previous_secret_expires_at).toBe(new Date(now + 24 * HOUR).toISOString());
    await trigger('rotate');
    await eventually(async () => (rx.received.length === 1 ? true : undefined), 15_000);
    const during = rx.received[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(created.secret, during)).toBe(true);
    expect(verify(fresh, during)).toBe(true);
    now += 25 * HOUR;
    await trigger('rotate');
    await eventually(async () => (rx.received.length === 2 ? true : undefined), 15_000);
    const after = rx.received[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verify(fresh, after)).toBe(true);
    expect(verify(created.secret, after)).toBe(false);
  });

  it('sends run summaries in the Slack, Microsoft Teams and Google Chat formats', async () => {
    await project('chat');
    const rx = await receiver();
    for (const format of ['slack', 'teams', 'google-chat'])
      await webhook('chat', { url: `${rx.url}/${format}`, format });
    const runId = await trigger('chat', { build: '42' });
    await drain();
    await eventually(async () => (rx.received.length === 3 ? true : undefined), 15_000);
    const slack = JSON.parse(rx.at('/slack')[0]!.body);
    expect(slack.text).toContain(`Run #${runId} of *chat-plan* (chat) ✅ passed`);
    expect(slack.text).toContain('3 passed');
    expect(slack.blocks[0].type).toBe('section');
    const teams = JSON.parse(rx.at('/teams')[0]!.body);
    expect(teams.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0].content.body[1].facts).toContainEqual({ title: 'Build', value: '42' });
    expect(JSON.parse(rx.at('/google-chat')[0]!.body).text).toContain(`Run #${runId}`);
    await pause(200);
    expect(rx.received).toHaveLength(3);
  });

  // Last: it moves the clock 31 days on.
  it('forgets ended deliveries and their events after the retention period (30 days), keeping the rest', async () => {
    await project('retained');
    await project('forgotten');
    const ok = await receiver();
    const down = await receiver();
    down.answer = () => ({ status: 503 });
    const good = await webhook('retained', { url: `${ok.url}/hooks` });
    const failing = await webhook('retained', { url: `${down.url}/hooks` });
    const forgottenHook = await webhook('forgotten', { url: `${ok.url}/forgotten` });
    const old = await trigger('retained');
    const forgotten = await trigger('forgotten');
    await drain();
    const db = s.proctor.server.store.db;
    const rows = (runId: number, endpoint?: number) =>
      db
        .selectFrom('webhook_deliveries')
        .select(['status'])
        .where('run_id', '=', runId)
        .$if(endpoint !== undefined, (q) => q.where('endpoint_id', '=', endpoint!))
        .execute();
    const events = async (runId: number) =>
      (await db.selectFrom('webhook_events').select('id').where('run_id', '=', runId).execute()).length;
    /** Every event of the (finished) run has its delivery to the endpoint, and all were delivered. */
    const delivered = async (runId: number, endpoint: number) => {
      const ds = await rows(runId, endpoint);
      return ds.length === (await events(runId)) && ds.every((d) => d.status === 'delivered') ? true : undefined;
    };
    await eventually(() => delivered(old, good.webhook.id));
    expect((await rows(old, failing.webhook.id)).every((d) => d.status === 'pending')).toBe(true);
    const oldEvents = await events(old);
    expect(oldEvents).toBeGreaterThan(0);
    await eventually(() => delivered(forgotten, forgottenHook.webhook.id));
    expect(await events(forgotten)).toBeGreaterThan(0);

    now += 31 * 24 * HOUR;
    const recent = await trigger('retained');
    await drain();
    // The delivered ones ended 31 days ago: gone. The failing endpoint's were still due, so they ran
    // again now and ended now (given up after 24 h): kept, and so are their events.
    await eventually(async () => ((await rows(old, good.webhook.id)).length === 0 ? true : undefined));
    // A run whose every delivery ended long ago is forgotten whole.
    expect(await rows(forgotten)).toEqual([]);
    expect(await events(forgotten)).toBe(0);
    expect((await rows(old, failing.webhook.id)).length).toBeGreaterThan(0);
    expect(await events(old)).toBe(oldEvents);
    await eventually(() => delivered(recent, good.webhook.id));
    expect(await events(recent)).toBeGreaterThan(0);
  });
});
