import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

const timeout = (ms: number) => new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), ms));

// PostgreSQL only: on SQLite one server process owns the file.
describeEachDialect('several server replicas on one database', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer('postgres');
    b = await startTestServer('postgres', { target: a.target });
    await a.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e] }\n',
    );
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('serves agents connected to either replica, and wakes a long poll on one for a job queued on the other', async () => {
    const onB = await ProtocolAgent.register(b);
    const onA = await ProtocolAgent.register(a);
    const waiting = onB.claim(1, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    const run = (await a.api('POST', '/api/v1/plans/p/runs', {})).body;
    // Without a cross-replica wake, replica B would only look again after its 5 s re-poll.
    const claimed = await Promise.race([waiting, timeout(3_000)]);
    expect(claimed).not.toBe('timed out');
    const [disc] = claimed as Awaited<typeof waiting>;
    expect(disc!.run_id).toBe(run.id);
    expect((await onB.discover(disc!, ['x.test > one', 'x.test > two'])).status).toBe(200);
    for (let i = 0; i < 10; i++) {
      for (const agent of [onA, onB])
        for (const j of await agent.claim(1)) expect((await agent.execute(j, () => 'passed')).status).toBe(200);
      if ((await b.api('GET', `/api/v1/runs/${run.id}`)).body.status === 'completed') break;
    }
    expect((await b.api('GET', `/api/v1/runs/${run.id}`)).body).toMatchObject({
      status: 'completed',
      result: 'passed',
      counts: { passed: 2 },
    });
  });
}, ['postgres']);
