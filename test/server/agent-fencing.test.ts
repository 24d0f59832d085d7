import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Every call of an attempt is checked against the agent that holds it as well as its lease token:
 * another agent that learnt the token (from a log, a shared machine) writes nothing to the job.
 */
describeEachDialect('agent calls fenced by agent and lease', (dialect) => {
  let s: TestServer;
  let holder: ProtocolAgent;
  let intruder: ProtocolAgent;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e] }\n',
    );
    holder = await ProtocolAgent.register(s);
    intruder = await ProtocolAgent.register(s);
  });
  afterAll(() => s?.close());

  it("refuses another agent's log chunk, artifact, heartbeat and completion made with the holder's lease token", async () => {
    await s.api('POST', '/api/v1/plans/p/runs', {});
    const [job] = await holder.claim();
    const token = job!.lease_token;
    const asIntruder = { token: intruder.token };
    const log = await s.api(
      'POST',
      `/api/agent/v1/jobs/${job!.job_id}/log`,
      { lease_token: token, offset: 0, data: 'forged' },
      asIntruder,
    );
    expect(log.status).toBe(409);
    expect(log.body.error.code).toBe('LEASE_LOST');
    const content = Buffer.from('forged file');
    const q = new URLSearchParams({ name: 'forged.txt', sha256: createHash('sha256').update(content).digest('hex') });
    const artifact = await fetch(`${s.url}/api/agent/v1/jobs/${job!.job_id}/artifacts?${q}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${intruder.token}`,
        'content-type': 'application/octet-stream',
        'x-lease-token': token,
      },
      body: content,
    });
    expect(artifact.status).toBe(409);
    expect((await intruder.heartbeat([job!])).body.lost).toEqual([job!.job_id]);
    expect((await intruder.complete(job!, { outcome: 'completed', scenarios: [] })).status).toBe(409);
    const db = s.proctor.server.store.db;
    expect(await db.selectFrom('log_chunks').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('artifacts').selectAll().execute()).toEqual([]);
    // The holder's own calls still work with the same token.
    expect(
      (
        await s.api(
          'POST',
          `/api/agent/v1/jobs/${job!.job_id}/log`,
          { lease_token: token, offset: 0, data: 'mine' },
          { token: holder.token },
        )
      ).status,
    ).toBe(200);
    expect((await holder.heartbeat([job!])).body.lost).toEqual([]);
  });
});
