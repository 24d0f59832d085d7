import { afterAll, beforeAll, expect, it } from 'vitest';
import { AddressPolicy } from '../../src/domain/address-policy.js';
import { deliverWebhooks } from '../../src/queue/webhook-deliver.js';
import { defaultTransport } from '../../src/queue/webhook-transport.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * A webhook's body is the state of the run when the event happened, not when it is delivered:
 * here nothing is delivered until the run has ended, and every event still tells its own moment.
 */
describeEachDialect('webhook bodies', (dialect) => {
  let s: TestServer;
  let rx: WebhookReceiver;
  beforeAll(async () => {
    // No delivery pass of its own: the test delivers, after the fact.
    s = await startTestServer(dialect, {
      env: { PROCTOR_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8' },
      start: { webhooks: { everyMs: 3_600_000 } },
    });
    rx = await new WebhookReceiver().start();
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p: { framework: command, workdir: ., environments: [e] }\n',
    );
    expect((await s.api('POST', '/api/v1/webhooks?project=default', { url: `${rx.url}/hooks` })).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await rx?.stop();
  });

  it("says in each event the run's status at that event, in order, though all are delivered after the run ended", async () => {
    const run = (await s.api('POST', '/api/v1/plans/p/runs', {})).body;
    const agent = await ProtocolAgent.register(s);
    const [discovery] = await agent.claim(1);
    await agent.discover(discovery!, ['a.sh', 'b.sh']);
    for (const job of await agent.claim(4)) await agent.execute(job, (key) => (key === 'a.sh' ? 'passed' : 'failed'));
    expect((await s.api('GET', `/api/v1/runs/${run.id}`)).body.status).toBe('completed');
    const events = (
      await s.proctor.server.store.db.selectFrom('webhook_events').select('id').where('run_id', '=', run.id).execute()
    ).length;
    const opts = { transport: defaultTransport(), policy: new AddressPolicy(['127.0.0.0/8']) };
    for (let i = 0; i < 30 && rx.at('/hooks').length < events; i++) await deliverWebhooks(s.proctor.server.queue, opts);
    const bodies = rx.at('/hooks').map(
      (r) =>
        JSON.parse(r.body) as {
          type: string;
          data: {
            run: {
              status: string;
              counts: { total: number; passed: number; failed: number; queued: number; running: number };
            };
            job?: { kind: string };
          };
        },
    );
    expect(bodies).toHaveLength(events);
    const executions = bodies.filter((b) => b.data.job?.kind === 'execute');
    expect(bodies.map((b) => [b.type, b.data.run.status, b.data.job?.kind ?? null])).toEqual([
      ['run.queued', 'queued', null],
      ['run.started', 'running', null],
      ['job.finished', 'running', 'discover'],
      ...executions.map(() => ['job.finished', 'running', 'execute']),
      ['run.finished', 'completed', null],
    ]);
    expect(bodies[0]!.data.run.counts.total).toBe(0);
    // The discovery job's end comes before its scenarios are queued, in the same transaction.
    expect(bodies[2]!.data.run.counts).toMatchObject({ total: 0 });
    // Each job's event counts the verdicts of the jobs that finished by then, and no later one.
    const done = executions.map((b) => b.data.run.counts.passed + b.data.run.counts.failed);
    expect(done).toEqual(executions.map((_, i) => (executions.length === 1 ? 2 : i + 1)));
    expect(bodies.at(-1)!.data.run.counts).toMatchObject({ passed: 1, failed: 1 });
  });
});
